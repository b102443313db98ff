import type { Database } from '../../src/database';
import type { EngineName } from './engines';

/** `1..count` as a row source aliased `s` with column `n`, on either engine. */
function series(engine: EngineName, count: number): string {
  return engine === 'sqlite'
    ? `(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${count}) SELECT n FROM s) AS s`
    : `generate_series(1, ${count}) AS s(n)`;
}

/** How {@link fillSearchable} fills the database. */
export interface SearchableData {
  /** The prefix of the users' psids. */
  psid: string;
  /** Users, each with one Messenger conversation. */
  users: number;
  /** Messages, spread over the conversations in turn. */
  messages: number;
  /** The SQL of message `s.n`'s text, stored as its text and as its (already normal) `search_text`. */
  text: string;
}

/** Users, conversations and messages by raw SQL (as an import writes them), fast enough for tens of thousands of rows. */
export async function fillSearchable(db: Database, engine: EngineName, data: SearchableData): Promise<void> {
  const q = (sql: string): Promise<unknown> => db.manager.query(sql);
  await q(`INSERT INTO "users" ("psid") SELECT '${data.psid}' || n FROM ${series(engine, data.users)}`);
  await q(`INSERT INTO "conversations" ("user_id", "source", "is_active", "message_count", "started_at") SELECT "id", 'messenger', true, 0, CURRENT_TIMESTAMP FROM "users"`);
  await q(
    `INSERT INTO "messages" ("user_id", "conversation_id", "text", "search_text", "direction", "source", "sent_at")
     SELECT c."user_id", c."id", ${data.text}, ${data.text}, 'inbound', 'messenger', CURRENT_TIMESTAMP
     FROM ${series(engine, data.messages)} JOIN "conversations" c ON c."id" = (SELECT MIN("id") FROM "conversations") + (s.n % ${data.users})`,
  );
}
