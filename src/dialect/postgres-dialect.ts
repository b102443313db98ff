/**
 * The PostgreSQL dialect (pg): `timestamptz` columns, `$n` placeholders, row
 * locks, savepoints around statements that may fail, and fixed SQL run as
 * named statements on the manager's connection or a pool client (a read
 * replica's for a plain `SELECT`): see `postgres-statements.ts`.
 *
 * @internal
 * @module
 */
import { countRowsSql, quoteIdentifier } from './common';
import type { Dialect, SqlRunner } from './dialect';
import { runPostgresStatement, runPostgresTable } from './postgres-statements';

const SAVEPOINT = 'migochat_recoverable';

/** The PostgreSQL {@link Dialect}. @internal */
export const postgresDialect: Dialect = Object.freeze<Dialect>({
  engine: 'postgres',
  now: 'CURRENT_TIMESTAMP',
  statementNow: 'clock_timestamp()',
  touch: (values) => values,
  placeholders,
  param: (index) => `$${index}`,
  timestampPlaceholder: 'CAST(? AS timestamptz)',
  timestampParam: (name) => `CAST(:${name} AS timestamptz)`,
  dateParam: (date) => date,
  timestampText: (column) => `CAST(${column} AS text)`,
  timestampTextPattern: /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?[+-](\d\d)(?::(\d\d)){0,2}$/,
  // `RETURNING *` of an UPDATE ... FROM would add the FROM list's columns.
  returningAll: (table) => `${quoteIdentifier(table)}.*`,
  lock: (qb, mode) => qb.setLock(mode === 'write' ? 'pessimistic_write' : 'pessimistic_read'),
  upsertGuard: (condition) => condition,
  transactionIsolation: (level) => level,
  recoverable,
  resetIdentity,
  serverVersionSql: 'SHOW server_version',
  listTablesSql: `SELECT c.relname AS "name", c.reltuples AS "estimate" FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
  countRowsSql,
  queryRows: runPostgresStatement,
  queryTable: runPostgresTable,
  queryRowsNow: null,
  nativeBooleans: true,
  nullsLastDescending: false,
  parseStoredTimestamp: null,
});

/** `?` placeholders as `$1`, `$2`, ... */
function placeholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

async function recoverable<T>(run: SqlRunner, fn: () => Promise<T>): Promise<T> {
  try {
    await run(`SAVEPOINT ${SAVEPOINT}`);
    const result = await fn();
    await run(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return result;
  } catch (error) {
    await run(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    throw error;
  }
}

async function resetIdentity(run: SqlRunner, table: string): Promise<void> {
  const t = quoteIdentifier(table);
  await run(`SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX("id") FROM ${t}), 1), (SELECT MAX("id") FROM ${t}) IS NOT NULL)`, [t]);
}
