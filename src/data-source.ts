/**
 * The TypeORM DataSource factory.
 *
 * @module
 */
import { DataSource, type DataSourceOptions } from 'typeorm';
import { resolveDatabaseOptions, withMaskedSecrets, type DatabaseOptions, type ResolvedDatabaseOptions } from './config';
import { ENTITIES } from './entities/all';
import { ConfigError } from './errors';
import { RedactingLogger } from './logger';
import { MIGRATIONS } from './migrations';
import { MIGRATIONS_TABLE } from './migrations/history';
import { SnakeNamingStrategy } from './naming-strategy';
import { adaptDriverTypes, adaptSqliteFileCreation, adaptSqliteQueries, usePerConnectionConnectTimeout } from './typeorm/index';

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
    migrationsTableName: MIGRATIONS_TABLE,
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
  if (resolved.target.engine === 'sqlite') {
    adaptSqliteQueries(dataSource);
    adaptSqliteFileCreation(dataSource);
  }
  return dataSource;
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

