/**
 * Checks run on the imported rows before the import commits: rows that are
 * valid one by one but disagree with each other, which no repository
 * method could have written. The repositories keep every conversation's
 * `message_count` equal to its messages (reactions aside) and put a message only in a
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

/** One cross-row rule: SQL selecting `id`, `stored` and `actual` of the rows that break it, and how to say so. */
interface Rule {
  table: string;
  column: string;
  sql: string;
  headline: string;
  describe: (m: ImportMismatch) => string;
  fix: string;
}

const RULES: readonly Rule[] = [
  {
    table: 'conversations',
    column: 'message_count',
    sql:
      'SELECT c."id" AS "id", c."message_count" AS "stored", COALESCE(m."n", 0) AS "actual" FROM "conversations" c ' +
      // Reactions are not counted (see MessageKind.REACTION).
      'LEFT JOIN (SELECT "conversation_id", COUNT(*) AS "n" FROM "messages" WHERE "kind" <> \'reaction\' GROUP BY "conversation_id") m ON m."conversation_id" = c."id" ' +
      `WHERE c."message_count" <> COALESCE(m."n", 0) ORDER BY c."id" LIMIT ${LISTED + 1}`,
    headline: "The file's counters disagree with its rows",
    describe: (m) => `conversation ${m.id} has message_count ${m.stored} but ${m.actual} message row(s)`,
    fix: 'correct message_count in the file (or export the source again)',
  },
  {
    table: 'messages',
    column: 'user_id',
    sql:
      'SELECT m."id" AS "id", m."user_id" AS "stored", c."user_id" AS "actual" FROM "messages" m ' +
      'JOIN "conversations" c ON c."id" = m."conversation_id" ' +
      `WHERE m."user_id" <> c."user_id" ORDER BY m."id" LIMIT ${LISTED + 1}`,
    headline: "The file's messages disagree with their conversations",
    describe: (m) => `message ${m.id} belongs to user ${m.stored} but its conversation to user ${m.actual}`,
    fix: 'correct the file (or export the source again)',
  },
];

/**
 * Throws {@link ImportConsistencyError} when a conversation's `message_count`
 * is not its number of messages in the file, or a message's user is not its
 * conversation's user.
 * @internal
 */
export async function checkConsistency(query: Query): Promise<void> {
  for (const rule of RULES) {
    const rows = await query(rule.sql);
    if (rows.length === 0) continue;
    const mismatches = rows.slice(0, LISTED).map((r) => ({
      table: rule.table,
      id: count(r['id']),
      column: rule.column,
      stored: count(r['stored']),
      actual: count(r['actual']),
    }));
    const more = rows.length > LISTED ? '; and more' : '';
    throw new ImportConsistencyError(
      `${rule.headline}: ${mismatches.map(rule.describe).join('; ')}${more}. Nothing was imported; ${rule.fix}`,
      mismatches,
    );
  }
}
