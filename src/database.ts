/**
 * `openDatabase()` and the {@link Database} handle that services hold.
 *
 * @module
 */
import type { DataSource } from 'typeorm';
import { resolveDatabaseOptions, type DatabaseOptions, type ResolvedDatabaseOptions } from './config';
import { createDataSource } from './data-source';
import { toDatabaseError } from './driver-errors';

/** One migration that has not run yet. */
export interface PendingMigration {
  /** The migration's class name, e.g. `InitialSchema1763900000000`. */
  name: string;
}

/**
 * An open database: the TypeORM DataSource plus migrations, and (in later
 * releases) the repositories, transactions and health check.
 */
export class Database {
  /** The underlying TypeORM DataSource, for raw TypeORM work. */
  readonly dataSource: DataSource;
  /** The options the database was opened with, defaults filled in. */
  readonly options: ResolvedDatabaseOptions;

  /** @internal Use {@link openDatabase}. */
  constructor(dataSource: DataSource, options: ResolvedDatabaseOptions) {
    this.dataSource = dataSource;
    this.options = options;
  }

  /** `'sqlite'` or `'postgres'`. */
  get engine(): 'sqlite' | 'postgres' {
    return this.options.target.engine;
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
      const executed = new Set<string>();
      const runner = this.dataSource.createQueryRunner();
      try {
        const hasTable = await runner.hasTable('migrations');
        if (hasTable) {
          const rows = (await runner.query('SELECT "name" FROM "migrations"')) as Array<{ name: string }>;
          for (const row of rows) executed.add(row.name);
        }
      } finally {
        await runner.release();
      }
      return this.dataSource.migrations
        .map((m) => m.name ?? m.constructor.name)
        .filter((name) => !executed.has(name))
        .map((name) => ({ name }));
    } catch (error) {
      throw toDatabaseError(error, this.engine);
    }
  }

  /** Closes every connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
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
  const dataSource = createDataSource(resolved);
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

async function initializeWithRetry(dataSource: DataSource, options: ResolvedDatabaseOptions): Promise<void> {
  const deadline = Date.now() + options.connectTimeoutMs;
  let delay = 100;
  for (;;) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      const translated = toDatabaseError(error, options.target.engine);
      const retryable = translated.name === 'DatabaseUnavailableError';
      if (!retryable || Date.now() + delay > deadline) {
        if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
        throw translated;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000) * (0.75 + Math.random() * 0.5);
    }
  }
}
