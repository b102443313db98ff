import type { DataSource } from 'typeorm';
import { engineOf, TIMESTAMP } from '../column-types';
import { SQLITE_NOW } from '../dialect/index';

/**
 * Makes a DataSource's driver map {@link TIMESTAMP} to `timestamp with time zone`
 * on PostgreSQL, and default SQLite timestamps to millisecond precision. Entity decorators run before any engine is known, so the
 * mapping happens here, once per DataSource. Every DataSource built from
 * `dataSourceOptions()` (so every one from `createDataSource`) gets it, with
 * the library's other engine adjustments, as TypeORM constructs it; prefer
 * those options to calling this by hand, which maps the types only.
 *
 * @example
 * ```ts
 * // Only for a DataSource whose options do not come from dataSourceOptions().
 * const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: ENTITIES });
 * adaptDriverTypes(ds);
 * await ds.initialize();
 * ```
 */
export function adaptDriverTypes(dataSource: DataSource): void {
  const driver = dataSource.driver;
  if (engineOf(dataSource) === 'sqlite') {
    // datetime('now') keeps whole seconds; keep milliseconds like every other timestamp we write.
    driver.mappedDataTypes.createDateDefault = SQLITE_NOW;
    driver.mappedDataTypes.updateDateDefault = SQLITE_NOW;
    return;
  }
  const normalize = driver.normalizeType.bind(driver);
  driver.normalizeType = (column) =>
    column.type === TIMESTAMP ? 'timestamp with time zone' : normalize(column);
}
