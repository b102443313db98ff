/**
 * `attachDatabase()`: the library's {@link Database} on a DataSource that
 * something else builds and opens (NestJS's `TypeOrmModule`, a script).
 *
 * @module
 */
import type { DataSource } from 'typeorm';
import { libraryOptionsOf } from './data-source';
import { Database } from './database';
import { ConfigError } from './errors';

/**
 * A {@link Database} (the repositories, `transaction`, `health`, `migrate`,
 * ...) on a DataSource built from {@link dataSourceOptions} and opened by
 * its owner, for example the one NestJS's `TypeOrmModule` provides. Use it
 * instead of {@link openDatabase} when the DataSource is not yours to open.
 *
 * The DataSource may be initialised before or after this call; the
 * repositories need it initialised. `db.close()` waits for the work in
 * flight and then destroys the DataSource; where its owner destroys it (as
 * `TypeOrmModule` does on application shutdown) you need not call it.
 *
 * On SQLite the Database queues its own work (TypeORM shares one SQLite
 * connection between all callers): do writes through the Database, or inside
 * `db.run(...)`, rather than through TypeORM repositories of the same
 * DataSource while a `db.transaction` may be open.
 *
 * @throws {@link ConfigError} (setting `dataSource`) for a DataSource not
 * built from `dataSourceOptions()` or `createDataSource()`: it lacks the
 * library's engine adjustments.
 * @example
 * ```ts
 * // A NestJS provider, next to TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(...) })
 * { provide: Database, inject: [DataSource], useFactory: (ds: DataSource) => attachDatabase(ds) }
 * ```
 */
export function attachDatabase(dataSource: DataSource): Database {
  const options = libraryOptionsOf(dataSource);
  if (!options) {
    throw new ConfigError(
      'dataSource',
      'was not built from dataSourceOptions() or createDataSource(), so it lacks the engine adjustments the repositories rely on; build it with new DataSource(dataSourceOptions(...)) and keep its `cache` option',
    );
  }
  return new Database(dataSource, options);
}
