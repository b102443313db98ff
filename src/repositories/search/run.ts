/**
 * Running a search: the statement, then the rows hydrated into a page whose
 * cursor carries the last item's score, time and id.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { Conversation } from '../../entities/conversation.entity';
import { Message } from '../../entities/message.entity';
import { encodeRankedCursor, type CursorList, type Page } from '../../pagination';
import { snippetOf } from '../../search/highlight';
import { searchedWords } from '../../search/query';
import { tableHydrator } from '../sql';
import type { CheckedSearch } from './options';
import { CONVERSATION_PREFIX, conversationSearchStatement, messageSearchStatement } from './statements';
import type { ConversationSearchHit } from './types';

/** The list of `messages.search`, named in its cursors. */
export const MESSAGE_SEARCH: CursorList = { name: 'messages.search', sort: 'ranked' };
/** The list of `conversations.search`, named in its cursors. */
export const CONVERSATION_SEARCH: CursorList = { name: 'conversations.search', sort: 'ranked' };

/** A page of messages matching the search. */
export async function searchMessages(m: EntityManager, dialect: Dialect, search: CheckedSearch): Promise<Page<Message>> {
  const { sql, parameters } = messageSearchStatement(dialect, search);
  const table = await dialect.queryTable(m, sql, parameters);
  const hydrate = tableHydrator(m, Message, table.columns);
  return pageOf(MESSAGE_SEARCH, search, table.columns, table.rows, (row) => hydrate(row));
}

/** A page of conversations with their best-matching message and its snippet. */
export async function searchConversations(m: EntityManager, dialect: Dialect, search: CheckedSearch): Promise<Page<ConversationSearchHit>> {
  const { sql, parameters } = conversationSearchStatement(m, dialect, search);
  const table = await dialect.queryTable(m, sql, parameters);
  const message = tableHydrator(m, Message, table.columns);
  const conversation = tableHydrator(m, Conversation, table.columns, CONVERSATION_PREFIX);
  const words = searchedWords(search.query);
  return pageOf(CONVERSATION_SEARCH, search, table.columns, table.rows, (row) => {
    const hit = message(row);
    return { conversation: conversation(row), message: hit, snippet: snippetOf(hit.text ?? '', words) };
  });
}

function pageOf<T>(list: CursorList, search: CheckedSearch, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, item: (row: readonly unknown[]) => T): Page<T> {
  const at = { score: columns.indexOf('search_score'), time: columns.indexOf('cursor_ts'), id: columns.indexOf('id') };
  const page = rows.length > search.limit ? rows.slice(0, search.limit) : rows;
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > search.limit && last !== undefined
      ? encodeRankedCursor(list, [search.fingerprint, Number(last[at.score]), String(last[at.time]), Number(last[at.id])])
      : null;
  return { items: page.map(item), nextCursor };
}
