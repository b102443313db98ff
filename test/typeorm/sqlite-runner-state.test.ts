// SQLite: TypeORM's shared runner brought back in line with the connection
// after SQLite rolled a transaction back by itself (src/typeorm/sqlite-runner-state.ts).
import { describe, expect, it } from 'vitest';
import type BetterSqlite3 from 'better-sqlite3';
import { createDataSource } from '../../src/data-source';
import { resetStaleRunnerState } from '../../src/typeorm/index';

describe('resetStaleRunnerState', () => {
  it('resets a runner that believes in a transaction the connection no longer has, so the next transaction commits', async () => {
    const ds = createDataSource({ url: 'sqlite::memory:' });
    await ds.initialize();
    try {
      await ds.query('CREATE TABLE "t" ("v" integer)');
      const runner = ds.createQueryRunner();
      await runner.startTransaction();
      // What SQLite does when COMMIT fails on a full disk: the transaction is gone, the runner does not know.
      const connection = (ds.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
      connection.exec('ROLLBACK');
      expect(runner.isTransactionActive).toBe(true);

      expect(resetStaleRunnerState(ds, connection.inTransaction)).toBe(true);
      expect(runner.isTransactionActive).toBe(false);
      await ds.transaction(async (m) => {
        await m.query('INSERT INTO "t" ("v") VALUES (1)');
      });
      expect(connection.inTransaction).toBe(false);
      expect(await ds.query('SELECT "v" FROM "t"')).toEqual([{ v: 1 }]);
    } finally {
      await ds.destroy();
    }
  });

  it('leaves a runner alone whose transaction is really open', async () => {
    const ds = createDataSource({ url: 'sqlite::memory:' });
    await ds.initialize();
    try {
      const runner = ds.createQueryRunner();
      await runner.startTransaction();
      expect(resetStaleRunnerState(ds, true)).toBe(false);
      expect(runner.isTransactionActive).toBe(true);
      await runner.rollbackTransaction();
      expect(resetStaleRunnerState(ds, false)).toBe(false);
    } finally {
      await ds.destroy();
    }
  });
});
