/**
 * `openDatabase()` and the {@link Database} handle that services hold.
 *
 * @module
 */
import { runPlan, type Plan } from './repositories/sql/plan';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import type { DataSource, EntityManager } from 'typeorm';
import type { Engine } from './column-types';
import { maskUrl, resolveDatabaseOptions, type DatabaseOptions, type ResolvedDatabaseOptions } from './config';
import { createDataSource, releaseFailedInitialize } from './data-source';
import { dialectFor } from './dialect/index';
import { isConflict, toDatabaseError } from './driver-errors';
import { DatabaseClosedError, DatabaseReadOnlyError, isMigochatDbError, TransactionConflictError } from './errors';
import { executedMigrations, MIGRATIONS_TABLE, pendingMigrations, type PendingMigration } from './migrations/history';
import { checkHealth, type HealthOptions, type HealthReport } from './operations/health';
import { REPOSITORY_NAMES, type Repositories } from './repositories/registry';
import type { DatabaseScope, TransactionOptions } from './scope';
import { Scope } from './scope-impl';
import { SqliteSession } from './sqlite-session';
import { WorkTracker } from './work-tracker';
import type BetterSqlite3 from 'better-sqlite3';
import type { Client, ClientConfig } from 'pg';
import { DatabaseEvents, type EventFeed } from './events/database-events';
import { EventWriter } from './events/event-writer';
import { PostgresFeed } from './events/postgres-feed';
import { SqliteFeed } from './events/sqlite-feed';
import type { DomainEvent } from './events/types';

export type { PendingMigration } from './migrations/history';

const DEFAULT_RETRIES = 5;
/** How often the SQLite events feed checks `PRAGMA data_version`. */
const EVENTS_POLL_MS = 50;

/** `db.users`, `db.messages`, ...: the {@link Repositories}, as getters defined from the registry. */
export interface Database extends Repositories {}

/**
 * An open database: one repository per entity, transactions, migrations and
 * the TypeORM DataSource underneath. Get one from {@link openDatabase}.
 *
 * On SQLite every unit of work (a repository call or a whole transaction)
 * runs in turn through one queue, because TypeORM shares a single SQLite
 * connection between all callers.
 */
export class Database implements DatabaseScope {
  /** The underlying TypeORM DataSource, for raw TypeORM work. */
  readonly dataSource: DataSource;
  /** The options the database was opened with, defaults filled in. */
  readonly options: ResolvedDatabaseOptions;
  /** @internal */
  protected readonly queue: SqliteSession | null;
  /** @internal */
  protected closed = false;
  /** @internal */
  protected readonly work = new WorkTracker();
  /** @internal */
  protected readonly scope: Scope;
  /** @internal */
  protected readonly primaryScope: Scope;
  /**
   * Live events of committed changes: `db.events.subscribe(filter, handler)`
   * or `for await (const e of db.events.stream(filter))`. See
   * {@link DatabaseEvents} and the live inbox guide; other processes' changes
   * arrive when they open their database with `events: true`.
   */
  readonly events: DatabaseEvents;
  /** @internal */
  protected readonly eventWriter: EventWriter;

  /** @internal Use {@link openDatabase}. */
  constructor(dataSource: DataSource, options: ResolvedDatabaseOptions) {
    this.dataSource = dataSource;
    this.options = options;
    this.queue = options.target.engine === 'sqlite' ? new SqliteSession(dataSource, options.target.path) : null;
    const isClosed = () => this.closed;
    this.eventWriter = new EventWriter(dialectFor(options.target.engine), options.eventRetentionMs);
    this.events = new DatabaseEvents(eventsSetup(dataSource, options));
    const eventsWanted = () => this.events.wanted;
    // On SQLite the queue knows what is in flight.
    const work = this.queue ? undefined : this.work;
    this.scope = new Scope({
      engine: options.target.engine,
      manager: dataSource.manager,
      inTransaction: false,
      queue: this.queue,
      isClosed,
      work,
      openTransaction: (fn, opts) => this.transaction(fn, opts),
      eventsWanted,
      // SQLite runs plans synchronously in the session's own transaction; elsewhere the scope uses `transaction`.
      ...(this.queue ? { openAtomic: <T>(plan: (manager: EntityManager, events: DomainEvent[] | null) => Plan<T>) => this.atomicOnSqlite(plan) } : {}),
    });
    this.primaryScope =
      options.replicas.length === 0
        ? this.scope
        : new Scope({
            engine: options.target.engine,
            manager: dataSource.manager,
            inTransaction: false,
            queue: null,
            isClosed,
            work,
            openTransaction: (fn, opts) => this.transaction(fn, opts),
            eventsWanted,
            lease: () => {
              const runner = dataSource.createQueryRunner('master');
              return { manager: runner.manager, release: () => runner.release() };
            },
          });
  }

  /**
   * The repositories with every read served by the primary. With read
   * replicas configured, plain reads on `db` go to a replica and may lag
   * behind a write just made; read through `db.primary` when you must see
   * your own write. Without replicas (and on SQLite) it is the same as `db`.
   * Transactions always run on the primary.
   *
   * @example
   * ```ts
   * await db.users.update(id, { firstName: 'Mona' });
   * const fresh = await db.primary.users.getById(id); // never stale
   * ```
   */
  get primary(): DatabaseScope {
    return this.primaryScope;
  }

  /**
   * What `console.log(db)` and `util.inspect(db)` print: the engine and the
   * URLs with their passwords masked, instead of the DataSource's options.
   * @internal
   */
  [inspect.custom](): string {
    const replicas = this.options.replicas.map((r) => `'${maskUrl(r)}'`).join(', ');
    return `Database { engine: '${this.engine}', url: '${maskUrl(this.options.url)}'${replicas ? `, replicas: [${replicas}]` : ''} }`;
  }

  /** `'sqlite'` or `'postgres'`. */
  get engine(): Engine {
    return this.options.target.engine;
  }

  /** The DataSource's manager (outside any transaction). */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  // db.users, db.messages, ...: one getter per repository of the registry, served by the database's scope.
  static {
    for (const name of REPOSITORY_NAMES) {
      Object.defineProperty(Database.prototype, name, {
        configurable: true,
        get(this: Database) {
          return this.scope[name];
        },
      });
    }
  }

  /**
   * Runs `fn` in one transaction. `fn` receives `tx`, whose repositories all
   * share that transaction; a throw rolls everything back and is rethrown.
   * Serialization failures and deadlocks (PostgreSQL 40001, 40P01) and a busy
   * SQLite file are retried with jittered backoff, then surface as
   * {@link TransactionConflictError}. So `fn` may run more than once: keep
   * side effects outside the database out of it.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   const user = await tx.users.findOrCreateByPsid('psid-1');
   *   await tx.users.changeLeadStage(user.id, LeadStage.HOT, { performedBy: 'agent-7' });
   * });
   * ```
   */
  async transaction<T>(fn: (tx: DatabaseScope) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.closed) throw new DatabaseClosedError('The database is closed; open a new one with openDatabase()');
    return this.queue ? this.transactionWithRetries(fn, options) : this.work.track(() => this.transactionWithRetries(fn, options));
  }

  /**
   * A plan of fixed SQL in one transaction on SQLite, for the repositories
   * (see `RepositoryContext.atomic`): synchronously, in the session's own transaction.
   */
  private atomicOnSqlite<T>(plan: (manager: EntityManager, events: DomainEvent[] | null) => Plan<T>): Promise<T> {
    const queue = this.queue!;
    const now = dialectFor(this.engine).queryRowsNow!;
    const manager = this.dataSource.manager;
    const run = (s: { sql: string; parameters: readonly unknown[] }) => now(manager, s.sql, s.parameters);
    return this.withRetries(() => {
      const events: DomainEvent[] | null = this.events.wanted ? [] : null;
      const writes = this.events.writes;
      const unit = queue.transaction(() => {
        const value = runPlan(plan(manager, events), run);
        // The events row joins the plan's transaction: still synchronous, committed with it.
        if (writes && events !== null && events.length > 0) for (const s of this.eventWriter.statements(events)) run(s);
        return value;
      });
      // Nobody wants events: the unit as it was, without a step after it.
      return events === null ? unit : unit.then((value) => (this.events.committed(events, writes), value));
    }, DEFAULT_RETRIES);
  }

  private transactionWithRetries<T>(fn: (tx: DatabaseScope) => Promise<T>, options: TransactionOptions): Promise<T> {
    const isolation = dialectFor(this.engine).transactionIsolation(options.isolation);
    const dialect = dialectFor(this.engine);
    const attempt = (): Promise<T> => {
      // Per attempt: a retried transaction starts again with no events.
      const events: DomainEvent[] | null = this.events.wanted ? [] : null;
      const writes = this.events.writes;
      const scopeOf = (manager: EntityManager) =>
        new Scope({
          engine: this.engine,
          manager,
          inTransaction: true,
          queue: null,
          openTransaction: (inner) => inner(this.scope),
          pendingEvents: events,
        });
      const body =
        events === null || !writes
          ? (manager: EntityManager): Promise<T> => fn(scopeOf(manager))
          : async (manager: EntityManager): Promise<T> => {
              const result = await fn(scopeOf(manager));
              // Last in the transaction: pg_notify is delivered, and the events row visible, only if it commits.
              if (events.length > 0) for (const s of this.eventWriter.statements(events)) await dialect.queryRows(manager, s.sql, s.parameters);
              return result;
            };
      const unit = isolation ? this.dataSource.transaction(isolation, body) : this.dataSource.transaction(body);
      return events === null ? unit : unit.then((value) => (this.events.committed(events, writes), value));
    };
    const queue = this.queue;
    return this.withRetries(queue ? () => queue.run(attempt) : attempt, options.retries ?? DEFAULT_RETRIES);
  }

  /** Runs `attempt` again on write conflicts (40001, 40P01, SQLITE_BUSY), with backoff; failures typed. */
  private async withRetries<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
    for (let attemptNo = 1; ; attemptNo++) {
      try {
        return await attempt();
      } catch (error) {
        const conflict = isConflict(error) || (isMigochatDbError(error) && error.code === 'TRANSACTION_CONFLICT');
        if (!conflict) throw toDatabaseError(error, this.engine);
        if (attemptNo > retries) {
          throw new TransactionConflictError(
            `Transaction gave up after ${attemptNo} attempts on write conflicts`,
            attemptNo,
            { cause: error },
          );
        }
        const backoff = Math.min(1000, 10 * 2 ** attemptNo) * (0.5 + Math.random());
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }

  /**
   * Runs every pending migration, each in its own transaction, and returns
   * the names of those that ran.
   *
   * @example
   * ```ts
   * const ran = await db.migrate(); // ['InitialSchema1763900000000'] on a new database
   * ```
   */
  async migrate(): Promise<string[]> {
    try {
      const ran = await this.dataSource.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } catch (error) {
      throw toDatabaseError(error, this.engine);
    }
  }

  /**
   * The migrations that have not run yet, oldest first.
   *
   * @example
   * ```ts
   * if ((await db.pendingMigrations()).length > 0) console.warn('run migochat-db migrate');
   * ```
   */
  async pendingMigrations(): Promise<PendingMigration[]> {
    try {
      const runner = this.dataSource.createQueryRunner();
      try {
        const executed = (await runner.hasTable(MIGRATIONS_TABLE)) ? await executedMigrations((sql) => runner.query(sql)) : [];
        return pendingMigrations(this.dataSource, executed);
      } finally {
        await runner.release();
      }
    } catch (error) {
      throw toDatabaseError(error, this.engine);
    }
  }

  /**
   * Runs `fn` with the database's manager as one unit of work: on SQLite it
   * waits its turn in the database's queue (so it never interleaves with a
   * transaction on the shared connection); driver errors come out as typed
   * errors. For raw queries that no repository offers; not a transaction.
   *
   * @throws {@link DatabaseUnavailableError} and the other typed errors of the driver.
   * @example
   * ```ts
   * const rows = await db.run((manager) => manager.query('SELECT COUNT(*) AS n FROM "users"'));
   * ```
   */
  run<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.scope.runCallback(fn);
  }

  /**
   * Checks the database and never throws: reachable, version, latency, row
   * counts, missing tables, pending migrations and (PostgreSQL) pool usage.
   * Answers within `timeoutMs` (default 2000) even when the server is gone.
   * See {@link checkHealth}.
   *
   * @example
   * ```ts
   * const report = await db.health({ timeoutMs: 1000 });
   * if (report.status === 'unhealthy') console.error(report.error);
   * ```
   */
  health(options?: HealthOptions): Promise<HealthReport> {
    return checkHealth(this, options);
  }

  /**
   * Closes every connection. Safe to call twice. Work already queued or
   * running (on SQLite, every call made before `close()`) runs to the end
   * first, so no write is left half done; calls made after `close()` fail
   * with {@link DatabaseClosedError}.
   *
   * @example
   * ```ts
   * const db = await openDatabase({ ...databaseOptionsFromEnv(), migrate: true });
   * try {
   *   await handleRequests(db);
   * } finally {
   *   await db.close();
   * }
   * ```
   */
  async close(): Promise<void> {
    if (this.queue) await this.queue.drain();
    else await this.work.quiet();
    this.closed = true;
    await this.events.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** How `db.events` reaches other processes on this database. */
function eventsSetup(dataSource: DataSource, options: ResolvedDatabaseOptions) {
  const report = (message: string, error: unknown) => {
    const detail = error instanceof Error ? error.message : String(error);
    dataSource.logger.log('warn', `${message}: ${maskUrl(detail)}`);
  };
  const target = options.target;
  if (target.engine === 'sqlite') {
    const inMemory = target.path === ':memory:' || target.path === '';
    const open = (): BetterSqlite3.Database => {
      // The driver TypeORM loaded: a connection of the feed's own, on the same file.
      const main = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
      const Connection = main.constructor as new (path: string, options: BetterSqlite3.Options) => BetterSqlite3.Database;
      return new Connection(target.path, { fileMustExist: true, timeout: 100 });
    };
    const feed = inMemory ? null : (): EventFeed => new SqliteFeed(open, EVENTS_POLL_MS, report);
    return { writes: options.events && !inMemory, feed, report };
  }
  const config: ClientConfig = {
    connectionString: options.eventsUrl ?? target.url,
    ssl: options.ssl === false ? false : options.ssl,
    application_name: 'migochat-db-events',
    keepAlive: true,
    ...(options.connectTimeoutMs > 0 ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
  };
  // The pg module TypeORM loaded (no import of our own: the entities entry must not load drivers).
  const makeClient = (c: ClientConfig): Client => new (dataSource.driver as unknown as { postgres: { Client: new (c: ClientConfig) => Client } }).postgres.Client(c);
  return { writes: options.events, feed: (): EventFeed => new PostgresFeed(makeClient, config, report), report };
}

/**
 * Opens a database: connects (retrying the first connection with backoff for
 * `connectTimeoutMs`), runs pending migrations when `migrate` is true, and
 * returns a {@link Database}.
 *
 * @throws {@link ConfigError} for bad options or a missing driver package.
 * @throws {@link DatabaseUnavailableError} when the server cannot be reached in time.
 * @example
 * ```ts
 * const db = await openDatabase({ url: 'sqlite::memory:', migrate: true });
 * // or: await openDatabase({ ...databaseOptionsFromEnv(), migrate: true })
 * await db.close();
 * ```
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const resolved = resolveDatabaseOptions(options);
  // Migrations run below, after the connect retries, as db.migrate() (not inside initialize()).
  const dataSource = createDataSource({ ...resolved, migrate: false });
  await initializeWithRetry(dataSource, resolved);
  const db = new Database(dataSource, resolved);
  if (resolved.migrate) {
    try {
      await db.migrate();
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  }
  return db;
}

/**
 * SQLite answers "unable to open database file" for a file it may read but
 * not write in WAL mode (its folder must take the -wal and -shm files): say
 * read-only when that is why.
 */
function readOnlyLocation(error: Error, options: ResolvedDatabaseOptions): Error | null {
  const target = options.target;
  if (target.engine !== 'sqlite' || target.path === ':memory:' || !isMigochatDbError(error) || error.code !== 'DATABASE_UNAVAILABLE') return null;
  const path = resolvePath(target.path);
  for (const [what, where] of [['file', path], ['folder', dirname(path)]] as const) {
    if (!existsSync(where)) continue;
    try {
      accessSync(where, constants.W_OK);
    } catch (cause) {
      return new DatabaseReadOnlyError(
        `The SQLite ${what} ${where} is read-only; the database needs write access to the file and its folder (for the -wal and -shm files)`,
        { cause },
      );
    }
  }
  return null;
}

async function initializeWithRetry(dataSource: DataSource, options: ResolvedDatabaseOptions): Promise<void> {
  const deadline = Date.now() + options.connectTimeoutMs;
  let delay = 100;
  for (;;) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      const translated = toDatabaseError(error, options.target.engine);
      await releaseFailedInitialize(dataSource);
      const readOnly = readOnlyLocation(translated, options);
      if (readOnly) throw readOnly;
      const retryable = translated.name === 'DatabaseUnavailableError';
      if (!retryable || Date.now() + delay > deadline) throw translated;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000) * (0.75 + Math.random() * 0.5);
    }
  }
}
