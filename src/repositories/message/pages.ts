/**
 * The keyset pages of `MessageRepository.listForUser` and
 * `listForConversation`: fixed SQL, newest first by the platform's sent time
 * (`sent_at`) then `id`, read through `IDX_messages_user_sent` or
 * `IDX_messages_conversation_sent`. Messages without a sent time (only rows
 * written outside the repositories can lack one) come last, newest id first.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { Message } from '../../entities/message.entity';
import { toPage, type CursorKey, type CursorList, type Page } from '../../pagination';
import { hydrateRow, limitLiteral, statement } from '../sql';

/** The list of `listForUser`, named in its cursors. */
export const FOR_USER: CursorList = { name: 'messages.listForUser', sort: 'nullableTimestamp' };
/** The list of `listForConversation`, named in its cursors. */
export const FOR_CONVERSATION: CursorList = { name: 'messages.listForConversation', sort: 'nullableTimestamp' };

/** Which rows a statement reads: those with a sent time (`timed`, newest first) or those without (`untimed`, by id). */
export type PagePart = 'timed' | 'untimed';

/** The SQL of one part of a page (`rowLimit` rows) of the messages whose `column` is `?`, from the start or after a cursor. */
export function pageStatement(dialect: Dialect, column: 'userId' | 'conversationId', part: PagePart, afterCursor: boolean, rowLimit: number): string {
  const columnName = column === 'userId' ? 'user_id' : 'conversation_id';
  return statement(dialect, `messages-by:${columnName}:${part}:${afterCursor ? 'after' : 'first'}:${rowLimit}`, () => {
    const at = dialect.timestampPlaceholder;
    if (part === 'untimed') {
      return (
        `SELECT m.*, NULL AS "cursor_ts" FROM "messages" m WHERE m."${columnName}" = ? AND m."sent_at" IS NULL` +
        `${afterCursor ? ' AND m."id" < ?' : ''} ORDER BY m."id" DESC LIMIT ${limitLiteral(rowLimit)}`
      );
    }
    // The `<=` bound is the index range; the OR breaks ties within one instant by id.
    const after = afterCursor ? ` AND m."sent_at" <= ${at} AND (m."sent_at" < ${at} OR m."id" < ?)` : '';
    return (
      `SELECT m.*, ${dialect.timestampText('m."sent_at"')} AS "cursor_ts" FROM "messages" m ` +
      `WHERE m."${columnName}" = ? AND m."sent_at" IS NOT NULL${after} ORDER BY m."sent_at" DESC, m."id" DESC LIMIT ${limitLiteral(rowLimit)}`
    );
  });
}

/**
 * One page of `limit` messages whose `column` is `value`, after `key`: the
 * timed part first, then (when it does not fill the page) the untimed part.
 * Two index range scans instead of one `NULLS LAST` sort, whose NULL order
 * differs between the engines.
 */
export async function readPage(
  m: EntityManager,
  dialect: Dialect,
  list: CursorList,
  column: 'userId' | 'conversationId',
  value: number,
  key: CursorKey | null,
  limit: number,
): Promise<Page<Message>> {
  const rows: Array<Record<string, unknown>> = [];
  if (key === null || key[0] !== null) {
    const sql = pageStatement(dialect, column, 'timed', key !== null, limit + 1);
    rows.push(...(await dialect.queryRows(m, sql, key === null ? [value] : [value, key[0], key[0], key[1]])));
  }
  if (rows.length <= limit) {
    const after = key !== null && key[0] === null;
    const sql = pageStatement(dialect, column, 'untimed', after, limit + 1 - rows.length);
    rows.push(...(await dialect.queryRows(m, sql, after ? [value, key[1]] : [value])));
  }
  const result = toPage(rows, limit, list, (row): CursorKey => [row['cursor_ts'] === null || row['cursor_ts'] === undefined ? null : String(row['cursor_ts']), Number(row['id'])]);
  return { items: result.items.map((row) => hydrateRow(m, Message, row)), nextCursor: result.nextCursor };
}
