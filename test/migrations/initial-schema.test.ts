import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { engines, openTestDb } from '../support/engines';

describe.each(engines())('migrations on %s', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDb(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('leaves nothing for the schema builder to change (no drift)', async () => {
    const sql = await db.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has no pending migrations after migrate', async () => {
    expect(await db.pendingMigrations()).toEqual([]);
  });

  it('creates the seven tables', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      for (const table of ['users', 'messages', 'conversations', 'lead_activities', 'posts', 'ad_campaigns', 'app_settings']) {
        expect(await runner.hasTable(table), table).toBe(true);
      }
    } finally {
      await runner.release();
    }
  });
});
