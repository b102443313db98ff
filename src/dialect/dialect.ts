/**
 * The {@link Dialect}: everything SQL that differs between SQLite and
 * PostgreSQL, in one object per engine (the way Kysely's `DialectAdapter` and
 * MikroORM's `Platform` do it). Repositories reach it as `ctx.dialect`;
 * operations as `dialectFor(db.engine)`. Code outside `src/dialect/` writes
 * engine-neutral SQL with `?` placeholders and asks the dialect for the rest.
 *
 * Each engine's dialect is a frozen singleton of plain functions and strings:
 * the hot paths call it on every query, so it allocates nothing it does not
 * have to and awaits nothing extra.
 *
 * @internal
 * @module
 */
import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Engine } from '../column-types';
import { postgresDialect } from './postgres-dialect';
import { sqliteDialect } from './sqlite-dialect';

/** A row as the driver returns it, keyed by column name. @internal */
export type Row = Record<string, unknown>;

/** Rows as arrays, with the column names once: what entities are hydrated from by position. @internal */
export interface Table {
  /** The result's column names, in order (the same array for every run of a statement whose columns are unchanged). */
  readonly columns: readonly string[];
  /** One array of values per row, in column order. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

/** A row lock: `read` keeps the row from changing or going away, `write` also from other lockers. @internal */
export type RowLock = 'read' | 'write';

/** The isolation levels `db.transaction` accepts. @internal */
export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** Runs one SQL statement on one connection (a query runner's or a transaction manager's `query`). @internal */
export type SqlRunner = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/**
 * What differs between the engines. SQL fragments are plain strings; SQL
 * given in is engine-neutral, written with `?` placeholders and double-quoted
 * identifiers.
 * @internal
 */
export interface Dialect {
  /** `'sqlite'` or `'postgres'`. */
  readonly engine: Engine;

  /**
   * SQL for the current time, as timestamps are stored: with milliseconds on
   * SQLite (its `CURRENT_TIMESTAMP` has whole seconds); on PostgreSQL the
   * transaction's start.
   */
  readonly now: string;
  /**
   * SQL for the time of the statement itself: PostgreSQL's `clock_timestamp()`,
   * not the transaction's start, so rows written one after another in one
   * transaction sort in the order they happened. SQLite's {@link now} already is.
   */
  readonly statementNow: string;
  /**
   * A query-builder `SET` that also moves `updated_at` to {@link now} where
   * TypeORM's own would lose precision (SQLite: whole seconds). PostgreSQL
   * gets `values` itself; TypeORM sets `updated_at` there.
   */
  touch<T extends ObjectLiteral>(values: T): T;

  /** `sql` with its `?` placeholders as the engine wants them (`$1`, `$2`, ... on PostgreSQL). The SQL must have no other `?`. */
  placeholders(sql: string): string;
  /** The placeholder of the `index`-th parameter (from 1) of a statement. */
  param(index: number): string;
  /** A `?` placeholder of a timestamp parameter (a Date or exact cursor text); PostgreSQL reads it as `timestamptz`. */
  readonly timestampPlaceholder: string;
  /** The query-builder parameter `:name` as a timestamp, given as cursor text or a {@link dateParam}. */
  timestampParam(name: string): string;
  /** A Date as a query-builder parameter compared with timestamp columns (UTC text on SQLite, as stored). */
  dateParam(date: Date): Date | string;

  /**
   * SQL giving a timestamp column as exact text, for a cursor. PostgreSQL
   * keeps microseconds, which a JavaScript Date would round away (and a
   * cursor that rounds skips or repeats rows); the text goes back in through
   * {@link timestampPlaceholder} or {@link timestampParam}. SQLite stores the text already.
   */
  timestampText(column: string): string;
  /**
   * The form of {@link timestampText}'s text: groups 1-6 are year, month,
   * day, hour, minute and second; group 7, where the engine writes one, the
   * hours of the UTC offset.
   */
  readonly timestampTextPattern: RegExp;

  /** The `RETURNING` list for every column of `table` in an `UPDATE "table" ... FROM (VALUES ...)`. */
  returningAll(table: string): string;
  /** Locks the rows `qb` reads until the transaction ends (PostgreSQL `FOR UPDATE` / `FOR SHARE`); on SQLite, whose writers run one at a time, a no-op. */
  lock<Q extends SelectQueryBuilder<ObjectLiteral>>(qb: Q, mode: RowLock): Q;
  /**
   * The condition an upsert's update must meet when a row inserted by a
   * concurrent writer after our read may conflict (PostgreSQL); SQLite has no
   * concurrent writer inside a transaction and needs none (`undefined`).
   */
  upsertGuard(condition: string): string | undefined;
  /** The isolation level to open a transaction with: PostgreSQL's as asked; none on SQLite, whose transactions are always serializable. */
  transactionIsolation(level: IsolationLevel | undefined): IsolationLevel | undefined;
  /**
   * Runs `fn`, statements in an open transaction on `run`'s connection, so
   * that its failure leaves the transaction usable: PostgreSQL aborts a
   * transaction on any failed statement, so there `fn` runs in a savepoint
   * rolled back to on failure. A SQLite transaction survives a failed statement.
   */
  recoverable<T>(run: SqlRunner, fn: () => Promise<T>): Promise<T>;
  /** Moves `table`'s id sequence past its largest id after rows were inserted with explicit ids (PostgreSQL; SQLite needs nothing). */
  resetIdentity(run: SqlRunner, table: string): Promise<void>;

  /** SQL answering one row with the server's version as `server_version`. */
  readonly serverVersionSql: string;
  /**
   * SQL listing the tables of the current schema: `name`, and `estimate`,
   * the planner's row estimate (PostgreSQL) or -1 (SQLite, which keeps none).
   */
  readonly listTablesSql: string;
  /** SQL answering one row with the exact row count of each table, as a column named after it. */
  countRowsSql(tables: readonly string[]): string;

  /**
   * Runs fixed SQL (placeholders already in the engine's form) and returns
   * its rows, a write's `RETURNING` rows, or none. SQLite: on the driver's
   * connection with prepared statements of our own. PostgreSQL: on the
   * manager's transaction if it has one, otherwise on a pool client of its
   * own (a read replica's for a `SELECT`, if configured), as a named
   * statement unless the `preparedStatements` option says otherwise.
   */
  queryRows(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Row[]>;
  /**
   * Fixed SQL as {@link queryRows}, the rows as arrays ({@link Table}): no
   * object per row on SQLite (`statement.raw()`), for the hot reads that
   * hydrate entities by position.
   */
  queryTable(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Table>;
  /**
   * {@link queryRows} run at once, synchronously, where the driver is
   * synchronous (SQLite, on the connection every transaction runs on);
   * `null` on engines whose statements are network round trips.
   */
  readonly queryRowsNow: ((m: EntityManager, sql: string, parameters: readonly unknown[]) => Row[]) | null;

  /** Whether the driver returns boolean columns as booleans (pg) rather than 0/1 (SQLite). */
  /** Whether NULL sorts below every value, so a descending index scan yields it last (SQLite; PostgreSQL sorts it first). */
  readonly nullsLastDescending: boolean;
  readonly nativeBooleans: boolean;
  /**
   * A fast parse of the timestamp text the engine stores, or `null` for
   * text of another form; `null` where the driver returns Dates itself.
   */
  readonly parseStoredTimestamp: ((text: string) => Date | null) | null;
}

/** The dialect of an engine. @internal */
export function dialectFor(engine: Engine): Dialect {
  return engine === 'postgres' ? postgresDialect : sqliteDialect;
}
