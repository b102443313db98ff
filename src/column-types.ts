/**
 * Column types that differ per engine. Entities and migrations use the
 * engine-neutral names here, and {@link adaptDriverTypes} teaches PostgreSQL
 * what they mean.
 *
 * @module
 */
import type { ColumnType, DataSource } from 'typeorm';

/**
 * The neutral type of every timestamp column. SQLite stores it as a UTC
 * `datetime` string; on PostgreSQL it becomes `timestamp with time zone`.
 */
export const TIMESTAMP = 'datetime' satisfies ColumnType;

/** The neutral type of JSON columns: `json` on both engines (text on SQLite). */
export const JSON_COLUMN = 'json' satisfies ColumnType;

/** SQLite's current UTC time with milliseconds, in the format TypeORM reads back. */
export const SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')";

/** The engines this library supports. */
export type Engine = 'sqlite' | 'postgres';

/**
 * The concrete type of a neutral column type on one engine, for migrations.
 *
 * @example
 * ```ts
 * new TableColumn({ name: 'sent_at', type: columnTypeFor('postgres', TIMESTAMP) }); // 'timestamptz'
 * ```
 */
export function columnTypeFor(engine: Engine, type: string): string {
  if (type === TIMESTAMP) return engine === 'postgres' ? 'timestamptz' : 'datetime';
  return type;
}

/**
 * The engine behind a TypeORM DataSource.
 *
 * @example
 * ```ts
 * if (engineOf(db.dataSource) === 'postgres') await db.dataSource.query('ANALYZE');
 * ```
 */
export function engineOf(dataSource: Pick<DataSource, 'options'>): Engine {
  return dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * Makes a DataSource's driver map {@link TIMESTAMP} to `timestamp with time zone`
 * on PostgreSQL, and default SQLite timestamps to millisecond precision. Entity decorators run before any engine is known, so the
 * mapping happens here, once per DataSource; `createDataSource` calls it.
 *
 * @example
 * ```ts
 * // Only for a DataSource you build yourself instead of with createDataSource.
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
