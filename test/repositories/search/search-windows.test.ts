import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/database';
import { MessageSource } from '../../../src/enums';
import { InvalidCursorError } from '../../../src/errors';
import { makeUser } from '../../../src/testing';
import { SEARCH_WINDOW } from '../../../src/search/index';
import { useTestDatabase } from '../../support/database';
import { engines, type EngineName } from '../../support/engines';
import { rejection } from '../../support/errors';
import { fillSearchable } from '../../support/search-data';

/*
 * Searches rank the newest SEARCH_WINDOW matches at a time. These tests hold
 * more matches than two windows, written by raw SQL (as an import would), so
 * pages cross windows.
 */

const MATCHES = 2 * SEARCH_WINDOW + 300;
const CONVERSATIONS = 40;

/** MATCHES messages with the word `window`, one in ten of them `window window` (more relevant), spread over the conversations. */
async function fill(db: Database, engine: EngineName): Promise<void> {
  const text = `CASE WHEN s.n % 10 = 0 THEN 'window window' ELSE 'window and some other words ' || s.n END`;
  await fillSearchable(db, engine, { psid: 'search-window-', users: CONVERSATIONS, messages: MATCHES, text });
}

async function walk<T>(read: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await read(cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

describe.each(engines())('search windows on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  beforeEach(async () => {
    await fill(suite.db, engine);
  }, 60_000);

  it('lists every match once across windows', async () => {
    const ids = (await walk((cursor) => suite.db.messages.search('window', { limit: 100, cursor }))).map((m) => m.id);
    expect(ids).toHaveLength(MATCHES);
    expect(new Set(ids).size).toBe(MATCHES);
  });

  it('ranks the newest window first, its more relevant matches at its top, then the next window', async () => {
    const messages = await walk((cursor) => suite.db.messages.search('window', { limit: 100, cursor }));
    const byIdDesc = messages.map((m) => m.id).sort((a, b) => b - a);
    const newest = new Set(byIdDesc.slice(0, SEARCH_WINDOW));
    const first = messages.slice(0, SEARCH_WINDOW);
    expect(first.every((m) => newest.has(m.id))).toBe(true);
    const strong = first.filter((m) => m.text === 'window window').length;
    // One match in ten is a strong one.
    expect(strong).toBeGreaterThanOrEqual(Math.floor(SEARCH_WINDOW / 10));
    expect(first.slice(0, strong).every((m) => m.text === 'window window')).toBe(true);
    // Within the window, equally relevant matches newest (here: highest id) first.
    const weak = first.slice(strong).map((m) => m.id);
    expect(weak).toEqual([...weak].sort((a, b) => b - a));
    // The second window starts with its own strong matches, older than every match of the first.
    const second = messages.slice(SEARCH_WINDOW, 2 * SEARCH_WINDOW);
    expect(second[0]!.text).toBe('window window');
    expect(Math.max(...second.map((m) => m.id))).toBeLessThan(Math.min(...first.map((m) => m.id)));
  });

  it('keeps its pages stable when messages are written between them', async () => {
    const before = (await walk((cursor) => suite.db.messages.search('window', { limit: 250, cursor }))).map((m) => m.id);
    const page = await suite.db.messages.search('window', { limit: 250 });
    const user = await makeUser(suite.db);
    await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'window window window', facebookMessageId: 'm_window_new' });
    const rest = (await walk((cursor) => suite.db.messages.search('window', { limit: 250, cursor: cursor ?? page.nextCursor }))).map((m) => m.id);
    expect([...page.items.map((m) => m.id), ...rest]).toEqual(before);
    expect((await suite.db.messages.search('window', { limit: 1 })).items[0]!.facebookMessageId).toBe('m_window_new');
  });

  it('lists each conversation once, in the newest window where it has a match', async () => {
    const hits = await walk((cursor) => suite.db.conversations.search('window', { limit: 7, cursor }));
    const ids = hits.map((h) => h.conversation.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(CONVERSATIONS);
    for (const hit of hits) expect(hit.message.conversationId).toBe(hit.conversation.id);
  });

  it('refuses a cursor whose window was changed', async () => {
    const page = await suite.db.messages.search('window', { limit: 10 });
    const key = JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8')) as unknown[];
    const tamper = (at: number, value: unknown): string => Buffer.from(JSON.stringify(key.map((v, i) => (i === at ? value : v))), 'utf8').toString('base64url');
    // [list, search, first, top, bottom, score, time, id]
    for (const cursor of [tamper(4, (key[3] as number) + 1), tamper(2, (key[3] as number) - 1), tamper(7, (key[4] as number) - 1), tamper(5, -1), tamper(6, 1.5)]) {
      const error = await rejection(suite.db.messages.search('window', { limit: 10, cursor }));
      expect(error).toBeInstanceOf(InvalidCursorError);
    }
  });
});
