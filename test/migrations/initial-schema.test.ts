import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

describe.each(engines())('migrations on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('leaves nothing for the schema builder to change (no drift)', async () => {
    const sql = await suite.db.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has no pending migrations after migrate', async () => {
    expect(await suite.db.pendingMigrations()).toEqual([]);
  });

  it('creates the seven tables', async () => {
    const runner = suite.db.dataSource.createQueryRunner();
    try {
      for (const table of ['users', 'messages', 'conversations', 'lead_activities', 'posts', 'ad_campaigns', 'app_settings']) {
        expect(await runner.hasTable(table), table).toBe(true);
      }
    } finally {
      await runner.release();
    }
  });
});
