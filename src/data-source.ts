/**
 * The TypeORM DataSource factory.
 *
 * @module
 */
import { DataSource, type DataSourceOptions } from 'typeorm';
import { resolveDatabaseOptions, withMaskedSecrets, type DatabaseOptions, type ResolvedDatabaseOptions } from './config';
import { setPreparedStatements } from './dialect/postgres-statements';
import { ENTITIES } from './entities/all';
import { ConfigError } from './errors';
import { RedactingLogger } from './logger';
import { MIGRATIONS } from './migrations';
import { MIGRATIONS_TABLE } from './migrations/history';
import { SnakeNamingStrategy } from './naming-strategy';
import { adaptDriverTypes, adaptOnConstruction, adaptSqliteFileCreation, adaptSqliteQueries, usePerConnectionConnectTimeout } from './typeorm/index';

/** The npm package each engine needs. */
const DRIVER_PACKAGES = { sqlite: 'better-sqlite3', postgres: 'pg' } as const;

/** A SQLite connection as better-sqlite3 opened it, before TypeORM holds it. */
interface OpenedSqlite {
  readonly open: boolean;
  close(): void;
}

/** The SQLite connection each DataSource opened, so a failed initialize can close it (TypeORM drops it). */
const openedSqlite = new WeakMap<DataSource, { connection?: OpenedSqlite }>();

/** The resolved options of every DataSource built from {@link dataSourceOptions}. */
const libraryDataSources = new WeakMap<DataSource, ResolvedDatabaseOptions>();

/**
 * The adjustments `createDataSource` always made to its DataSource, applied
 * to any DataSource built from {@link dataSourceOptions}, while TypeORM
 * constructs it (see {@link adaptOnConstruction}).
 */
function adaptDataSource(dataSource: DataSource, resolved: ResolvedDatabaseOptions, opened: { connection?: OpenedSqlite; owner?: DataSource }): void {
  if (libraryDataSources.has(dataSource)) return;
  libraryDataSources.set(dataSource, resolved);
  adaptDriverTypes(dataSource);
  if (resolved.target.engine === 'postgres') {
    usePerConnectionConnectTimeout(dataSource, resolved.connectTimeoutMs);
    setPreparedStatements(dataSource, resolved.preparedStatements);
    return;
  }
  adaptSqliteQueries(dataSource);
  adaptSqliteFileCreation(dataSource);
  // One holder per dataSourceOptions() call: the first DataSource built from
  // those options owns it (createDataSource always builds fresh options).
  if (!opened.owner) {
    opened.owner = dataSource;
    openedSqlite.set(dataSource, opened);
  }
}

function typeormOptions(resolved: ResolvedDatabaseOptions): DataSourceOptions {
  const opened: { connection?: OpenedSqlite; owner?: DataSource } = {};
  const common = {
    entities: [...ENTITIES],
    migrations: [...MIGRATIONS],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each' as const,
    migrationsRun: resolved.migrate,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: resolved.logging,
    logger: new RedactingLogger(resolved.logging),
    maxQueryExecutionTime: resolved.slowQueryMs || undefined,
    cache: adaptOnConstruction((dataSource) => adaptDataSource(dataSource, resolved, opened)),
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
 * The TypeORM `DataSource` options behind {@link createDataSource}, for a
 * DataSource you construct yourself: spread them into `new DataSource(...)`,
 * NestJS's `TypeOrmModule.forRoot(...)` (or return them from `forRootAsync`'s
 * `useFactory`), or export a DataSource built from them for the TypeORM CLI.
 * Such a DataSource behaves exactly like one from `createDataSource`, on both
 * engines: the seven entities, the migrations (in the `migrations` table, each
 * in its own transaction), snake_case names, timestamps as
 * `timestamp with time zone` on PostgreSQL and with milliseconds on SQLite,
 * WAL, foreign keys and the busy timeout on SQLite, the pool and timeouts on
 * PostgreSQL, and a schema that matches the migrations (no drift for
 * `migration:generate`). `migrate: true` becomes `migrationsRun: true`:
 * `initialize()` runs the pending migrations. `synchronize` stays off.
 *
 * The engine adjustments reach the DataSource through the `cache` option
 * (TypeORM calls it with the DataSource as it constructs it, and the
 * library enables no query cache): keep it when you override other options.
 * TypeORM's query-result cache is not available with these options.
 *
 * `entities` lists all seven entities: their relations need each other, so
 * with NestJS's `autoLoadEntities` keep them (`forFeature([User, Message])`
 * alone fails with "Entity metadata for Message#conversation was not found").
 *
 * Bad options fail here, with a {@link ConfigError}; a missing driver package
 * fails in `new DataSource(...)` (TypeORM's DriverPackageNotInstalledError;
 * `createDataSource` turns it into a ConfigError).
 *
 * @example
 * ```ts
 * import { DataSource } from 'typeorm';
 * import { dataSourceOptions, databaseOptionsFromEnv } from '@migochat/db';
 *
 * // data-source.ts, for `typeorm migration:run -d data-source.js`
 * export default new DataSource(dataSourceOptions(databaseOptionsFromEnv()));
 * ```
 */
export function dataSourceOptions(options: DatabaseOptions | ResolvedDatabaseOptions): DataSourceOptions {
  const resolved = 'target' in options ? options : resolveDatabaseOptions(options);
  return withMaskedSecrets(typeormOptions(resolved));
}

/**
 * The resolved options of a DataSource built from {@link dataSourceOptions}
 * (by `createDataSource` or by hand), or `undefined` for any other DataSource.
 * @internal
 */
export function libraryOptionsOf(dataSource: DataSource): ResolvedDatabaseOptions | undefined {
  return libraryDataSources.get(dataSource);
}

/**
 * Creates an uninitialised TypeORM `DataSource` from
 * {@link dataSourceOptions}: this library's entities, migrations and
 * snake_case naming. `synchronize` is never on: the schema comes from
 * migrations; with `migrate: true`, `initialize()` runs the pending ones.
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
  try {
    return new DataSource(dataSourceOptions(resolved));
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

