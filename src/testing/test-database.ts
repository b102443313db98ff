import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors';
import { Database, openDatabase } from '../database';
import type { DatabaseOptions } from '../config';

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** Which engine (default `sqlite`). */
  engine?: 'sqlite' | 'postgres';
  /**
   * PostgreSQL: a server URL whose user may create databases (default
   * `TEST_DATABASE_URL`). SQLite: a file URL instead of an in-memory database.
   */
  url?: string;
  /** Further options passed to `openDatabase`. */
  options?: Omit<DatabaseOptions, 'url' | 'migrate'>;
}

/**
 * A migrated, isolated database for a test. SQLite: in memory (or the given
 * file). PostgreSQL: a fresh database on the server of `url`, dropped by
 * `close()`.
 *
 * @throws `ConfigError` when `engine: 'postgres'` has no URL.
 * @example
 * ```ts
 * const db = await createTestDatabase({ engine: 'postgres' }); // uses TEST_DATABASE_URL
 * afterAll(() => db.close());
 * ```
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<Database> {
  const engine = options.engine ?? 'sqlite';
  if (engine === 'sqlite') {
    return openDatabase({ ...options.options, url: options.url ?? 'sqlite::memory:', migrate: true });
  }
  const serverUrl = options.url ?? process.env['TEST_DATABASE_URL'];
  if (!serverUrl) {
    throw new ConfigError('TEST_DATABASE_URL', 'is not set; give createTestDatabase a PostgreSQL url or set TEST_DATABASE_URL');
  }
  const name = `migochat_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ url: serverUrl, poolSize: 1 });
  try {
    await admin.dataSource.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ ...options.options, url: url.toString(), migrate: true });
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    const cleanup = await openDatabase({ url: serverUrl, poolSize: 1 });
    try {
      await cleanup.dataSource.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await cleanup.close();
    }
  };
  return db;
}
