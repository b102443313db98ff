// One migrated test database per suite. A suite calls useTestDatabase in its
// describe body instead of writing its own open, close and clean-up hooks.
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Database } from '../../src/database';
import { openTestDb, type EngineName, type OpenTestDbOptions } from './engines';

/** Every table of the schema, each after the tables it references. */
export const TABLES = ['users', 'posts', 'ad_campaigns', 'app_settings', 'conversations', 'messages', 'lead_activities', 'pending_receipts', 'data_erasures'] as const;

/** Deletes every row of every table, children first (ids keep counting up). */
export async function emptyTables(db: Database): Promise<void> {
  for (const table of [...TABLES].reverse()) await db.manager.query(`DELETE FROM "${table}"`);
}

/** Options of {@link useTestDatabase}. */
export interface UseTestDatabaseOptions extends OpenTestDbOptions {
  /**
   * Empty every table after each test, so that each test starts from empty
   * tables (default `false`: rows written by one test stay for the next, as
   * do rows a `beforeAll` of the suite writes).
   */
  emptyTablesAfterEach?: boolean;
}

/** What {@link useTestDatabase} hands a suite. */
export interface TestDatabase {
  /** The suite's database; there is one only inside the suite's hooks and tests. */
  readonly db: Database;
}

/**
 * Gives the calling suite one migrated database on `engine`: opened before
 * its first test (`beforeAll`), closed after its last (`afterAll`), and with
 * `emptyTablesAfterEach` emptied after each test. Hooks the suite registers
 * after this call run after the database is open, and their `afterAll` before
 * it is closed, so a suite may seed it in its own `beforeAll`.
 *
 * @example
 * ```ts
 * describe.each(engines())('UserRepository on %s', (engine) => {
 *   const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
 *
 *   it('finds a user by psid', async () => {
 *     const user = await makeUser(suite.db);
 *     expect((await suite.db.users.findByPsid(user.psid!))?.id).toBe(user.id);
 *   });
 * });
 * ```
 */
export function useTestDatabase(engine: EngineName, options: UseTestDatabaseOptions = {}): TestDatabase {
  const { emptyTablesAfterEach = false, ...open } = options;
  let db: Database | undefined;
  beforeAll(async () => {
    db = await openTestDb(engine, open);
  });
  afterAll(async () => {
    await db?.close();
    db = undefined;
  });
  if (emptyTablesAfterEach) {
    afterEach(async () => {
      if (db) await emptyTables(db);
    });
  }
  return {
    get db(): Database {
      if (!db) throw new Error('useTestDatabase: the database is open only inside the hooks and tests of the suite that asked for it');
      return db;
    },
  };
}

/** What {@link useFreshTestDatabases} hands a suite. */
export interface FreshTestDatabases {
  /** A new migrated database on the suite's engine, closed (and on PostgreSQL dropped) after the test that opened it. */
  open(): Promise<Database>;
}

/**
 * For tests that each need new databases of their own (an import target, a
 * database to damage): `open()` gives one, and every database a test opened
 * is closed after that test (`afterEach`).
 *
 * @example
 * ```ts
 * const targets = useFreshTestDatabases(engine);
 *
 * it('imports into an empty database', async () => {
 *   const target = await targets.open();
 *   await importDatabase(target, file);
 * });
 * ```
 */
export function useFreshTestDatabases(engine: EngineName, options: OpenTestDbOptions = {}): FreshTestDatabases {
  const opened: Database[] = [];
  afterEach(async () => {
    const closing = opened.splice(0);
    await Promise.all(closing.map((db) => db.close()));
  });
  return {
    async open(): Promise<Database> {
      const db = await openTestDb(engine, options);
      opened.push(db);
      return db;
    },
  };
}

/** Initialises a plain TypeORM DataSource, runs `fn` on it, and destroys it whatever `fn` did. */
export async function withInitialized<T>(ds: DataSource, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}
