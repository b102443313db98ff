/**
 * Column types that differ per engine. Entities and migrations use the
 * engine-neutral names here; `adaptDriverTypes` (in `src/typeorm/`) teaches
 * PostgreSQL what they mean.
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
