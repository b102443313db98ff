import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

describe.each(engines())('migration DomainEvents1764300000000 on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('reverts and reapplies the events table and leaves no drift', async () => {
    const db = suite.db;
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    expect((await db.pendingMigrations()).map((m) => m.name)).toEqual(['DomainEvents1764300000000']);
    expect(await db.dataSource.createQueryRunner().hasTable('events')).toBe(false);
    expect(await db.migrate()).toEqual(['DomainEvents1764300000000']);
    const schema = await db.dataSource.driver.createSchemaBuilder().log();
    expect(schema.upQueries.map((u) => u.query)).toEqual([]);
  });

  it('gives every row a creation time and refuses a row without a payload', async () => {
    const q = (sql: string): Promise<Array<Record<string, unknown>>> => suite.db.manager.query(sql);
    await q(`INSERT INTO "events" ("payload") VALUES ('[]')`);
    const [row] = await q(`SELECT "created_at" FROM "events"`);
    expect(row?.['created_at']).not.toBeNull();
    await expect(q(`INSERT INTO "events" ("payload") VALUES (NULL)`)).rejects.toThrow(/null/i);
  });
});
