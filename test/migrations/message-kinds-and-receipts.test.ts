import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

describe.each(engines())('migration MessageKindsAndReceipts1764000000000 on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('reverts and reapplies, giving old rows a kind and a sent time, and leaves no drift', async () => {
    const db = suite.db;
    const q = (sql: string): Promise<Array<Record<string, unknown>>> => db.manager.query(sql);
    // The later migrations first (DomainEvents1764300000000, MessageSearch1764200000000, DataErasures1764100000000), then this one.
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    expect((await db.pendingMigrations()).map((m) => m.name)).toEqual(['MessageKindsAndReceipts1764000000000', 'DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
    expect(await db.dataSource.createQueryRunner().hasTable('pending_receipts')).toBe(false);

    // Rows as 0.1.0 wrote them: no kind column yet, and one without a sent time.
    await q(`INSERT INTO "users" ("psid") VALUES ('legacy-psid')`);
    const [user] = await q(`SELECT "id" FROM "users" WHERE "psid" = 'legacy-psid'`);
    await q(`INSERT INTO "conversations" ("user_id", "source", "message_count") VALUES (${Number(user!['id'])}, 'messenger', 4)`);
    const [conversation] = await q(`SELECT "id" FROM "conversations"`);
    const rows: Array<[string, string | null, string | null, string | null]> = [
      ['text', 'hello', null, `'2025-01-01 10:00:00.000'`],
      ['image', null, '[{"type":"image","url":"https://x.test/a.jpg"}]', `'2025-01-01 10:01:00.000'`],
      ['file', null, '[{"type":"fallback","url":"https://x.test"}]', `'2025-01-01 10:02:00.000'`],
      ['text', 'caption', '[{"type":"video"}]', null],
    ];
    for (const [, text, attachments, sentAt] of rows) {
      await q(
        `INSERT INTO "messages" ("user_id", "conversation_id", "text", "attachments", "direction", "source", "sent_at") VALUES ` +
          `(${Number(user!['id'])}, ${Number(conversation!['id'])}, ${text === null ? 'NULL' : `'${text}'`}, ${attachments === null ? 'NULL' : `'${attachments}'`}, ` +
          `'inbound', 'messenger', ${sentAt ?? 'NULL'})`,
      );
    }

    expect(await db.migrate()).toEqual(['MessageKindsAndReceipts1764000000000', 'DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
    const stored = await q(`SELECT "kind", "sent_at", "created_at" FROM "messages" ORDER BY "id"`);
    expect(stored.map((r) => r['kind'])).toEqual(rows.map(([kind]) => kind));
    expect(stored.every((r) => r['sent_at'] !== null)).toBe(true);
    expect(String(stored[3]!['sent_at'])).toBe(String(stored[3]!['created_at']));
    const schema = await db.dataSource.driver.createSchemaBuilder().log();
    expect(schema.upQueries.map((u) => u.query)).toEqual([]);
  });

  it('refuses a kind outside MessageKind in the database itself', async () => {
    const [message] = await suite.db.manager.query(`SELECT "id" FROM "messages" ORDER BY "id" LIMIT 1`);
    await expect(suite.db.manager.query(`UPDATE "messages" SET "kind" = 'poll' WHERE "id" = ${Number(message.id)}`)).rejects.toThrow(/CHK_messages_kind|constraint/i);
  });
});
