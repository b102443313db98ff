/**
 * The health probe: `db.health()` and {@link checkHealth}.
 *
 * @module
 */
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Engine } from '../column-types';
import { maskUrl } from '../config';
import type { Database } from '../database';
import { dialectFor } from '../dialect/index';
import { executedMigrations, MIGRATIONS_TABLE, pendingMigrations } from '../migrations/history';
import { errorText, tablesOf } from './shared';

/** How long {@link checkHealth} waits for the database by default, in milliseconds. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

/**
 * On PostgreSQL, tables the planner estimates at this many rows or more are
 * not counted exactly (a `COUNT(*)` over millions of rows is too slow for a
 * probe); their `rows` is the `pg_class.reltuples` estimate instead.
 */
export const EXACT_COUNT_LIMIT = 100_000;

/** Options of {@link checkHealth} and `db.health()`. */
export interface HealthOptions {
  /** Answer within this many milliseconds, whatever the database does (default 2000). */
  timeoutMs?: number;
}

/**
 * `healthy`: reachable, every table there, no pending migration.
 * `degraded`: reachable, but a table is missing or a migration has not run.
 * `unhealthy`: not reachable (or no answer within the timeout).
 */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** The row count of one table in a {@link HealthReport}. */
export interface TableHealth {
  /** The table name, e.g. `messages`. */
  name: string;
  /** How many rows it holds (an estimate when `estimated`). */
  rows: number;
  /**
   * True when `rows` is PostgreSQL's planner estimate (tables of
   * {@link EXACT_COUNT_LIMIT} rows or more); false for an exact `COUNT(*)`.
   */
  estimated: boolean;
}

/** The PostgreSQL connection pool of the primary. */
export interface PoolStats {
  /** Open connections, idle or in use. */
  total: number;
  /** Open connections not in use. */
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
}

/** One read replica in a {@link HealthReport}. */
export interface ReplicaHealth {
  /** The replica's URL, password masked. */
  url: string;
  /** `healthy` when it answered and is in recovery (a real standby); otherwise `unhealthy`. */
  status: 'healthy' | 'unhealthy';
  /**
   * Milliseconds between now and the last replayed transaction, or 0 when it
   * has replayed everything it received; null when unknown.
   */
  replayLagMs: number | null;
  /** Why it is unhealthy (passwords masked). */
  error?: string;
}

/** What {@link checkHealth} found. Serialisable with `JSON.stringify`. */
export interface HealthReport {
  /** The verdict; see {@link HealthStatus}. */
  status: HealthStatus;
  /** `'sqlite'` or `'postgres'`. */
  engine: Engine;
  /** The server's version (SQLite's library version), or null when unreachable. */
  serverVersion: string | null;
  /**
   * How long a `SELECT 1` took in milliseconds, including the wait for a
   * connection (PostgreSQL) or for the database's queue (SQLite). When
   * unhealthy: how long until the check gave up.
   */
  latencyMs: number;
  /** Every one of our tables that exists, in foreign-key order, with its row count. */
  tables: TableHealth[];
  /** Our tables that do not exist. */
  missingTables: string[];
  /** The names of migrations that have not run, oldest first. */
  pendingMigrations: string[];
  /** PostgreSQL only: the primary's connection pool. */
  pool?: PoolStats;
  /**
   * PostgreSQL with read replicas only: each replica, reachable or not, and
   * how far its replay is behind. An unreachable replica makes the report
   * `degraded` (reads fail over to nothing), not `unhealthy`.
   */
  replicas?: ReplicaHealth[];
  /** Why the database is unhealthy (passwords masked). */
  error?: string;
  /** When the check started, as an ISO 8601 string. */
  checkedAt: string;
}

type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

interface Probe {
  latencyMs: number;
  serverVersion: string;
  tables: TableHealth[];
  missingTables: string[];
  pendingMigrations: string[];
}

async function probeWith(db: Database, query: Query, started: number): Promise<Probe> {
  await query('SELECT 1 AS "ok"');
  const latencyMs = Math.round(performance.now() - started);
  const dialect = dialectFor(db.engine);
  const [versionRow] = await query(dialect.serverVersionSql);
  const serverVersion = String(versionRow?.['server_version'] ?? '');

  // Each table with the planner's row estimate (-1 where the engine keeps none: SQLite).
  const existing = new Map<string, number>();
  for (const row of await query(dialect.listTablesSql)) existing.set(String(row['name']), Number(row['estimate']));

  const expected = tablesOf(db).map((m) => m.tableName);
  const present = expected.filter((name) => existing.has(name));
  const missingTables = expected.filter((name) => !existing.has(name));

  // Exact counts in one round trip; very large PostgreSQL tables use the planner's estimate.
  const exact = present.filter((name) => (existing.get(name) ?? -1) < EXACT_COUNT_LIMIT);
  const counts = new Map<string, number>();
  if (exact.length > 0) {
    const [row] = await query(dialect.countRowsSql(exact));
    for (const name of exact) counts.set(name, Number(row?.[name] ?? 0));
  }
  const tables = present.map((name) => {
    const count = counts.get(name);
    return count === undefined
      ? { name, rows: Math.round(existing.get(name) ?? 0), estimated: true }
      : { name, rows: count, estimated: false };
  });

  const executed = existing.has(MIGRATIONS_TABLE) ? await executedMigrations(query) : [];
  const pending = pendingMigrations(db.dataSource, executed).map((m) => m.name);

  return { latencyMs, serverVersion, tables, missingTables, pendingMigrations: pending };
}

async function probe(db: Database, started: number): Promise<Probe> {
  if (!db.dataSource.isInitialized) throw new Error('the database is closed');
  if (db.engine === 'sqlite') {
    // Through the queue, like every other unit of work on the shared SQLite connection.
    return db.run((manager) => probeWith(db, (sql) => manager.query(sql), started));
  }
  // One pooled connection of the primary for every query of the probe.
  const runner = db.dataSource.createQueryRunner('master');
  try {
    return await probeWith(db, (sql) => runner.query(sql) as Promise<Array<Record<string, unknown>>>, started);
  } finally {
    await runner.release().catch(() => undefined);
  }
}

function poolStats(db: Database): PoolStats | undefined {
  if (db.engine !== 'postgres') return undefined;
  const pool = (db.dataSource.driver as PostgresDriver).master as Pool | undefined;
  if (!pool) return undefined;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

function describeTarget(db: Database): string {
  const target = db.options.target;
  return target.engine === 'sqlite' ? `SQLite database ${target.path}` : `PostgreSQL database ${maskUrl(target.url)}`;
}

/**
 * Checks the database: reachable, its version, a round-trip latency, every
 * table and its row count, pending migrations, and (PostgreSQL) the pool.
 * Never throws, and answers within `timeoutMs` even when the server is gone:
 * the checks race a timer, so a connection attempt still waiting on the
 * pool's connect timeout does not hold the answer back.
 *
 * Row counts are exact `COUNT(*)`s on SQLite; on PostgreSQL too, except for
 * tables of {@link EXACT_COUNT_LIMIT} rows or more, which report the
 * planner's estimate (`estimated: true`). Read replicas are reported each
 * with its replay lag; one that does not answer makes the report `degraded`.
 *
 * @param db - the database to check.
 * @param options - `timeoutMs` (default 2000).
 * @returns the report; `status` says whether to page someone.
 * @example
 * ```ts
 * const report = await checkHealth(db, { timeoutMs: 1000 }); // or db.health()
 * if (report.status !== 'healthy') console.error(report.error ?? report.missingTables);
 * ```
 */
export async function checkHealth(db: Database, options: HealthOptions = {}): Promise<HealthReport> {
  const checkedAt = new Date().toISOString();
  const started = performance.now();
  const timeoutMs =
    typeof options.timeoutMs === 'number' && Number.isFinite(options.timeoutMs) && options.timeoutMs > 0
      ? options.timeoutMs
      : DEFAULT_HEALTH_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ kind: 'timeout' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  // A check still running after the timeout finishes in the background; its
  // outcome is dropped, never an unhandled rejection.
  const replicasChecked = replicaHealth(db, timeoutMs).catch(() => undefined);
  const checked = (async () => probe(db, started))().then(
    (result) => ({ kind: 'ok' as const, result }),
    (error: unknown) => ({ kind: 'error' as const, error }),
  );
  let outcome: { kind: 'timeout' } | Awaited<typeof checked>;
  try {
    outcome = await Promise.race([checked, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  const pool = safePoolStats(db);
  const replicas = await replicasChecked;
  const report = (fields: Omit<HealthReport, 'engine' | 'checkedAt' | 'pool' | 'replicas'>): HealthReport => ({
    status: fields.status,
    engine: db.engine,
    serverVersion: fields.serverVersion,
    latencyMs: fields.latencyMs,
    tables: fields.tables,
    missingTables: fields.missingTables,
    pendingMigrations: fields.pendingMigrations,
    ...(pool ? { pool } : {}),
    ...(replicas ? { replicas } : {}),
    ...(fields.error === undefined ? {} : { error: fields.error }),
    checkedAt,
  });
  if (outcome.kind === 'ok') {
    const { result } = outcome;
    const degraded =
      result.missingTables.length > 0 ||
      result.pendingMigrations.length > 0 ||
      (replicas ?? []).some((r) => r.status !== 'healthy');
    return report({ status: degraded ? 'degraded' : 'healthy', ...result });
  }
  const reason =
    outcome.kind === 'timeout'
      ? `no answer within ${timeoutMs} ms`
      : errorText(outcome.error).replace(/^The \w+ database is unavailable: /, '') || 'unknown error';
  return report({
    status: 'unhealthy',
    serverVersion: null,
    latencyMs: Math.round(performance.now() - started),
    tables: [],
    missingTables: [],
    pendingMigrations: [],
    error: `The ${describeTarget(db)} is unavailable: ${reason}`,
  });
}

async function replicaHealth(db: Database, timeoutMs: number): Promise<ReplicaHealth[] | undefined> {
  const urls = db.options.replicas;
  if (db.engine !== 'postgres' || urls.length === 0) return undefined;
  const pools = ((db.dataSource.driver as PostgresDriver).slaves ?? []) as Pool[];
  return Promise.all(
    urls.map(async (url, i): Promise<ReplicaHealth> => {
      const masked = maskUrl(url);
      const pool = pools[i];
      if (!pool) return { url: masked, status: 'unhealthy', replayLagMs: null, error: 'no connection pool' };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const result = await Promise.race([
          pool.query<{ recovery: boolean; lag: string | number | null }>(
            `SELECT pg_is_in_recovery() AS "recovery",
                    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                         ELSE EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000 END AS "lag"`,
          ),
          timeout,
        ]);
        const row = result.rows[0];
        const lag = row?.lag === null || row?.lag === undefined ? null : Math.max(0, Math.round(Number(row.lag)));
        return row?.recovery
          ? { url: masked, status: 'healthy', replayLagMs: lag }
          : { url: masked, status: 'unhealthy', replayLagMs: null, error: 'not in recovery: this server is not a replica' };
      } catch (error) {
        return { url: masked, status: 'unhealthy', replayLagMs: null, error: errorText(error) || 'unknown error' };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

function safePoolStats(db: Database): PoolStats | undefined {
  try {
    return poolStats(db);
  } catch {
    return undefined;
  }
}
