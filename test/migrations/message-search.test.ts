import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

describe.each(engines())('migration MessageSearch1764200000000 on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('backfills search_text of existing messages, indexes them, keeps the index current afterwards and leaves no drift', async () => {
    const db = suite.db;
    const q = (sql: string): Promise<Array<Record<string, unknown>>> => db.manager.query(sql);
    // The later migration first (DomainEvents1764300000000), then this one.
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    expect((await db.pendingMigrations()).map((m) => m.name)).toEqual(['MessageSearch1764200000000', 'DomainEvents1764300000000']);
    const columns = engine === 'sqlite'
      ? (await q(`PRAGMA table_info("messages")`)).map((c) => String(c['name']))
      : (await q(`SELECT column_name AS "name" FROM information_schema.columns WHERE table_name = 'messages'`)).map((c) => String(c['name']));
    expect(columns).not.toContain('search_text');

    // Messages written before search existed.
    await q(`INSERT INTO "users" ("psid") VALUES ('legacy-psid')`);
    const [user] = await q(`SELECT "id" FROM "users" WHERE "psid" = 'legacy-psid'`);
    await q(`INSERT INTO "conversations" ("user_id", "source", "message_count") VALUES (${Number(user!['id'])}, 'messenger', 3)`);
    const [conversation] = await q(`SELECT "id" FROM "conversations"`);
    for (const text of [`'الســعر كام؟'`, `'Café XL'`, 'NULL']) {
      await q(
        `INSERT INTO "messages" ("user_id", "conversation_id", "text", "direction", "source", "sent_at") VALUES ` +
          `(${Number(user!['id'])}, ${Number(conversation!['id'])}, ${text}, 'inbound', 'messenger', '2025-01-01 10:00:00')`,
      );
    }

    const logged: string[] = [];
    const logger = db.dataSource.logger;
    const log = logger.log.bind(logger);
    logger.log = (level, message) => {
      logged.push(String(message));
      log(level, message);
    };
    try {
      expect(await db.migrate()).toEqual(['MessageSearch1764200000000', 'DomainEvents1764300000000']);
    } finally {
      logger.log = log;
    }
    expect(logged).toEqual(['search index: 0 / 2 messages', 'search index: 2 / 2 messages']);
    expect((await q(`SELECT "search_text" FROM "messages" ORDER BY "id"`)).map((r) => r['search_text'])).toEqual(['السعر كام', 'cafe xl', null]);

    if (engine === 'postgres') {
      // The backfill writes the terms the search of plain words walks: السعر, كام, cafe, xl.
      const terms = await q(`SELECT "term" FROM "message_search_terms" ORDER BY "term"`);
      expect(terms.map((r) => r['term'])).toEqual(['cafe', 'xl', 'السعر', 'كام']);
      // No parallel walks; vacuumed every 100,000 new terms, so the newest stay index-only.
      const [table] = await q(`SELECT reloptions FROM pg_class WHERE relname = 'message_search_terms'`);
      expect(table!['reloptions']).toEqual(['parallel_workers=0', 'autovacuum_vacuum_insert_scale_factor=0', 'autovacuum_vacuum_insert_threshold=100000']);
    }
    expect((await db.messages.search('السعر')).items.map((m) => m.text)).toEqual(['الســعر كام؟']);
    // Written after the migration: indexed by the library's own insert (and the triggers on SQLite).
    await db.messages.recordInbound({ userId: Number(user!['id']), source: 'messenger' as never, text: 'black one in XL', facebookMessageId: 'm_after' });
    expect((await db.messages.search('xl')).items.map((m) => m.text).sort()).toEqual(['Café XL', 'black one in XL']);
    await q(`DELETE FROM "messages" WHERE "facebook_message_id" = 'm_after'`);
    expect((await db.messages.search('xl')).items.map((m) => m.text)).toEqual(['Café XL']);

    const schema = await db.dataSource.driver.createSchemaBuilder().log();
    expect(schema.upQueries.map((u) => u.query)).toEqual([]);
  });

  it('reverts to the schema before it', async () => {
    const db = suite.db;
    // The later migration first (DomainEvents1764300000000), then this one.
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    const leftovers = engine === 'sqlite'
      ? await db.manager.query(`SELECT name FROM sqlite_master WHERE name LIKE 'messages_fts%'`)
      : await db.manager.query(
          `SELECT indexname AS "name" FROM pg_indexes WHERE indexname = 'IDX_messages_search' ` +
            `UNION ALL SELECT tablename FROM pg_tables WHERE tablename = 'message_search_terms' ` +
            `UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'messages_search_terms%' ` +
            `UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'message_search_terms%'`,
        );
    expect(leftovers).toEqual([]);
    expect(await db.migrate()).toEqual(['MessageSearch1764200000000', 'DomainEvents1764300000000']);
  });
});
