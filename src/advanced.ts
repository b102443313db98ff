/**
 * `@migochat/db/typeorm`: the TypeORM plumbing behind `openDatabase` and
 * `createDataSource`, for code that builds or extends a TypeORM setup itself
 * (a NestJS `TypeOrmModule`, a hand-made `DataSource`, migrations written
 * against this schema, generic code over the repositories).
 *
 * A service that opens the database with `openDatabase` or `createDataSource`
 * needs nothing from here, and neither does a hand-made `DataSource` or a
 * NestJS `TypeOrmModule`: build those from `dataSourceOptions()` in
 * `@migochat/db`, which carries every engine adjustment. These names follow
 * TypeORM more closely than the main entry point does, so they may change in
 * a minor release of 0.x.
 *
 * @example
 * ```ts
 * import { DataSource } from 'typeorm';
 * import { dataSourceOptions } from '@migochat/db';
 * import { ENTITIES, MIGRATIONS } from '@migochat/db/typeorm';
 *
 * // Everything createDataSource does, in options you can extend:
 * const ds = new DataSource({ ...dataSourceOptions({ url: 'sqlite::memory:' }), logging: ['error'] });
 * await ds.initialize();
 * await ds.runMigrations();
 *
 * // ENTITIES and MIGRATIONS are plain arrays: TypeOrmModule.forFeature(ENTITIES), { entities: ENTITIES, migrations: MIGRATIONS }
 * ```
 *
 * @module @migochat/db/typeorm
 */
import 'reflect-metadata';

export { ENTITIES } from './entities/all';
export { MIGRATIONS, InitialSchema1763900000000 } from './migrations/index';
export { SnakeNamingStrategy, snakeCase } from './naming-strategy';
export { TIMESTAMP, JSON_COLUMN, columnTypeFor, engineOf, type Engine } from './column-types';
export { adaptDriverTypes } from './typeorm/driver-types';
export { parseDatabaseUrl, resolveDatabaseOptions } from './config';
export type { RepositoryContext } from './repositories/context';
export { EntityRepository } from './repositories/base.repository';
export { validateEntity } from './validation';
