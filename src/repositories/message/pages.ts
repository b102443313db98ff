/**
 * The keyset pages of `MessageRepository.listForUser` and
 * `listForConversation`: fixed SQL, newest first by `created_at` then `id`,
 * read through the user's or the conversation's `created_at` index.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { Message } from '../../entities/message.entity';
import { toPage, type CursorKey, type CursorList, type Page } from '../../pagination';
import { limitLiteral, statement, tableHydrator } from '../sql';

/** The list of `listForUser`, named in its cursors. */
export const FOR_USER: CursorList = { name: 'messages.listForUser', sort: 'timestamp' };
/** The list of `listForConversation`, named in its cursors. */
export const FOR_CONVERSATION: CursorList = { name: 'messages.listForConversation', sort: 'timestamp' };

/** The SQL of one page (`limit + 1` rows) of the messages whose `column` is `?`, the first page or one after a cursor. */
export function pageStatement(dialect: Dialect, column: 'userId' | 'conversationId', afterCursor: boolean, limit: number): string {
  const columnName = column === 'userId' ? 'user_id' : 'conversation_id';
  return statement(dialect, `messages-by:${columnName}:${afterCursor ? 'after' : 'first'}:${limit}`, () => {
    const at = dialect.timestampPlaceholder;
    // The `<=` bound is the index range; the OR breaks ties within one instant by id.
    const after = afterCursor ? ` AND m."created_at" <= ${at} AND (m."created_at" < ${at} OR m."id" < ?)` : '';
    return (
      `SELECT m.*, ${dialect.timestampText('m."created_at"')} AS "cursor_ts" FROM "messages" m ` +
      `WHERE m."${columnName}" = ?${after} ORDER BY m."created_at" DESC, m."id" DESC LIMIT ${limitLiteral(limit + 1)}`
    );
  });
}

/** Runs a {@link pageStatement} and returns its page of hydrated messages with the next cursor. */
export async function readPage(
  m: EntityManager,
  dialect: Dialect,
  list: CursorList,
  sql: string,
  parameters: readonly unknown[],
  limit: number,
): Promise<Page<Message>> {
  const table = await dialect.queryTable(m, sql, parameters);
  const cursorAt = table.columns.indexOf('cursor_ts');
  const idAt = table.columns.indexOf('id');
  const result = toPage(table.rows, limit, list, (row): CursorKey => [String(row[cursorAt]), Number(row[idAt])]);
  const hydrate = tableHydrator(m, Message, table.columns);
  return { items: result.items.map(hydrate), nextCursor: result.nextCursor };
}
