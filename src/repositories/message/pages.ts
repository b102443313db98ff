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
import { limitLiteral, statement, tableHydrator } from '../sql';

/** The list of `listForUser`, named in its cursors. */
export const FOR_USER: CursorList = { name: 'messages.listForUser', sort: 'nullableTimestamp' };
/** The list of `listForConversation`, named in its cursors. */
export const FOR_CONVERSATION: CursorList = { name: 'messages.listForConversation', sort: 'nullableTimestamp' };

/**
 * What a page statement reads: `union`, the rows with a sent time (newest
 * first) and then those without (by id), two index range scans in one
 * statement; `both`, the same in one descending scan, where NULL sorts below
 * every value (SQLite); `untimed`, the rows without a sent time only (after
 * a cursor on one of them).
 */
export type PagePart = 'union' | 'both' | 'untimed';

/** The SQL of a page (`rowLimit` rows) of the messages whose `column` is `?`, from the start or after a cursor. */
export function pageStatement(dialect: Dialect, column: 'userId' | 'conversationId', part: PagePart, afterCursor: boolean, rowLimit: number): string {
  const columnName = column === 'userId' ? 'user_id' : 'conversation_id';
  return statement(dialect, `messages-by:${columnName}:${part}:${afterCursor ? 'after' : 'first'}:${rowLimit}`, () => {
    const at = dialect.timestampPlaceholder;
    const limit = limitLiteral(rowLimit);
    const timed = `SELECT m.*, ${dialect.timestampText('m."sent_at"')} AS "cursor_ts"`;
    if (part === 'untimed') {
      return (
        `SELECT m.*, NULL AS "cursor_ts" FROM "messages" m WHERE m."${columnName}" = ? AND m."sent_at" IS NULL` +
        `${afterCursor ? ' AND m."id" < ?' : ''} ORDER BY m."id" DESC LIMIT ${limit}`
      );
    }
    if (part === 'both') {
      return `${timed} FROM "messages" m WHERE m."${columnName}" = ? ORDER BY m."sent_at" DESC, m."id" DESC LIMIT ${limit}`;
    }
    // The `<=` bound is the index range; the OR breaks ties within one instant by id.
    const after = afterCursor ? ` AND m."sent_at" <= ${at} AND (m."sent_at" < ${at} OR m."id" < ?)` : '';
    return (
      `SELECT * FROM (SELECT * FROM (${timed}, 0 AS "page_part" FROM "messages" m ` +
      `WHERE m."${columnName}" = ? AND m."sent_at" IS NOT NULL${after} ORDER BY m."sent_at" DESC, m."id" DESC LIMIT ${limit}) t UNION ALL ` +
      `SELECT * FROM (SELECT m.*, NULL AS "cursor_ts", 1 AS "page_part" FROM "messages" m WHERE m."${columnName}" = ? AND m."sent_at" IS NULL ` +
      `ORDER BY m."id" DESC LIMIT ${limit}) u) p ORDER BY p."page_part", p."sent_at" DESC, p."id" DESC LIMIT ${limit}`
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
  if (key === null && dialect.nullsLastDescending) {
    // The first page in one scan: the timed rows newest first, then the untimed ones by id.
    const table = await dialect.queryTable(m, pageStatement(dialect, column, 'both', false, limit + 1), [value]);
    return pageOf(m, list, table.columns, table.rows, limit);
  }
  if (key === null || key[0] !== null) {
    // One round trip for both parts (the untimed part is read only as far as the page needs).
    const timedKey = key === null ? [] : [key[0], key[0], key[1]];
    const table = await dialect.queryTable(m, pageStatement(dialect, column, 'union', key !== null, limit + 1), [value, ...timedKey, value]);
    return pageOf(m, list, table.columns, table.rows, limit);
  }
  // After a row without a sent time only such rows follow.
  const table = await dialect.queryTable(m, pageStatement(dialect, column, 'untimed', true, limit + 1), [value, key[1]]);
  return pageOf(m, list, table.columns, table.rows, limit);
}

/** The page of `limit + 1` rows of a message list, hydrated, with its cursor. */
function pageOf(m: EntityManager, list: CursorList, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, limit: number): Page<Message> {
  const cursorAt = columns.indexOf('cursor_ts');
  const idAt = columns.indexOf('id');
  const result = toPage(rows, limit, list, (row): CursorKey => [row[cursorAt] === null || row[cursorAt] === undefined ? null : String(row[cursorAt]), Number(row[idAt])]);
  const hydrate = tableHydrator(m, Message, columns);
  return { items: result.items.map((row) => hydrate(row)), nextCursor: result.nextCursor };
}
