/**
 * Running a search: windows of matches, newest first, each ranked in
 * JavaScript by relevance, then time, then id; a page takes the next items
 * of that order, across windows, and loads their rows. Its cursor holds the
 * window and the last item's place in it.
 *
 * @internal
 * @module
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { Conversation } from '../../entities/conversation.entity';
import { Message } from '../../entities/message.entity';
import { encodeRankedCursor, type CursorList, type Page } from '../../pagination';
import { snippetOf } from '../../search/highlight';
import { searchedWords } from '../../search/query';
import { relevanceOf, SEARCH_WINDOW } from '../../search/rank';
import { marks, statement, tableHydrator } from '../sql';
import type { CheckedSearch } from './options';
import { newerConversationsStatement, windowStatement, type WindowBounds } from './statements';
import type { ConversationSearchHit } from './types';

/** The list of `messages.search`, named in its cursors. */
export const MESSAGE_SEARCH: CursorList = { name: 'messages.search', sort: 'ranked' };
/** The list of `conversations.search`, named in its cursors. */
export const CONVERSATION_SEARCH: CursorList = { name: 'conversations.search', sort: 'ranked' };

/** A match, ranked. */
interface Candidate {
  id: number;
  conversationId: number;
  score: number;
  time: number;
}

/** A window of matches: the ids it spans (inclusive) and its matches in rank order. */
interface Window {
  top: number;
  bottom: number;
  ranked: Candidate[];
}

/** A candidate taken for a page, with the window it was ranked in. */
interface Taken {
  candidate: Candidate;
  window: Window;
}

/** Rank order: score, then time, then id, each descending. */
function compare(a: Candidate, b: Candidate): number {
  return b.score - a.score || b.time - a.time || b.id - a.id;
}

/** One window of matches, read and ranked; `null` when no match is left. */
async function readWindow(m: EntityManager, dialect: Dialect, search: CheckedSearch, bounds: WindowBounds): Promise<Window | null> {
  const { sql, parameters } = windowStatement(dialect, search, bounds);
  const { rows } = await dialect.queryTable(m, sql, parameters);
  if (rows.length === 0 && bounds.bottom === null) return null;
  const ranked = rows.map(
    (row): Candidate => ({
      id: Number(row[0]),
      conversationId: Number(row[1]),
      score: relevanceOf(typeof row[2] === 'string' ? row[2] : '', search.query),
      time: Number(row[3]),
    }),
  );
  ranked.sort(compare);
  // Rows come highest id first; a window short of SEARCH_WINDOW is the last one, down to id 1.
  const top = bounds.top ?? Number(rows[0]![0]);
  const bottom = bounds.bottom ?? (rows.length < SEARCH_WINDOW ? 1 : Number(rows[rows.length - 1]![0]));
  return { top, bottom, ranked };
}

/**
 * The next `wanted` matches in search order after the cursor, `pick`
 * choosing which of a window's ranked candidates count (all of them, or a
 * conversation's best).
 */
async function take(
  m: EntityManager,
  dialect: Dialect,
  search: CheckedSearch,
  wanted: number,
  pick: (window: Window, first: number) => Promise<Candidate[]>,
): Promise<{ taken: Taken[]; first: number }> {
  const after = search.after;
  let bounds: WindowBounds = after === null ? { top: null, bottom: null } : { top: after[2], bottom: after[3] };
  let first = after === null ? 0 : after[1];
  const taken: Taken[] = [];
  for (let resumed = after !== null; taken.length < wanted; resumed = false) {
    const window = await readWindow(m, dialect, search, bounds);
    if (window === null) break;
    if (first === 0) first = window.top;
    let candidates = await pick(window, first);
    if (resumed) {
      const [, , , , score, time, id] = after!;
      const key: Candidate = { id, conversationId: 0, score, time };
      candidates = candidates.filter((c) => compare(key, c) < 0);
    }
    for (const candidate of candidates) {
      taken.push({ candidate, window });
      if (taken.length === wanted) break;
    }
    if (window.bottom <= 1) break;
    bounds = { top: window.bottom - 1, bottom: null };
  }
  return { taken, first };
}

/** The rows of `ids`, hydrated, by id. */
async function rowsById<T extends ObjectLiteral>(m: EntityManager, dialect: Dialect, target: EntityTarget<T>, table: string, ids: readonly number[]): Promise<Map<number, T>> {
  const byId = new Map<number, T>();
  if (ids.length === 0) return byId;
  const sql = statement(dialect, `search-rows:${table}:${ids.length}`, () => `SELECT * FROM "${table}" WHERE "id" IN (${marks(ids.length)})`);
  const result = await dialect.queryTable(m, sql, ids);
  const hydrate = tableHydrator(m, target, result.columns);
  const at = result.columns.indexOf('id');
  for (const row of result.rows) byId.set(Number(row[at]), hydrate(row));
  return byId;
}

function nextCursor(list: CursorList, search: CheckedSearch, taken: readonly Taken[], first: number): string | null {
  if (taken.length <= search.limit) return null;
  const { candidate: c, window: w } = taken[search.limit - 1]!;
  return encodeRankedCursor(list, [search.fingerprint, first, w.top, w.bottom, c.score, c.time, c.id]);
}

/** A page of messages matching the search. */
export async function searchMessages(m: EntityManager, dialect: Dialect, search: CheckedSearch): Promise<Page<Message>> {
  const { taken, first } = await take(m, dialect, search, search.limit + 1, async (window) => window.ranked);
  const page = taken.slice(0, search.limit);
  const messages = await rowsById(m, dialect, Message, 'messages', page.map((t) => t.candidate.id));
  return {
    items: page.flatMap((t) => messages.get(t.candidate.id) ?? []),
    nextCursor: nextCursor(MESSAGE_SEARCH, search, taken, first),
  };
}

/** A page of conversations with their best-matching message and its snippet. */
export async function searchConversations(m: EntityManager, dialect: Dialect, search: CheckedSearch): Promise<Page<ConversationSearchHit>> {
  const best = async (window: Window, first: number): Promise<Candidate[]> => {
    // A conversation is listed in the newest window where it has a match, with its best match there.
    const seen = new Set<number>();
    if (window.top < first) {
      const { sql, parameters } = newerConversationsStatement(dialect, search, window.top, first);
      for (const row of (await dialect.queryTable(m, sql, parameters)).rows) seen.add(Number(row[0]));
    }
    const picked: Candidate[] = [];
    for (const c of window.ranked) {
      if (seen.has(c.conversationId)) continue;
      seen.add(c.conversationId);
      picked.push(c);
    }
    return picked;
  };
  const { taken, first } = await take(m, dialect, search, search.limit + 1, best);
  const page = taken.slice(0, search.limit);
  // Both at once: on PostgreSQL outside a transaction, two connections of the pool.
  const [messages, conversations] = await Promise.all([
    rowsById(m, dialect, Message, 'messages', page.map((t) => t.candidate.id)),
    rowsById(m, dialect, Conversation, 'conversations', page.map((t) => t.candidate.conversationId)),
  ]);
  const words = searchedWords(search.query);
  const items = page.flatMap((t): ConversationSearchHit[] => {
    const message = messages.get(t.candidate.id);
    const conversation = conversations.get(t.candidate.conversationId);
    if (message === undefined || conversation === undefined) return [];
    return [{ conversation, message, snippet: snippetOf(message.text ?? '', words) }];
  });
  return { items, nextCursor: nextCursor(CONVERSATION_SEARCH, search, taken, first) };
}
