import { describe, expect, it } from 'vitest';
import { MessageSource } from '../../src/index';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

/*
 * PostgreSQL's message_search_terms (MessageSearch1764200000000): a row per
 * (lexeme, message), kept by triggers on messages, which the search of
 * plain words walks. Every test compares the table with the lexemes of
 * every message's document, as PostgreSQL makes them.
 */

describe.runIf(engines().includes('postgres'))('message_search_terms on postgres', () => {
  const suite = useTestDatabase('postgres', { emptyTablesAfterEach: true });
  const q = (sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> => suite.db.manager.query(sql, params);

  /** The (term, message) pairs the table holds that no document has, and those it lacks. */
  async function drift(): Promise<{ extra: number; missing: number }> {
    const documents = `SELECT t AS "term", m."id" AS "message_id" FROM "messages" m, unnest(tsvector_to_array(to_tsvector('simple'::regconfig, COALESCE(m."search_text", ''::text)))) t`;
    const [row] = await q(
      `SELECT (SELECT COUNT(*) FROM (SELECT "term", "message_id" FROM "message_search_terms" EXCEPT ${documents}) e) AS "extra", ` +
        `(SELECT COUNT(*) FROM (${documents} EXCEPT SELECT "term", "message_id" FROM "message_search_terms") d) AS "missing"`,
    );
    return { extra: Number(row!['extra']), missing: Number(row!['missing']) };
  }

  async function terms(): Promise<number> {
    return Number((await q(`SELECT COUNT(*) AS "n" FROM "message_search_terms"`))[0]!['n']);
  }

  async function customer(psid: string): Promise<number> {
    return (await suite.db.users.create({ psid })).id;
  }

  it('holds the terms of a message the library records', async () => {
    const userId = await customer('terms-one');
    await suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'Black one in XL? بكام الســعر', facebookMessageId: 'm_terms_1' });
    expect(await terms()).toBe(6);
    expect(await drift()).toEqual({ extra: 0, missing: 0 });
  });

  it('holds the terms of every message of a batch', async () => {
    const userId = await customer('terms-batch');
    await suite.db.messages.recordInboundBatch(
      Array.from({ length: 50 }, (_, i) => ({ userId, source: MessageSource.MESSENGER, text: `order ${i} size xl`, facebookMessageId: `m_batch_${i}` })),
    );
    expect(await terms()).toBe(50 * 4);
    expect(await drift()).toEqual({ extra: 0, missing: 0 });
  });

  it('replaces the terms of a message whose search_text changes', async () => {
    const userId = await customer('terms-edit');
    const message = await suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'black xl', facebookMessageId: 'm_edit' });
    await q(`UPDATE "messages" SET "search_text" = 'navy medium cotton' WHERE "id" = $1`, [message.id]);
    expect((await q(`SELECT "term" FROM "message_search_terms" ORDER BY "term"`)).map((r) => r['term'])).toEqual(['cotton', 'medium', 'navy']);
    expect((await suite.db.messages.search('black xl')).items).toEqual([]);
    expect((await suite.db.messages.search('navy cotton')).items.map((m) => m.id)).toEqual([message.id]);
  });

  it('keeps the terms when a status update leaves search_text as it was', async () => {
    const userId = await customer('terms-status');
    const message = await suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'black xl', facebookMessageId: 'm_status' });
    await q(`UPDATE "messages" SET "search_text" = "search_text", "updated_at" = now() WHERE "id" = $1`, [message.id]);
    expect(await terms()).toBe(2);
    expect(await drift()).toEqual({ extra: 0, missing: 0 });
  });

  it('drops the terms of an erased customer and keeps everyone else’s', async () => {
    const erased = await customer('terms-erased');
    const kept = await customer('terms-kept');
    await suite.db.messages.recordInbound({ userId: erased, source: MessageSource.MESSENGER, text: 'my address is 12 tahrir street', facebookMessageId: 'm_erased' });
    await suite.db.messages.recordInbound({ userId: kept, source: MessageSource.MESSENGER, text: 'tahrir branch open?', facebookMessageId: 'm_kept' });
    await suite.db.users.erase(erased, { performedBy: 'test' });
    const left = await q(`SELECT DISTINCT m."user_id" FROM "message_search_terms" t JOIN "messages" m ON m."id" = t."message_id"`);
    expect(left.map((r) => Number(r['user_id']))).toEqual([kept]);
    expect(await drift()).toEqual({ extra: 0, missing: 0 });
    expect((await suite.db.messages.search('tahrir')).items.map((m) => m.userId)).toEqual([kept]);
  });

  it('drops the terms of deleted messages, in one statement or by TRUNCATE', async () => {
    const userId = await customer('terms-delete');
    await suite.db.messages.recordInboundBatch(
      Array.from({ length: 10 }, (_, i) => ({ userId, source: MessageSource.MESSENGER, text: `black xl ${i}`, facebookMessageId: `m_delete_${i}` })),
    );
    await q(`DELETE FROM "messages" WHERE "facebook_message_id" IN ('m_delete_0', 'm_delete_1', 'm_delete_2')`);
    expect(await terms()).toBe(7 * 3);
    expect(await drift()).toEqual({ extra: 0, missing: 0 });
    await q(`TRUNCATE "messages" CASCADE`);
    expect(await terms()).toBe(0);
  });

  it('leaves no terms behind when the transaction that wrote them rolls back', async () => {
    const userId = await customer('terms-rollback');
    await expect(
      suite.db.transaction(async (tx) => {
        await tx.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'black xl', facebookMessageId: 'm_rollback' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await terms()).toBe(0);
  });

  it('reads the newest matches through the terms table and finds what the GIN index finds', async () => {
    const userId = await customer('terms-same');
    const texts = ['black xl', 'xl black dress', 'black', 'size xl black?', 'navy xl', 'black-xl', 'BLACK   XL', 'el black el xl'];
    await suite.db.messages.recordInboundBatch(texts.map((text, i) => ({ userId, source: MessageSource.MESSENGER, text, facebookMessageId: `m_same_${i}` })));
    const gin = await q(
      `SELECT "id" FROM "messages" WHERE to_tsvector('simple'::regconfig, COALESCE("search_text", ''::text)) @@ to_tsquery('simple', $1) ORDER BY "id" DESC`,
      ["'black' & 'xl'"],
    );
    const found = (await suite.db.messages.search('black xl', { limit: 100 })).items.map((m) => m.id).sort((a, b) => b - a);
    expect(found).toEqual(gin.map((r) => Number(r['id'])));
    expect(found).toHaveLength(6);
  });
});
