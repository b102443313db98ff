/**
 * Checks run on the imported rows before the import commits: rows that are
 * valid one by one but disagree with each other, which no repository
 * method could have written. The repositories keep every conversation's
 * `message_count` equal to its messages and put a message only in a
 * conversation of its own user; an import keeps the same promise.
 *
 * @internal
 * @module
 */
import { ImportConsistencyError, type ImportMismatch } from './errors';
import type { Row } from './format';

/** How many mismatches an error lists. */
const LISTED = 5;

type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

const count = (value: unknown): number => Number(value ?? 0);

function listed(mismatches: ImportMismatch[], describe: (m: ImportMismatch) => string, more: boolean): string {
  return `${mismatches.map(describe).join('; ')}${more ? '; and more' : ''}`;
}

/**
 * Throws {@link ImportConsistencyError} when a conversation's `message_count`
 * is not its number of messages in the file, or a message's user is not its
 * conversation's user.
 * @internal
 */
export async function checkConsistency(query: Query): Promise<void> {
  const counters = await query(
    'SELECT c."id" AS "id", c."message_count" AS "stored", COALESCE(m."n", 0) AS "actual" FROM "conversations" c ' +
      'LEFT JOIN (SELECT "conversation_id", COUNT(*) AS "n" FROM "messages" GROUP BY "conversation_id") m ON m."conversation_id" = c."id" ' +
      `WHERE c."message_count" <> COALESCE(m."n", 0) ORDER BY c."id" LIMIT ${LISTED + 1}`,
  );
  if (counters.length > 0) {
    const mismatches = counters.slice(0, LISTED).map((r) => ({
      table: 'conversations',
      id: count(r['id']),
      column: 'message_count',
      stored: count(r['stored']),
      actual: count(r['actual']),
    }));
    throw new ImportConsistencyError(
      `The file's counters disagree with its rows: ${listed(
        mismatches,
        (m) => `conversation ${m.id} has message_count ${m.stored} but ${m.actual} message row(s)`,
        counters.length > LISTED,
      )}. Nothing was imported; correct message_count in the file (or export the source again)`,
      mismatches,
    );
  }
  const owners = await query(
    'SELECT m."id" AS "id", m."user_id" AS "stored", c."user_id" AS "actual" FROM "messages" m ' +
      'JOIN "conversations" c ON c."id" = m."conversation_id" ' +
      `WHERE m."user_id" <> c."user_id" ORDER BY m."id" LIMIT ${LISTED + 1}`,
  );
  if (owners.length > 0) {
    const mismatches = owners.slice(0, LISTED).map((r) => ({
      table: 'messages',
      id: count(r['id']),
      column: 'user_id',
      stored: count(r['stored']),
      actual: count(r['actual']),
    }));
    throw new ImportConsistencyError(
      `The file's messages disagree with their conversations: ${listed(
        mismatches,
        (m) => `message ${m.id} belongs to user ${m.stored} but its conversation to user ${m.actual}`,
        owners.length > LISTED,
      )}. Nothing was imported; correct the file (or export the source again)`,
      mismatches,
    );
  }
}
