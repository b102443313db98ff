/**
 * The PostgreSQL fixed-SQL runner: the repositories' hot statements sent to
 * pg as named (prepared) statements, which the server parses and plans once
 * per connection instead of on every call, and plain reads run on a pool
 * client of their own instead of a TypeORM query runner.
 *
 * What TypeORM's query runner does for a query is kept (query log, slow-query
 * log, errors as `QueryFailedError` with the SQL and parameters, so the typed
 * error mapping and the redaction of values apply unchanged); its per-call
 * bookkeeping (subscriber broadcasts, runner objects, result wrapping) is not,
 * as on SQLite.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, type DataSource, type EntityManager } from 'typeorm';
import type { PreparedStatements } from '../config';
import type { Row, Table } from './dialect';

/** The pg client surface used here (a pg `Client`, or the library's subclass of it). */
interface PgClient {
  query(config: { text: string; values?: unknown[]; name?: string; rowMode?: 'array' }): Promise<{ rows: unknown[]; fields: ReadonlyArray<{ name: string }> }>;
  /** The process id of the BackendKeyData message: the backend's, unless a pooler sent its own. */
  processID?: number | null;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

interface PgPoolClient extends PgClient {
  release(error?: Error | boolean): void;
}

interface PgPool {
  connect(): Promise<PgPoolClient>;
}

/** The parts of TypeORM's PostgresDriver used here. */
interface PgDriverPools {
  master?: PgPool;
  slaves?: PgPool[];
}

const modes = new WeakMap<DataSource, PreparedStatements>();

/**
 * Sets whether the fixed SQL of `dataSource` runs as named statements
 * (`dataSourceOptions` calls it for every library DataSource).
 * @internal
 */
export function setPreparedStatements(dataSource: DataSource, mode: PreparedStatements): void {
  modes.set(dataSource, mode);
}

/**
 * The most parameters of a statement sent named. Multi-row statements have
 * one text per row count; naming only the small ones keeps the statements a
 * connection prepares few and small (each holds a plan on the server for the
 * connection's lifetime), while every single-row hot path is named.
 */
export const MAX_NAMED_PARAMETERS = 64;

const NAMES_KEPT = 1000;
const names = new Map<string, string>();

/** A stable statement name for `sql`: `mg_` and 64 bits of its SHA-1, the same in every process. @internal */
export function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    if (names.size >= NAMES_KEPT) names.delete(names.keys().next().value as string);
    names.set(sql, (name = `mg_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`));
  }
  return name;
}

/**
 * Per connection under `'auto'`: whether it reaches the server directly. A
 * pooler (PgBouncer, Odyssey, pgcat) answers the client's startup with
 * cancel keys of its own, so the process id pg holds differs from the
 * backend's `pg_backend_pid()`; directly connected, they are always equal.
 */
const direct = new WeakMap<object, Promise<boolean>>();

function isDirect(client: PgClient): Promise<boolean> {
  let verdict = direct.get(client);
  if (!verdict) {
    verdict = client.query({ text: 'SELECT pg_backend_pid() AS "pid"' }).then(
      (result) => Number((result.rows[0] as Row | undefined)?.['pid']) === client.processID,
      // Unknown: stay unnamed, and ask again on the next statement.
      () => {
        direct.delete(client);
        return false;
      },
    );
    direct.set(client, verdict);
  }
  return verdict;
}

/**
 * Per connection: how many times its prepared statements went stale. A
 * migration that changes a table's columns makes the server refuse a
 * prepared `SELECT *` of it ("cached plan must not change result type",
 * 0A000); after that, the connection prepares its statements again under
 * new names (the old ones stay until the connection closes).
 */
const generations = new WeakMap<object, number>();

async function nameFor(mode: PreparedStatements, client: PgClient, sql: string, parameters: readonly unknown[]): Promise<string | undefined> {
  if (mode === false || parameters.length > MAX_NAMED_PARAMETERS) return undefined;
  if (mode === 'auto' && !(await isDirect(client))) return undefined;
  const generation = generations.get(client);
  return generation === undefined ? statementName(sql) : `${statementName(sql)}_${generation}`;
}

function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '0A000' && /cached plan must not change result type/i.test(String((error as Error).message));
}

const PLAIN_SELECT = /^\s*SELECT\b/i;

/**
 * Runs fixed SQL (`$n` placeholders) and returns its rows: on the manager's
 * query runner when it has one (a transaction, or `db.primary`'s lease of the
 * primary), otherwise on a client of its own from the pool: a replica's for
 * a plain `SELECT` when replicas are configured (as TypeORM's `slave` runner
 * picks one), the primary's for anything else.
 * @internal
 */
export async function runPostgresStatement(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Row[]> {
  return (await runOn(m, sql, parameters, false)).rows as Row[];
}

/** {@link runPostgresStatement} with the rows as arrays (pg's `rowMode: 'array'`): no object per row. @internal */
export async function runPostgresTable(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Table> {
  const result = await runOn(m, sql, parameters, true);
  return { columns: columnsOf(sql, result.fields), rows: result.rows as unknown[][] };
}

const COLUMNS_KEPT = 1000;
const lastColumns = new Map<string, readonly string[]>();

/**
 * The result's column names, as the same array as the statement's previous
 * result when they are unchanged (as SQLite gives them): hydrators are
 * cached by that array, so a read costs a comparison, not a key built and
 * looked up.
 */
function columnsOf(sql: string, fields: ReadonlyArray<{ name: string }>): readonly string[] {
  const last = lastColumns.get(sql);
  if (last !== undefined && last.length === fields.length && last.every((name, i) => name === fields[i]!.name)) return last;
  if (last === undefined && lastColumns.size >= COLUMNS_KEPT) lastColumns.delete(lastColumns.keys().next().value as string);
  const columns = fields.map((f) => f.name);
  lastColumns.set(sql, columns);
  return columns;
}

/** What pg answers: rows (objects, or arrays in array mode) and the result's columns. */
interface PgResult {
  rows: unknown[];
  fields: ReadonlyArray<{ name: string }>;
}

async function runOn(m: EntityManager, sql: string, parameters: readonly unknown[], arrays: boolean): Promise<PgResult> {
  const dataSource = m.connection;
  const mode = modes.get(dataSource) ?? 'auto';
  const runner = m.queryRunner;
  if (runner) {
    if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
    // TypeORM's runner holds the client (and listens for its errors) until it is released.
    const client = (await runner.connect()) as PgClient;
    // In a transaction a stale plan fails the transaction (the server aborted it); its next attempt prepares anew.
    return execute(dataSource, client, mode, sql, parameters, false, arrays);
  }
  const pools = dataSource.driver as unknown as PgDriverPools;
  const replicas = pools.slaves ?? [];
  const pool = replicas.length > 0 && PLAIN_SELECT.test(sql) ? replicas[Math.floor(Math.random() * replicas.length)] : pools.master;
  // Not connected (or destroyed): TypeORM's own path gives its usual error.
  if (!pool) {
    const rows = (await m.query(sql, [...parameters])) as Row[];
    const columns = rows[0] ? Object.keys(rows[0]) : [];
    return { rows: arrays ? rows.map((r) => columns.map((c) => r[c])) : rows, fields: columns.map((name) => ({ name })) };
  }
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out pg client has no error listener of the pool's: without one, a dropped connection would throw out of the process.
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await execute(dataSource, client, mode, sql, parameters, true, arrays);
  } finally {
    client.removeListener('error', onError);
    // Released with the error, the pool drops a client whose connection failed.
    client.release(broken);
  }
}

async function execute(
  dataSource: DataSource,
  client: PgClient,
  mode: PreparedStatements,
  sql: string,
  parameters: readonly unknown[],
  mayRetry: boolean,
  arrays: boolean,
): Promise<PgResult> {
  const logger = dataSource.logger;
  const values = [...parameters];
  logger.logQuery(sql, values);
  try {
    const started = Date.now();
    const rowMode = arrays ? { rowMode: 'array' as const } : {};
    const send = async (): Promise<PgResult> => {
      const name = await nameFor(mode, client, sql, parameters);
      return client.query(name === undefined ? { text: sql, values, ...rowMode } : { name, text: sql, values, ...rowMode });
    };
    const run = async (): Promise<PgResult> => {
      try {
        return await send();
      } catch (error) {
        if (!isStalePlan(error)) throw error;
        generations.set(client, (generations.get(client) ?? 0) + 1);
        // Refused before it ran: outside a transaction, run it again, prepared anew.
        if (!mayRetry) throw error;
        return send();
      }
    };
    const result = await run();
    const slowMs = dataSource.options.maxQueryExecutionTime;
    const took = Date.now() - started;
    if (slowMs && took > slowMs) logger.logQuerySlow(took, sql, values);
    return result;
  } catch (error) {
    logger.logQueryError(error as Error, sql, values);
    throw new QueryFailedError(sql, values, error as Error);
  }
}
