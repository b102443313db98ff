/**
 * The SQLite dialect (better-sqlite3): timestamps stored as UTC text with
 * milliseconds, `?` placeholders, no row locks (the database's queue runs one
 * writer at a time), and fixed SQL run on the driver's connection with
 * prepared statements of our own.
 *
 * @internal
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { sqliteParameters } from '../typeorm/sqlite-parameters';
import { countRowsSql, rowsOf, tableOf } from './common';
import type { Dialect, Row, Table } from './dialect';

/** SQLite's current UTC time with milliseconds, in the format TypeORM reads back. @internal */
export const SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')";

const updatedNow = (): string => SQLITE_NOW;

/** The SQLite {@link Dialect}. @internal */
export const sqliteDialect: Dialect = Object.freeze<Dialect>({
  engine: 'sqlite',
  now: SQLITE_NOW,
  // 'now' is fixed per statement (not per transaction) in SQLite.
  statementNow: SQLITE_NOW,
  touch: (values) => ({ ...values, updatedAt: updatedNow }),
  placeholders: (sql) => sql,
  param: () => '?',
  timestampPlaceholder: '?',
  timestampParam: (name) => `:${name}`,
  dateParam: sqliteUtcText,
  timestampText: (column) => column,
  timestampTextPattern: /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?$/,
  // SQLite's RETURNING sees only the updated table, and refuses a qualified `"table".*`.
  returningAll: () => '*',
  lock: (qb) => qb,
  upsertGuard: () => undefined,
  transactionIsolation: () => undefined,
  recoverable: (_run, fn) => fn(),
  resetIdentity: () => Promise.resolve(),
  serverVersionSql: 'SELECT sqlite_version() AS "server_version"',
  listTablesSql: `SELECT name AS "name", -1 AS "estimate" FROM sqlite_master WHERE type = 'table'`,
  countRowsSql,
  queryRows,
  queryTable,
  queryRowsNow,
  nativeBooleans: false,
  nullsLastDescending: true,
  parseStoredTimestamp: sqliteUtc,
});

type SqliteConnection = BetterSqlite3.Database;

/** Fixed SQL on the one better-sqlite3 connection TypeORM holds for a SQLite DataSource (every transaction runs on it). */
async function queryRows(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Row[]> {
  const connection = connectionOf(m);
  if (connection) return runOnSqlite(m, connection, sql, parameters, false) as Row[];
  return rowsOf(await m.query(sql, [...parameters]));
}

/** {@link queryRows} at once, on the driver's connection (every transaction runs on it). */
function queryRowsNow(m: EntityManager, sql: string, parameters: readonly unknown[]): Row[] {
  const connection = connectionOf(m);
  if (!connection) throw new QueryFailedError(sql, [...parameters], new Error('The SQLite connection is closed'));
  return runOnSqlite(m, connection, sql, parameters, false) as Row[];
}

/** {@link queryRows} with the rows as arrays: better-sqlite3's raw mode makes no object per row. */
async function queryTable(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Table> {
  const connection = connectionOf(m);
  if (!connection) return tableOf(rowsOf(await m.query(sql, [...parameters])));
  const rows = runOnSqlite(m, connection, sql, parameters, true) as unknown[][];
  return { columns: columnsOf(preparedOn(connection, sql, true)), rows };
}

function connectionOf(m: EntityManager): SqliteConnection | undefined {
  return (m.connection.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection;
}

const STATEMENTS_KEPT = 256;
/** Per connection, statements by SQL text: object rows at [0], array rows at [1]. */
const prepared = new WeakMap<SqliteConnection, [Map<string, BetterSqlite3.Statement>, Map<string, BetterSqlite3.Statement>]>();
const columnNames = new WeakMap<BetterSqlite3.Statement, readonly string[]>();

function preparedOn(connection: SqliteConnection, sql: string, raw: boolean): BetterSqlite3.Statement {
  let byMode = prepared.get(connection);
  if (!byMode) prepared.set(connection, (byMode = [new Map(), new Map()]));
  const byText = byMode[raw ? 1 : 0];
  let compiled = byText.get(sql);
  if (!compiled) {
    // The oldest goes first; the hot statements are few and prepared again cheaply if dropped.
    if (byText.size >= STATEMENTS_KEPT) byText.delete(byText.keys().next().value as string);
    compiled = connection.prepare(sql);
    if (raw && compiled.reader) compiled.raw(true);
    byText.set(sql, compiled);
  }
  return compiled;
}

/** A reader's column names, the same array for every run (hydrators are cached by it). */
function columnsOf(statement: BetterSqlite3.Statement): readonly string[] {
  let columns = columnNames.get(statement);
  if (!columns) columnNames.set(statement, (columns = statement.reader ? statement.columns().map((c) => c.name) : []));
  return columns;
}

/**
 * Runs fixed SQL on the driver's connection with our own prepared
 * statements, keeping what TypeORM's query runner does for a query (query
 * log, slow-query log, errors as `QueryFailedError`) but not its per-call
 * bookkeeping (subscriber broadcasts, result wrapping), which costs about as
 * much as a primary-key lookup. The connection is the one TypeORM's
 * transactions run on, so this joins the current transaction.
 */
function runOnSqlite(m: EntityManager, connection: SqliteConnection, sql: string, parameters: readonly unknown[], raw: boolean): unknown[] {
  const logger = m.connection.logger;
  const values = sqliteParameters(parameters);
  logger.logQuery(sql, values);
  const started = Date.now();
  try {
    const compiled = preparedOn(connection, sql, raw);
    const rows = compiled.reader ? (compiled.all(...values) as unknown[]) : (compiled.run(...values), []);
    const slowMs = m.connection.options.maxQueryExecutionTime;
    const took = Date.now() - started;
    if (slowMs && took > slowMs) logger.logQuerySlow(took, sql, values);
    return rows;
  } catch (error) {
    logger.logQueryError(error as Error, sql, values);
    throw new QueryFailedError(sql, values, error as Error);
  }
}

/**
 * A Date as the text SQLite stores it (`YYYY-MM-DD HH:MM:SS.mmm`, UTC), as
 * TypeORM writes it, from `toISOString` for the years 0 to 9999 (every date
 * input is checked to be in 1970..9999): cheaper than TypeORM's general
 * formatting, which every TypeORM write of the process also runs through.
 * @internal
 */
export function sqliteUtcText(date: Date): string {
  const ms = date.getTime();
  if (!(ms >= MIN_ISO_MS && ms <= MAX_ISO_MS)) return DateUtils.mixedDateToUtcDatetimeString(date) as string;
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** The instants `toISOString` writes with a four-digit year (0000 to 9999). */
const MIN_ISO_MS = -62_167_219_200_000;
const MAX_ISO_MS = 253_402_300_799_999;

const SQLITE_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;

/**
 * The text every timestamp we write on SQLite has (`YYYY-MM-DD HH:MM:SS.mmm`,
 * UTC) as a Date, at a third of the cost of TypeORM's general parse; `null`
 * for any other text, which takes the general path.
 */
function sqliteUtc(text: string): Date | null {
  if (text.length !== 23 || !SQLITE_UTC.test(text)) return null;
  const year = digits(text, 0, 4);
  // Date.UTC reads years 0-99 as 1900-1999.
  if (year < 100) return null;
  return new Date(
    Date.UTC(year, digits(text, 5, 2) - 1, digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2), digits(text, 20, 3)),
  );
}

/** The number written by `count` ASCII digits at `from` (already checked to be digits). */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}
