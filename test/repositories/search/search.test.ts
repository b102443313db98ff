import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/database';
import type { Message } from '../../../src/entities/message.entity';
import { MessageDirection, MessageSource } from '../../../src/enums';
import { EntityValidationError, InvalidCursorError, InvalidEnumValueError } from '../../../src/errors';
import { makeUser } from '../../../src/testing';
import { useTestDatabase } from '../../support/database';
import { engines } from '../../support/engines';
import { firstIssue, rejection } from '../../support/errors';
import { ingestWhatsAppWebhook } from '../../../src/meta/index';
import { fixture } from '../../support/meta-fixtures';

const DAY = 24 * 3600_000;
const NOW = Date.now();

/** The texts the suite searches, with who wrote them, when and where. */
interface Seeded {
  ahmed: number;
  mona: number;
}

async function seed(db: Database): Promise<Seeded> {
  const ahmed = (await makeUser(db, { firstName: 'Ahmed' })).id;
  const mona = (await makeUser(db, { firstName: 'Mona' })).id;
  let n = 0;
  const inbound = (userId: number, text: string, daysAgo: number, source = MessageSource.MESSENGER) =>
    db.messages.recordInbound({ userId, source, text, facebookMessageId: `m_search_${n++}`, sentAt: new Date(NOW - daysAgo * DAY) });
  await inbound(ahmed, 'Do you have the black one in size XL?', 3);
  await inbound(ahmed, 'الســعر كام للمقاس XL؟', 2);
  await inbound(mona, 'السعر ٤٥٠ جنيه؟ 🔥', 1, MessageSource.WHATSAPP);
  await inbound(mona, 'I want the navy one, not black', 10);
  await inbound(mona, 'Café au lait colour please', 4);
  await inbound(mona, 'price el XL kam? عايزة الأسود', 5, MessageSource.WHATSAPP);
  await db.messages.recordOutbound({ userId: ahmed, source: MessageSource.MESSENGER, text: 'Yes, black XL is in stock', facebookMessageId: 'm_search_out', sentAt: new Date(NOW - 2.5 * DAY) });
  return { ahmed, mona };
}

const texts = (messages: readonly Message[]): Array<string | null> => messages.map((m) => m.text);

describe.each(engines())('messages.search on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let s: Seeded;
  beforeAll(async () => {
    s = await seed(suite.db);
  });
  const search = (query: string, options?: Parameters<Database['messages']['search']>[1]) => suite.db.messages.search(query, options);

  it('finds every message with all the words, in any case', async () => {
    expect(texts((await search('BLACK xl')).items).sort()).toEqual(['Do you have the black one in size XL?', 'Yes, black XL is in stock']);
  });

  it('finds Arabic words whatever their tatweel, digits and hamza', async () => {
    expect(texts((await search('السعر')).items).sort()).toEqual(['السعر ٤٥٠ جنيه؟ 🔥', 'الســعر كام للمقاس XL؟'].sort());
    expect(texts((await search('450')).items)).toEqual(['السعر ٤٥٠ جنيه؟ 🔥']);
    expect(texts((await search('٤٥٠')).items)).toEqual(['السعر ٤٥٠ جنيه؟ 🔥']);
    expect(texts((await search('الاسود')).items)).toEqual(['price el XL kam? عايزة الأسود']);
  });

  it('finds Latin words without their accents', async () => {
    expect(texts((await search('cafe')).items)).toEqual(['Café au lait colour please']);
    expect(texts((await search('CAFÉ')).items)).toEqual(['Café au lait colour please']);
  });

  it('finds mixed Arabic and English text by words of both', async () => {
    expect(texts((await search('kam الاسود')).items)).toEqual(['price el XL kam? عايزة الأسود']);
  });

  it('treats emoji as separators: they find nothing and do not stop a match', async () => {
    expect(texts((await search('🔥 450')).items)).toEqual(['السعر ٤٥٠ جنيه؟ 🔥']);
    expect(await firstIssue(search('🔥'))).toEqual({ property: 'query', rule: 'hasSearchWord' });
  });

  it('matches a quoted phrase only with its words next to each other, in order', async () => {
    expect(texts((await search('"size xl"')).items)).toEqual(['Do you have the black one in size XL?']);
    expect((await search('"xl size"')).items).toEqual([]);
  });

  it('leaves out messages with an excluded word or phrase', async () => {
    expect(texts((await search('black -stock')).items).sort()).toEqual(['Do you have the black one in size XL?', 'I want the navy one, not black']);
    expect(texts((await search('black -"size xl" -stock')).items)).toEqual(['I want the navy one, not black']);
  });

  it('finds either word around OR', async () => {
    expect(texts((await search('navy or cafe')).items).sort()).toEqual(['Café au lait colour please', 'I want the navy one, not black']);
    expect(texts((await search('navy OR size black')).items).sort()).toEqual(['Do you have the black one in size XL?', 'I want the navy one, not black']);
  });

  it('filters by user, source, direction and sent time', async () => {
    expect(texts((await search('xl', { userId: s.mona })).items)).toEqual(['price el XL kam? عايزة الأسود']);
    expect(texts((await search('xl', { source: MessageSource.WHATSAPP })).items)).toEqual(['price el XL kam? عايزة الأسود']);
    expect(texts((await search('xl', { direction: MessageDirection.OUTBOUND })).items)).toEqual(['Yes, black XL is in stock']);
    const lastWeek = (await search('xl', { since: new Date(NOW - 4 * DAY), until: new Date(NOW - 2.2 * DAY) })).items;
    expect(texts(lastWeek).sort()).toEqual(['Do you have the black one in size XL?', 'Yes, black XL is in stock']);
  });

  it('ranks a message with more of the query words above those with fewer', async () => {
    const ranked = texts((await search('black or xl or size')).items);
    expect(ranked[0]).toBe('Do you have the black one in size XL?');
  });

  it('orders equally relevant matches newest first', async () => {
    await suite.db.messages.recordInbound({ userId: s.ahmed, source: MessageSource.MESSENGER, text: 'zebra', facebookMessageId: 'm_z1', sentAt: new Date(NOW - 9 * DAY) });
    await suite.db.messages.recordInbound({ userId: s.ahmed, source: MessageSource.MESSENGER, text: 'zebra', facebookMessageId: 'm_z2', sentAt: new Date(NOW - 8 * DAY) });
    const found = (await search('zebra')).items.map((m) => m.facebookMessageId);
    expect(found).toEqual(['m_z2', 'm_z1']);
  });

  it('walks every match once in keyset pages, without duplicates or gaps', async () => {
    for (let i = 0; i < 23; i++) {
      const text = i % 3 === 0 ? 'paging word paging word' : i % 3 === 1 ? 'paging word' : 'paging word and more words here';
      await suite.db.messages.recordInbound({ userId: s.mona, source: MessageSource.MESSENGER, text, facebookMessageId: `m_page_${i}`, sentAt: new Date(NOW - (i % 4) * 1000) });
    }
    const all = (await search('paging', { limit: 100 })).items.map((m) => m.id);
    expect(all.length).toBe(23);
    const walked: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await search('paging', { limit: 5, cursor });
      walked.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(walked).toEqual(all);
  });

  it('refuses a cursor of another query, other filters, another list or a changed one', async () => {
    const page = await search('paging', { limit: 2 });
    const cursor = page.nextCursor!;
    expect(await rejection(search('word', { limit: 2, cursor }))).toBeInstanceOf(InvalidCursorError);
    expect(await rejection(search('paging', { limit: 2, cursor, userId: s.mona }))).toBeInstanceOf(InvalidCursorError);
    expect(await rejection(suite.db.conversations.search('paging', { cursor }))).toBeInstanceOf(InvalidCursorError);
    const listCursor = (await suite.db.messages.listForUser(s.mona, { limit: 1 })).nextCursor!;
    expect(await rejection(search('paging', { cursor: listCursor }))).toBeInstanceOf(InvalidCursorError);
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    for (const changed of [
      [...decoded.slice(0, 2), 'a lot', ...decoded.slice(3)],
      [...decoded.slice(0, 3), 'yesterday', decoded[4]],
      [...decoded.slice(0, 4), -1],
      decoded.slice(0, 4),
    ]) {
      const forged = Buffer.from(JSON.stringify(changed), 'utf8').toString('base64url');
      expect(await rejection(search('paging', { cursor: forged }))).toBeInstanceOf(InvalidCursorError);
    }
    expect(await rejection(search('paging', { cursor: `${cursor}x` }))).toBeInstanceOf(InvalidCursorError);
    // The same search with another page size goes on from the cursor.
    expect((await search('paging', { limit: 3, cursor })).items.length).toBe(3);
  });

  it('never gives a syntax error for input that is query syntax to FTS5 or tsquery', async () => {
    for (const q of ['AND', 'OR black', 'NOT', 'NEAR(', 'NEAR(a b)', '"', '"""', '*', 'bla*', ':', 'search_text:black', '(', ')', '(black', 'black)', '^black', "it's", '\\', "'", '&', '|', '!black', '<->', 'a <-> b', 'x:*', '{a b}', '+black']) {
      const result = await search(q).catch((e: unknown) => e);
      if (result instanceof EntityValidationError) expect(result.issues[0]!.rules).toEqual(['hasSearchWord']);
      else expect(result).toHaveProperty('items');
    }
    const long = `black ${'NEAR( "x" * : ) '.repeat(60)}`.slice(0, 999);
    expect(await firstIssue(search(long))).toEqual({ property: 'query', rule: 'maxWords' });
    expect(await firstIssue(search('x'.repeat(10_000)))).toEqual({ property: 'query', rule: 'maxLength' });
    expect(await search('x'.repeat(999))).toEqual({ items: [], nextCursor: null });
  });

  it('refuses bad input with typed errors naming the field and rule', async () => {
    expect(await firstIssue(search(''))).toEqual({ property: 'query', rule: 'hasSearchWord' });
    expect(await firstIssue(search('-black'))).toEqual({ property: 'query', rule: 'hasSearchWord' });
    expect(await firstIssue(search(null as never))).toEqual({ property: 'query', rule: 'isString' });
    expect(await firstIssue(search('black', { limit: 0 }))).toEqual({ property: 'limit', rule: 'range' });
    expect(await firstIssue(search('black', { limit: 501 }))).toEqual({ property: 'limit', rule: 'range' });
    expect((await firstIssue(search('black', { userId: -1 }))).property).toBe('userId');
    expect((await firstIssue(search('black', { since: new Date(NaN) }))).property).toBe('since');
    expect(await firstIssue(search('black', { since: new Date(NOW), until: new Date(NOW - DAY) }))).toEqual({ property: 'until', rule: 'isAfterSince' });
    expect(await firstIssue(search('black', { color: 'red' } as never))).toEqual({ property: 'color', rule: 'unknownProperty' });
    expect(await rejection(search('black', { source: 'telegram' as never }))).toBeInstanceOf(InvalidEnumValueError);
  });

  it('no longer finds the messages of an erased customer', async () => {
    const lead = await makeUser(suite.db, { firstName: 'Erased' });
    await suite.db.messages.recordInbound({ userId: lead.id, source: MessageSource.MESSENGER, text: 'my secret kiwi order', facebookMessageId: 'm_erase_1' });
    expect((await search('kiwi')).items.length).toBe(1);
    expect((await suite.db.conversations.search('kiwi')).items.length).toBe(1);
    await suite.db.users.erase(lead.id);
    expect((await search('kiwi')).items).toEqual([]);
    expect((await suite.db.conversations.search('kiwi')).items).toEqual([]);
    const [row] = (await suite.db.manager.query(`SELECT "text", "search_text" FROM "messages" WHERE "user_id" = ${lead.id}`)) as Array<Record<string, unknown>>;
    expect(row).toEqual({ text: null, search_text: null });
  });

  it('stores the normalised text with every recorded message, in batches and webhooks too', async () => {
    const [result] = await suite.db.messages.recordInboundBatch([{ userId: s.ahmed, source: MessageSource.MESSENGER, text: 'Batch ÉTÉ ٣', facebookMessageId: 'm_batch_1' }]);
    expect(result!.message.searchText).toBe('batch ete 3');
    expect((await suite.db.messages.getById(result!.message.id)).searchText).toBe('batch ete 3');
    await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
    expect(texts((await search('"blue sofa"')).items)).toEqual(['Hello, I saw your ad. Is the blue sofa in stock?']);
    const sent = await suite.db.messages.recordOutbound({ userId: s.mona, source: MessageSource.WHATSAPP, text: 'ُالكنبة الزرقاء متاحة', whatsappMessageId: 'wamid.search-out' });
    expect(sent.searchText).toBe('الكنبه الزرقاء متاحه');
  });
});

describe('the SQLite search index', () => {
  const suite = useTestDatabase('sqlite');

  it('stays consistent with the messages through inserts, status updates, erasure and deletes', async () => {
    const db = suite.db;
    const { ahmed, mona } = await seed(db);
    await db.messages.updateStatus('m_search_out', 'read' as never);
    await db.users.erase(mona);
    await db.manager.query(`DELETE FROM "messages" WHERE "user_id" = ${ahmed} AND "direction" = 'outbound'`);
    // FTS5's own check of an external-content index against its content table (an error when they differ).
    await expect(db.manager.query(`INSERT INTO "messages_fts" ("messages_fts", "rank") VALUES ('integrity-check', 1)`)).resolves.toBeDefined();
    expect(texts((await db.messages.search('xl')).items).sort()).toEqual(['Do you have the black one in size XL?', 'الســعر كام للمقاس XL؟']);
  });
});

describe.each(engines())('conversations.search on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let s: Seeded;
  beforeAll(async () => {
    s = await seed(suite.db);
  });

  it('gives each matching conversation once, with its best message and a snippet of its original text', async () => {
    const page = await suite.db.conversations.search('xl');
    const ids = page.items.map((h) => h.conversation.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Ahmed's Messenger conversation, Mona's WhatsApp one (Mona's Messenger messages have no xl).
    expect(page.items.map((h) => [h.conversation.userId, h.conversation.source]).sort()).toEqual(
      [
        [s.ahmed, MessageSource.MESSENGER],
        [s.mona, MessageSource.WHATSAPP],
      ].sort(),
    );
    for (const hit of page.items) {
      expect(hit.message.conversationId).toBe(hit.conversation.id);
      expect(hit.snippet.text).toBe(hit.message.text);
      expect(hit.snippet.highlights.map(([a, b]) => hit.snippet.text.slice(a, b).toLowerCase())).toContain('xl');
    }
  });

  it('highlights the Arabic words as they were written', async () => {
    const [hit] = (await suite.db.conversations.search('السعر', { userId: s.ahmed })).items;
    expect(hit!.snippet.text).toBe('الســعر كام للمقاس XL؟');
    expect(hit!.snippet.highlights).toEqual([[0, 7]]);
  });

  it('pages conversations by their best message without duplicates', async () => {
    const all = (await suite.db.conversations.search('xl or black or السعر or cafe', { limit: 100 })).items.map((h) => h.conversation.id);
    const walked: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await suite.db.conversations.search('xl or black or السعر or cafe', { limit: 1, cursor });
      walked.push(...page.items.map((h) => h.conversation.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(walked).toEqual(all);
    expect(all.length).toBe(3);
  });
});
