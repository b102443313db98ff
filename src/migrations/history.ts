/**
 * The migration history: the table TypeORM records executed migrations in,
 * and which of a DataSource's migrations have not run yet. Used by
 * `db.pendingMigrations()`, the health probe, backup, export and import.
 *
 * @internal
 * @module
 */
import type { DataSource } from 'typeorm';

/** The name of the table that records which migrations ran. @internal */
export const MIGRATIONS_TABLE = 'migrations';

/** SQL listing the names of the executed migrations as `name`, oldest first. @internal */
export const EXECUTED_MIGRATIONS_SQL = `SELECT "name" FROM "${MIGRATIONS_TABLE}" ORDER BY "timestamp", "id"`;

/** One migration that has not run yet. */
export interface PendingMigration {
  /** The migration's class name, e.g. `InitialSchema1763900000000`. */
  name: string;
}

/**
 * The names of the executed migrations, oldest first, read with `query`
 * (a runner's, a manager's or a snapshot's). Call it only where the
 * {@link MIGRATIONS_TABLE} exists.
 * @internal
 */
export async function executedMigrations(query: (sql: string) => Promise<unknown>): Promise<string[]> {
  const rows = (await query(EXECUTED_MIGRATIONS_SQL)) as Array<Record<string, unknown>>;
  return rows.map((row) => String(row['name']));
}

/** The migrations of `dataSource` not among `executed`, oldest first. @internal */
export function pendingMigrations(dataSource: Pick<DataSource, 'migrations'>, executed: Iterable<string>): PendingMigration[] {
  const done = new Set(executed);
  return dataSource.migrations
    .map((m) => m.name ?? m.constructor.name)
    .filter((name) => !done.has(name))
    .map((name) => ({ name }));
}
