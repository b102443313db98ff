import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

describe.each(engines())('migration DataErasures1764100000000 on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('reverts and reapplies the data_erasures table and leaves no drift', async () => {
    const db = suite.db;
    // The later migrations first (DomainEvents1764300000000, MessageSearch1764200000000), then this one.
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    expect((await db.pendingMigrations()).map((m) => m.name)).toEqual(['DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
    expect(await db.dataSource.createQueryRunner().hasTable('data_erasures')).toBe(false);
    expect(await db.migrate()).toEqual(['DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
    const schema = await db.dataSource.driver.createSchemaBuilder().log();
    expect(schema.upQueries.map((u) => u.query)).toEqual([]);
  });

  it('refuses a second erasure with the same confirmation code and a status outside completed', async () => {
    const q = (sql: string): Promise<unknown> => suite.db.manager.query(sql);
    await q(`INSERT INTO "data_erasures" ("confirmation_code", "user_id") VALUES ('code-1', 1)`);
    await expect(q(`INSERT INTO "data_erasures" ("confirmation_code", "user_id") VALUES ('code-1', 2)`)).rejects.toThrow(/UQ_data_erasures_confirmation_code|unique/i);
    await expect(q(`INSERT INTO "data_erasures" ("confirmation_code", "user_id", "status") VALUES ('code-2', 1, 'pending')`)).rejects.toThrow(/CHK_data_erasures_status|constraint/i);
  });
});
