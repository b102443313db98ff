/**
 * `@migochat/db`: typed data access for the Migochat CRM. Everything a
 * service uses: `openDatabase` and the {@link Database} with its
 * repositories, the entities and enums, the errors, and the whole-database
 * operations (health, backup, restore, export, import).
 *
 * The entities and enums alone, without a database driver, are in
 * `@migochat/db/entities`; test helpers in `@migochat/db/testing`; the
 * TypeORM plumbing (naming strategy, migrations, column types, the repository
 * base class) in `@migochat/db/typeorm`.
 *
 * @module @migochat/db
 */
import 'reflect-metadata';

export * from './enums';
export * from './enum-utils';
export * from './errors';
export * from './entities/index';
export { normalizePhoneNumber } from './phone-number';
export * from './search/index';
export {
  type DatabaseOptions,
  type DatabaseEnv,
  type DatabaseTarget,
  type SqliteTarget,
  type PostgresTarget,
  type LogLevel,
  type ResolvedDatabaseOptions,
  type PreparedStatements,
  type SslOptions,
  DEFAULT_DATABASE_URL,
  databaseOptionsFromEnv,
  maskUrl,
} from './config';
export type { Engine } from './column-types';
export { createDataSource, dataSourceOptions } from './data-source';
export { Database, openDatabase, type PendingMigration } from './database';
export { attachDatabase } from './attach-database';
export type { DatabaseScope, TransactionOptions } from './scope';
export * from './events/index';
export * from './repositories/index';
export {
  type Page,
  type PageRequest,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from './pagination';
export * from './operations/index';
