/**
 * The TypeORM DataSource factory.
 *
 * @module
 */
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataSource, type DataSourceOptions, type ObjectLiteral } from 'typeorm';
import { adaptDriverTypes, SQLITE_NOW } from './column-types';
import { resolveDatabaseOptions, withMaskedSecrets, type DatabaseOptions, type ResolvedDatabaseOptions } from './config';
import { ENTITIES } from './entities/all';
import { ConfigError } from './errors';
import { RedactingLogger } from './logger';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './naming-strategy';

/** The npm package each engine needs. */
const DRIVER_PACKAGES = { sqlite: 'better-sqlite3', postgres: 'pg' } as const;

/** A SQLite connection as better-sqlite3 opened it, before TypeORM holds it. */
interface OpenedSqlite {
  readonly open: boolean;
  close(): void;
}

/** The SQLite connection each DataSource opened, so a failed initialize can close it (TypeORM drops it). */
const openedSqlite = new WeakMap<DataSource, { connection?: OpenedSqlite }>();

function typeormOptions(resolved: ResolvedDatabaseOptions, opened: { connection?: OpenedSqlite }): DataSourceOptions {
  const common = {
    entities: [...ENTITIES],
    migrations: [...MIGRATIONS],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: resolved.logging,
    logger: new RedactingLogger(resolved.logging),
    maxQueryExecutionTime: resolved.slowQueryMs || undefined,
  };
  const target = resolved.target;
  if (target.engine === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: target.path,
      timeout: resolved.busyTimeoutMs,
      enableWAL: target.path !== ':memory:',
      prepareDatabase: (connection: OpenedSqlite) => {
        opened.connection = connection;
      },
    };
  }
  const pool = {
    max: resolved.poolSize,
    idleTimeoutMillis: resolved.poolIdleTimeoutMs,
    // pg-pool applies connectionTimeoutMillis to the wait for a free pool slot
    // too; a busy pool is not an unreachable server, so the slot wait gets
    // its own, longer bound and only opening a connection uses the connect
    // timeout (see usePerConnectionConnectTimeout).
    connectionTimeoutMillis: poolAcquireTimeoutMs(resolved),
    // statement_timeout is enforced by the server; a server that stopped answering
    // (frozen, partitioned) enforces nothing, so the client gives up a little later.
    ...(resolved.statementTimeoutMs > 0
      ? { statement_timeout: resolved.statementTimeoutMs, query_timeout: resolved.statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS }
      : {}),
    application_name: 'migochat-db',
  };
  const ssl = resolved.ssl === false ? false : resolved.ssl;
  if (resolved.replicas.length > 0) {
    return {
      ...common,
      type: 'postgres',
      replication: {
        master: { url: target.url, ssl },
        slaves: resolved.replicas.map((url) => ({ url, ssl })),
      },
      extra: pool,
    };
  }
  return { ...common, type: 'postgres', url: target.url, ssl, extra: pool };
}

/**
 * Creates an uninitialised TypeORM `DataSource` with this library's entities,
 * migrations and snake_case naming. `synchronize` is never on: the schema
 * comes from migrations.
 *
 * SQLite files get WAL, `foreign_keys=ON` and a busy timeout, and a missing
 * parent folder is created. PostgreSQL gets the pool size, idle, connect and
 * statement timeouts and SSL from the options.
 *
 * @throws {@link ConfigError} for bad options, or when the engine's driver
 * package (`better-sqlite3` or `pg`) is not installed.
 * @example
 * ```ts
 * const ds = createDataSource({ url: 'sqlite:./data/crm.db' });
 * await ds.initialize();
 * const n = await ds.getRepository(User).count();
 * await ds.destroy();
 * ```
 */
export function createDataSource(options: DatabaseOptions | ResolvedDatabaseOptions): DataSource {
  const resolved = 'target' in options ? options : resolveDatabaseOptions(options);
  let dataSource: DataSource;
  const opened: { connection?: OpenedSqlite } = {};
  try {
    dataSource = new DataSource(withMaskedSecrets(typeormOptions(resolved, opened)));
  } catch (cause) {
    if (cause instanceof Error && cause.name === 'DriverPackageNotInstalledError') {
      const pkg = DRIVER_PACKAGES[resolved.target.engine];
      throw new ConfigError(
        'url',
        `the ${resolved.target.engine} driver is not installed; run \`npm install ${pkg}\``,
        { cause },
      );
    }
    throw cause;
  }
  openedSqlite.set(dataSource, opened);
  adaptDriverTypes(dataSource);
  if (resolved.target.engine === 'postgres') usePerConnectionConnectTimeout(dataSource, resolved.connectTimeoutMs);
  if (resolved.target.engine === 'sqlite') adaptSqliteQueries(dataSource);
  return dataSource;
}

/**
 * SQLite: the SQL TypeORM sends, adjusted.
 *
 * - Transactions begin with `BEGIN IMMEDIATE`. A deferred transaction that
 *   reads and then writes fails at once with SQLITE_BUSY when another process
 *   wrote in between; an immediate one takes the write lock up front and
 *   waits out the busy timeout instead. Within one process our queue already
 *   runs one transaction at a time, so this costs nothing there.
 * - An UPDATE sets `updated_at` to the current time with milliseconds, like
 *   every other timestamp we write. TypeORM writes `CURRENT_TIMESTAMP`, which
 *   SQLite gives in whole seconds, so an update could move `updated_at`
 *   before `created_at`.
 *
 * @internal
 */
export function rewriteSqliteQuery(sql: string): string {
  if (sql === 'BEGIN TRANSACTION') return 'BEGIN IMMEDIATE';
  if (/^\s*UPDATE\b/i.test(sql)) return sql.replace(/("[^"]+" = )CURRENT_TIMESTAMP\b/g, `$1${SQLITE_NOW}`);
  return sql;
}

function adaptSqliteQueries(dataSource: DataSource): void {
  const driver = dataSource.driver;
  bindNumbersAsParameters(driver);
  const file = (dataSource.options as { database?: unknown }).database;
  (driver as unknown as { createDatabaseDirectory: (dir: string) => Promise<void> }).createDatabaseDirectory = async (dir) => {
    await createMissingDirectories(dir);
    if (typeof file === 'string') createOwnerOnly(file);
  };
  const create = driver.createQueryRunner.bind(driver);
  const patched = new WeakSet<object>();
  driver.createQueryRunner = (mode) => {
    const runner = create(mode);
    if (!patched.has(runner)) {
      patched.add(runner);
      const query = runner.query.bind(runner);
      runner.query = ((sql: string, parameters?: unknown[], ...rest: unknown[]) =>
        (query as (q: string, ...r: unknown[]) => Promise<unknown>)(rewriteSqliteQuery(sql), Array.isArray(parameters) ? sqliteParameters(parameters) : parameters, ...rest)) as typeof runner.query;
    }
    return runner;
  };
}

/**
 * SQLite: a new database file is created readable by its owner only (0600);
 * SQLite gives its -wal, -shm and -journal files the same mode. An existing
 * file keeps the mode it has.
 */
function createOwnerOnly(file: string): void {
  try {
    closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    // EEXIST: the file is there already; anything else is SQLite's to report when it opens the file.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return;
  }
}

/**
 * SQLite: creates the database file's missing folders one level at a time.
 * TypeORM uses a recursive `mkdir`, which on Node 20 never settles for a path
 * under a folder that cannot hold folders (such as `/proc`); one level at a
 * time fails at once with an error naming the folder.
 */
async function createMissingDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const folder of missing) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      throw new ConfigError('url', `cannot create the folder ${folder} for the SQLite file (${error.code ?? error.message}); use a path in a writable folder`, {
        cause: error,
      });
    });
  }
}

/**
 * SQLite: numbers in query-builder SQL become bound parameters. TypeORM's
 * SQLite driver writes them into the SQL text, so `WHERE "id" = 7` and
 * `WHERE "id" = 8` are two statements: each call prepares a new one and
 * churns the runner's statement cache, which costs more than the query. Bound,
 * one prepared statement serves every id.
 */
function bindNumbersAsParameters(driver: DataSource['driver']): void {
  const escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql: string, parameters: ObjectLiteral): [string, unknown[]] => {
    let boxed: ObjectLiteral | null = null;
    for (const [key, value] of Object.entries(parameters)) {
      if (typeof value === 'number') (boxed ??= { ...parameters })[key] = new BoundNumber(value);
    }
    if (boxed === null) return escape(sql, parameters);
    // A box is neither a number nor a function, so TypeORM binds it; unbox for the driver.
    const [text, values] = escape(sql, boxed);
    return [text, values.map((v: unknown) => (v instanceof BoundNumber ? v.value : v))];
  };
}

class BoundNumber {
  constructor(readonly value: number) {}
}

/**
 * Parameters as SQLite should get them. better-sqlite3 binds every JS number
 * as a REAL; a whole number goes in as a BigInt instead, which it binds as an
 * INTEGER, so a bound `5` means what the literal `5` means: `"lead_score" / 2`
 * stays integer division, and a TEXT column compared with it matches `'5'`,
 * not `'5.0'`. Booleans become 1/0, as TypeORM binds them.
 * @internal
 */
export function sqliteParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : typeof p === 'number' && Number.isSafeInteger(p) ? BigInt(p) : p));
}

/** How much longer than `statementTimeoutMs` the client waits for a server's answer before giving up on it. */
export const QUERY_TIMEOUT_GRACE_MS = 2000;

/**
 * Closes what a failed `initialize()` left open: TypeORM drops the SQLite
 * connection it opened when a later step fails (a corrupt or read-only file),
 * and keeps a PostgreSQL pool it created. Never throws.
 * @internal
 */
export async function releaseFailedInitialize(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) {
    await dataSource.destroy().catch(() => undefined);
    return;
  }
  const opened = openedSqlite.get(dataSource);
  if (opened?.connection?.open) {
    try {
      opened.connection.close();
    } catch {
      // already unusable
    }
  }
  if (opened) opened.connection = undefined;
  if (dataSource.driver.options.type === 'postgres') await dataSource.driver.disconnect().catch(() => undefined);
}

/** How long a caller waits for a free PostgreSQL pool connection before failing. */
export function poolAcquireTimeoutMs(resolved: Pick<ResolvedDatabaseOptions, 'connectTimeoutMs'>): number {
  return resolved.connectTimeoutMs === 0 ? 0 : Math.max(resolved.connectTimeoutMs, 60_000);
}

type PgClientClass = new (config?: Record<string, unknown>) => object;

/**
 * Gives each new PostgreSQL connection `connectTimeoutMs` to open, through a
 * pg `Client` subclass handed to the pool, while the pool itself waits up to
 * {@link poolAcquireTimeoutMs} for a free slot under load.
 */
function usePerConnectionConnectTimeout(dataSource: DataSource, connectTimeoutMs: number): void {
  const pgModule = (dataSource.driver as unknown as { postgres?: { Client?: PgClientClass } }).postgres;
  const Base = pgModule?.Client;
  if (!Base) return;
  const BaseClient: PgClientClass = Base;
  class TimedClient extends BaseClient {
    constructor(config: Record<string, unknown> = {}) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }

    // After pg's client-side query timeout the query is still pending on the
    // socket: the connection would hold every later query behind it. End it,
    // so the pool drops it and the next call opens a fresh one.
    query(...args: unknown[]): unknown {
      const result = (BaseClient.prototype as unknown as { query: (...a: unknown[]) => unknown }).query.apply(this, args);
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          if (error instanceof Error && error.message === 'Query read timeout') {
            (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
          }
        });
      }
      return result;
    }
  }
  const setClient = (extra: unknown) => {
    if (extra && typeof extra === 'object') (extra as Record<string, unknown>)['Client'] = TimedClient;
  };
  setClient((dataSource.options as { extra?: unknown }).extra);
}

