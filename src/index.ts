/**
 * `@migochat/db`: typed data access for the Migochat CRM.
 *
 * @module @migochat/db
 */
import 'reflect-metadata';

export * from './enums';
export * from './enum-utils';
export * from './errors';
export * from './entities/index';
export { MIGRATIONS, InitialSchema1763900000000 } from './migrations/index';
export {
  type DatabaseOptions,
  type DatabaseEnv,
  type DatabaseTarget,
  type SqliteTarget,
  type PostgresTarget,
  type LogLevel,
  type ResolvedDatabaseOptions,
  type SslOptions,
  DEFAULT_DATABASE_URL,
  databaseOptionsFromEnv,
  maskUrl,
  parseDatabaseUrl,
  resolveDatabaseOptions,
} from './config';
export { TIMESTAMP, JSON_COLUMN, columnTypeFor, engineOf, type Engine } from './column-types';
export { adaptDriverTypes } from './typeorm/index';
export { SnakeNamingStrategy, snakeCase } from './naming-strategy';
export { createDataSource } from './data-source';
export { Database, openDatabase, type PendingMigration } from './database';
export type { DatabaseScope, TransactionOptions } from './scope';
export * from './repositories/index';
export {
  type Page,
  type PageRequest,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from './pagination';
export { validateEntity } from './validation';
export * from './operations/index';
