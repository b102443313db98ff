/**
 * The one description of what each benchmarked operation reads and writes,
 * which every contender follows: page sizes, filters, sort orders, and the
 * raw SQL of the raw-driver baselines. Drizzle, Kysely and TypeORM build the
 * same statements with their own builders from the constants here.
 */
import type { Engine } from './types';

/** Inbox page size; contenders fetch one more row to know whether a next page exists, as the library does. */
export const PAGE = 20;
/** messages.listForUser page size (+1 row, as above). */
export const LIST = 50;

/**
 * The sort column of messages.listForUser, newest first, ties by `id` descending.
 * THE ONE LINE TO CHANGE when the library orders by the platform's sent time:
 * set it to 'sent_at' (every contender and the raw SQL follow it).
 */
export const LIST_FOR_USER_ORDER = 'sent_at' as 'created_at' | 'sent_at';

/** The same property name, for the builders that speak camelCase (Drizzle, TypeORM). */
export const LIST_FOR_USER_ORDER_PROPERTY = LIST_FOR_USER_ORDER === 'created_at' ? 'createdAt' : 'sentAt';

/** The conversation keeps the first 500 code points of the last message (as the library does). */
export function preview(text: string): string {
  return text.length <= 500 ? text : Array.from(text).slice(0, 500).join('');
}

/** The SQL text of "now" as the library writes `updated_at`. */
export function nowSql(engine: Engine): string {
  return engine === 'sqlite' ? "strftime('%Y-%m-%d %H:%M:%f', 'now')" : 'CURRENT_TIMESTAMP';
}

/** A timestamp placeholder inside VALUES lists, where PostgreSQL cannot infer the type. */
function ts(engine: Engine): string {
  return engine === 'sqlite' ? '?' : 'CAST(? AS timestamptz)';
}

const later = (at: string): string => `CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ${at} THEN ${at} ELSE "last_message_at" END`;

/** Raw SQL of every operation, `?` placeholders (the pg baseline numbers them). */
export function rawSql(engine: Engine, userColumns: readonly string[]) {
  const now = nowSql(engine);
  const userSelect = userColumns.map((c) => `u."${c}" AS "u__${c}"`).join(', ');
  const inbox = (after: boolean): string =>
    `SELECT c.*, ${userSelect} FROM "conversations" c INNER JOIN "users" u ON u."id" = c."user_id" ` +
    `WHERE c."is_active" = true AND c."last_message_at" IS NOT NULL` +
    (after ? ' AND c."last_message_at" <= ? AND (c."last_message_at" < ? OR c."id" < ?)' : '') +
    ` ORDER BY c."last_message_at" DESC, c."id" DESC LIMIT ${PAGE + 1}`;
  const int = engine === 'sqlite' ? '?' : 'CAST(? AS integer)';
  const txt = engine === 'sqlite' ? '?' : 'CAST(? AS text)';
  const returningConversations = engine === 'sqlite' ? '*' : '"conversations".*';
  return {
    findByPsid: 'SELECT * FROM "users" WHERE "psid" = ? LIMIT 1',
    inboxFirst: inbox(false),
    inboxAfter: inbox(true),
    listForUser: `SELECT * FROM "messages" WHERE "user_id" = ? ORDER BY "${LIST_FOR_USER_ORDER}" DESC, "id" DESC LIMIT ${LIST + 1}`,

    // recordInbound, one message: the library's five statements (plus the open when needed).
    recordedFb: 'SELECT * FROM "messages" WHERE "facebook_message_id" = ?',
    recordedWa: 'SELECT * FROM "messages" WHERE "whatsapp_message_id" = ?',
    userAndActive:
      'SELECT u."id" AS "user_id", c."id" AS "conversation_id", c."source" AS "source" FROM "users" u ' +
      'LEFT JOIN "conversations" c ON c."user_id" = u."id" AND c."is_active" = true WHERE u."id" = ?',
    openConversation: `INSERT INTO "conversations" ("user_id", "source", "is_active", "message_count", "started_at") VALUES (?, ?, true, 0, ${now}) ON CONFLICT DO NOTHING RETURNING "id"`,
    activeOne: 'SELECT "id" FROM "conversations" WHERE "user_id" = ? AND "source" = ? AND "is_active" = true',
    insertMessage:
      'INSERT INTO "messages" ("user_id", "conversation_id", "facebook_message_id", "whatsapp_message_id", "text", "search_text", "direction", "source", "sent_at") ' +
      `VALUES (?, ?, ?, ?, ?, ?, 'inbound', ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
    bumpConversation:
      'UPDATE "conversations" SET "message_count" = "message_count" + 1, ' +
      '"last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= ? THEN ? ELSE "last_message_text" END, ' +
      `"last_message_at" = ${later('?')}, "updated_at" = ${now} WHERE "id" = ? RETURNING *`,
    bumpUser: `UPDATE "users" SET "last_message_at" = ${later('?')}, "updated_at" = ${now} WHERE "id" = ?`,

    // The set-based batch: one statement per step for the whole batch (callers chunk).
    recordedIn: (column: 'facebook_message_id' | 'whatsapp_message_id', n: number): string =>
      `SELECT * FROM "messages" WHERE "${column}" IN (${marks(n)})`,
    usersAndActiveIn: (n: number): string =>
      'SELECT u."id" AS "user_id", c."id" AS "conversation_id", c."source" AS "source" FROM "users" u ' +
      `LEFT JOIN "conversations" c ON c."user_id" = u."id" AND c."is_active" = true WHERE u."id" IN (${marks(n)})`,
    openConversations: (n: number): string =>
      `INSERT INTO "conversations" ("user_id", "source", "is_active", "message_count", "started_at") VALUES ` +
      Array.from({ length: n }, () => `(?, ?, true, 0, ${now})`).join(', ') +
      ' ON CONFLICT DO NOTHING RETURNING "id", "user_id", "source"',
    insertMessages: (n: number): string =>
      'INSERT INTO "messages" ("user_id", "conversation_id", "facebook_message_id", "whatsapp_message_id", "text", "search_text", "direction", "source", "sent_at") VALUES ' +
      Array.from({ length: n }, () => `(?, ?, ?, ?, ?, ?, 'inbound', ?, ${ts(engine)})`).join(', ') +
      ' ON CONFLICT DO NOTHING RETURNING *',
    // VALUES columns are column1..column4 on both engines: id, count, time, preview.
    bumpConversations: (n: number): string =>
      'UPDATE "conversations" SET "message_count" = "message_count" + v.column2, ' +
      '"last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= v.column3 THEN v.column4 ELSE "last_message_text" END, ' +
      `"last_message_at" = ${later('v.column3')}, "updated_at" = ${now} ` +
      `FROM (VALUES ${Array.from({ length: n }, () => `(${int}, ${int}, ${ts(engine)}, ${txt})`).join(', ')}) AS v ` +
      `WHERE "conversations"."id" = v.column1 RETURNING ${returningConversations}`,
    bumpUsers: (n: number): string =>
      `UPDATE "users" SET "last_message_at" = ${later('v.column2')}, "updated_at" = ${now} ` +
      `FROM (VALUES ${Array.from({ length: n }, () => `(${int}, ${ts(engine)})`).join(', ')}) AS v WHERE "users"."id" = v.column1`,
  };
}

export type RawSql = ReturnType<typeof rawSql>;

function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** Rows per multi-row statement, the library's chunk sizes (under both engines' parameter limits). */
export const CHUNK = { lookup: 500, insert: 400, update: 1000 } as const;

/** `items` in runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
