import type BetterSqlite3 from 'better-sqlite3';
import { QueryFailedError, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { sqliteParameters } from '../typeorm/index';
import { SQLITE_NOW, type Engine } from '../column-types';

/** A row as the driver returns it, keyed by column name. @internal */
export type Row = Record<string, unknown>;

const SHAPES_KEPT = 1000;
const statements = new Map<string, string>();

/**
 * A statement of fixed SQL for the hot paths, written with `?` placeholders,
 * in the engine's dialect (`$1`, `$2`, ... on PostgreSQL), built once per
 * engine and shape (a multi-row statement has one shape per row count).
 * Fixed text matters on SQLite, where the driver keeps a prepared statement
 * per distinct SQL text, and it saves the query builder's per-call SQL
 * generation on both engines. Entity metadata is the same in every
 * DataSource (one set of classes), so the text depends on the engine only.
 *
 * The SQL must not contain `?` anywhere but in placeholders.
 *
 * @internal
 */
export function statement(engine: Engine, shape: string, build: () => string): string {
  const key = `${engine}:${shape}`;
  let sql = statements.get(key);
  if (sql === undefined) {
    // Shapes that carry a row count or a page size are many; keep the texts of the recent ones.
    if (statements.size >= SHAPES_KEPT) statements.delete(statements.keys().next().value as string);
    statements.set(key, (sql = inDialect(engine, build())));
  }
  return sql;
}

/** `?` placeholders as the engine wants them. @internal */
export function inDialect(engine: Engine, sql: string): string {
  if (engine !== 'postgres') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs SQL with `?`-style (SQLite) or `$n` (PostgreSQL) placeholders and returns its rows (a write's `RETURNING` rows).
 * On the manager's transaction if it has one; a `SELECT` outside one is served by a read replica if configured.
 * @internal
 */
export async function queryRows(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Row[]> {
  const sqlite = sqliteConnectionOf(m);
  if (sqlite) return runOnSqlite(m, sqlite, sql, parameters);
  if (m.queryRunner || !/^\s*SELECT\b/i.test(sql)) return rowsOf(await m.query(sql, [...parameters]));
  // A read outside a transaction goes to a read replica when there is one, as the query builder's do.
  const runner = m.connection.createQueryRunner('slave');
  try {
    return rowsOf(await runner.query(sql, [...parameters]));
  } finally {
    await runner.release();
  }
}

type SqliteConnection = BetterSqlite3.Database;

/** The one better-sqlite3 connection TypeORM holds for a SQLite DataSource (every transaction runs on it). */
function sqliteConnectionOf(m: EntityManager): SqliteConnection | null {
  const driver = m.connection.driver as unknown as { options: { type: string }; databaseConnection?: SqliteConnection };
  return driver.options.type === 'better-sqlite3' && driver.databaseConnection ? driver.databaseConnection : null;
}

const STATEMENTS_KEPT = 256;
const prepared = new WeakMap<SqliteConnection, Map<string, BetterSqlite3.Statement>>();

/**
 * SQLite: runs fixed SQL on the driver's connection with our own prepared
 * statements, keeping what TypeORM's query runner does for a query (query
 * log, slow-query log, errors as `QueryFailedError`) but not its per-call
 * bookkeeping (subscriber broadcasts, result wrapping), which costs about as
 * much as a primary-key lookup. The connection is the one TypeORM's
 * transactions run on, so this joins the current transaction.
 */
function runOnSqlite(m: EntityManager, connection: SqliteConnection, sql: string, parameters: readonly unknown[]): Row[] {
  const logger = m.connection.logger;
  const values = sqliteParameters(parameters);
  logger.logQuery(sql, values);
  const started = Date.now();
  try {
    let byText = prepared.get(connection);
    if (!byText) prepared.set(connection, (byText = new Map()));
    let compiled = byText.get(sql);
    if (!compiled) {
      // The oldest goes first; the hot statements are few and prepared again cheaply if dropped.
      if (byText.size >= STATEMENTS_KEPT) byText.delete(byText.keys().next().value as string);
      byText.set(sql, (compiled = connection.prepare(sql)));
    }
    const rows = compiled.reader ? (compiled.all(...values) as Row[]) : (compiled.run(...values), []);
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
 * The row of `target`'s table whose `column` equals `value` (a key: id or a
 * unique column), as an entity, or `null`.
 * @internal
 */
export async function selectOne<T extends ObjectLiteral>(m: EntityManager, engine: Engine, target: EntityTarget<T>, column: string, value: unknown): Promise<T | null> {
  const table = m.connection.getMetadata(target).tableName;
  const sql = statement(engine, `one:${table}:${column}`, () => `SELECT * FROM "${table}" WHERE "${column}" = ? LIMIT 1`);
  const row = (await queryRows(m, sql, [value]))[0];
  return row === undefined ? null : hydrateRow(m, target, row);
}

/** A row limit as SQL text; only ever a whole number we computed, never input. @internal */
export function limitLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`not a row limit: ${limit}`);
  return String(limit);
}

/** The rows of a result; TypeORM's pg driver wraps UPDATE/DELETE ... RETURNING results as `[rows, count]`. @internal */
export function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as Row[];
  }
  return Array.isArray(result) ? (result as Row[]) : [];
}

/**
 * An entity from a row as the table stores it, converted the way TypeORM
 * converts a selected row (driver hydration, transformers). `prefix` reads
 * the columns of a joined table, selected as `prefix + column name`.
 *
 * @internal
 */
export function hydrateRow<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, row: Row, prefix = ''): T {
  const dataSource = m.connection;
  let byShape = hydrators.get(dataSource);
  if (!byShape) hydrators.set(dataSource, (byShape = new Map()));
  let byPrefix = byShape.get(target);
  if (!byPrefix) byShape.set(target, (byPrefix = new Map()));
  let hydrate = byPrefix.get(prefix);
  if (!hydrate) byPrefix.set(prefix, (hydrate = compileHydrator(m, target, prefix)));
  return hydrate(row) as T;
}

type Hydrator = (row: Row) => ObjectLiteral;

const hydrators = new WeakMap<object, Map<EntityTarget<ObjectLiteral>, Map<string, Hydrator>>>();

/**
 * A hydrator for one entity and column prefix, compiled once per DataSource:
 * straight-line code with one constant-key assignment per column, and the
 * driver's conversion only where a column needs one (the way MikroORM
 * hydrates). Keys and property names come from entity metadata, never from
 * input, and are embedded as JSON string literals.
 */
function compileHydrator(m: EntityManager, target: EntityTarget<ObjectLiteral>, prefix: string): Hydrator {
  const dataSource = m.connection;
  const metadata = dataSource.getMetadata(target);
  const driver = dataSource.driver;
  const sqlite = driver.options.type === 'better-sqlite3';
  const helpers: unknown[] = [];
  const helper = (value: unknown): string => `h[${helpers.push(value) - 1}]`;
  // What TypeORM's metadata.create does for a row from the database, without its per-call checks when they are no-ops.
  const plainCreate = typeof metadata.target === 'function' && !metadata.isAlwaysUsingConstructor && metadata.lazyRelations.length === 0 && !dataSource.options.typename;
  const lines = [
    plainCreate
      ? `const e = Object.create(${helper((metadata.target as { prototype: object }).prototype)});`
      : `const e = ${helper(() => metadata.create(undefined, { fromDeserializer: true }))}();`,
    'let v;',
  ];
  for (const column of metadata.columns) {
    const general = (value: unknown): unknown => driver.prepareHydratedValue(value, column);
    let value = `${helper(general)}(v)`;
    if (!column.transformer) {
      // Both drivers already return these as the entity holds them (pg: int4 as number, bool as boolean).
      if ((typeof column.type === 'string' && AS_RETURNED.has(column.type)) || (column.type === 'boolean' && !sqlite)) value = 'v';
      else if (sqlite && (column.type === 'datetime' || column.type === Date)) {
        value = `((typeof v === 'string' && ${helper(sqliteUtc)}(v)) || ${helper(general)}(v))`;
      }
    }
    const assign =
      column.embeddedMetadata || column.isVirtual
        ? `${helper((entity: ObjectLiteral, x: unknown) => column.setEntityValue(entity, x))}(e, ${value});`
        : `e[${JSON.stringify(column.propertyName)}] = ${value};`;
    lines.push(`v = row[${JSON.stringify(prefix + column.databaseName)}];`, `if (v !== undefined) ${assign}`);
  }
  lines.push('return e;');
  const factory = new Function('h', `return function hydrate(row) {\n${lines.join('\n')}\n};`) as (h: unknown[]) => Hydrator;
  return factory(helpers);
}

/** Column types whose driver values need no conversion on either engine. */
const AS_RETURNED: ReadonlySet<string> = new Set(['varchar', 'character varying', 'text', 'integer', 'int', 'int4']);

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

/** The column of an entity's property. @internal */
export function columnOf<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, property: keyof T & string): ColumnMetadata {
  const column = m.connection.getMetadata(target).findColumnWithPropertyName(property);
  if (!column) throw new Error(`${property} is not a column`);
  return column;
}

/** `?, ?, ?` for `n` values. @internal */
export function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** `items` in runs of at most `size`, to stay under the engines' bound-parameter limits. @internal */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** SQL for a timestamp parameter: a `?` PostgreSQL reads as `timestamptz` (a Date or exact cursor text). @internal */
export function timestampPlaceholder(engine: Engine): string {
  return engine === 'postgres' ? 'CAST(? AS timestamptz)' : '?';
}

/**
 * SQL giving a timestamp column as exact text, for a cursor. PostgreSQL keeps
 * microseconds, which a JavaScript Date would round away (and a cursor that
 * rounds skips or repeats rows); the text round-trips through
 * {@link timestampParam}. SQLite stores the text already.
 * @internal
 */
export function timestampText(engine: Engine, column: string): string {
  return engine === 'postgres' ? `CAST(${column} AS text)` : column;
}

/** SQL for a named query-builder timestamp parameter given as text (a cursor) or a {@link RepositoryContext.dateParam}. @internal */
export function timestampParam(engine: Engine, name: string): string {
  return engine === 'postgres' ? `CAST(:${name} AS timestamptz)` : `:${name}`;
}

/** The current time for `updated_at`; on SQLite with milliseconds (TypeORM would write whole seconds). @internal */
export function nowSql(engine: Engine): string {
  return engine === 'sqlite' ? SQLITE_NOW : 'CURRENT_TIMESTAMP';
}

/** `"alias"."column" AS "prefixcolumn"` for every column of an entity, to select a joined row for {@link hydrateRow}. @internal */
export function prefixedColumns<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, alias: string, prefix: string): string {
  return m.connection
    .getMetadata(target)
    .columns.map((c) => `"${alias}"."${c.databaseName}" AS "${prefix}${c.databaseName}"`)
    .join(', ');
}
