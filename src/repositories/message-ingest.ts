import type { EntityManager } from 'typeorm';
import type { Dialect, Row } from '../dialect/index';
import { Conversation, LAST_MESSAGE_PREVIEW_LENGTH } from '../entities/conversation.entity';
import { Message } from '../entities/message.entity';
import { User } from '../entities/user.entity';
import { MessageKind, type MessageSource } from '../enums';
import { searchTextOf } from '../search/normalize';
import { NotFoundError } from '../errors';
import { messageRecorded } from '../events/emit';
import type { DomainEvent } from '../events/types';
import type { RecordMessageResult } from './message.types';
import { chunks, columnOf, hydrateRow, marks, persistedValues, rowsOf, statement, type Plan } from './sql';

// Rows per statement: far under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const IDS_PER_LOOKUP = 500;
const MESSAGES_PER_INSERT = 400;
const ROWS_PER_UPDATE = 1000;

/** Columns an inbound or outbound message is inserted with; the rest take their defaults. */
const INSERTED: ReadonlyArray<keyof Message & string> = [
  'userId',
  'conversationId',
  'facebookMessageId',
  'whatsappMessageId',
  'kind',
  'text',
  'searchText',
  'attachments',
  'direction',
  'status',
  'source',
  'isAiResponse',
  'aiResponseTimeMs',
  'postId',
  'adCampaignId',
  'sentAt',
];

/**
 * Records validated messages in the caller's transaction, set-based: one
 * lookup of platform ids already recorded, one of users and their active
 * conversations, one insert per missing-conversation chunk, one
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING *` per chunk of messages, and
 * one counter `UPDATE` for all conversations and one for all users touched.
 * The result of every input is what recording them one at a time, in input
 * order, would give, except that each carries its conversation as it is after
 * the whole set.
 *
 * @internal
 */
export function* recordMessages(m: EntityManager, dialect: Dialect, messages: readonly Message[], events: DomainEvent[] | null = null): Plan<RecordMessageResult[]> {
  const recorded = yield* record(m, dialect, messages, true, events);
  return recorded as RecordMessageResult[];
}

/** {@link recordMessages} for callers that need the messages only: no conversation is read back. @internal */
export function* recordMessagesOnly(m: EntityManager, dialect: Dialect, messages: readonly Message[], events: DomainEvent[] | null = null): Plan<Message[]> {
  return (yield* record(m, dialect, messages, false, events)).map((r) => r.message);
}

/** A recorded message, with its conversation when it was asked for. */
interface Recorded {
  message: Message;
  conversation: Conversation | undefined;
  created: boolean;
}

/** `events`, when wanted, gets a `conversation.opened` per conversation opened and a `message.recorded` per new message, in input order. */
function* record(m: EntityManager, dialect: Dialect, messages: readonly Message[], withConversations: boolean, events: DomainEvent[] | null): Plan<Recorded[]> {
  const keysOf = messages.map(platformKeys);
  // A repeat of an earlier message of the same call is answered by it; the rest are candidates.
  const repeatOf = new Map<number, number>();
  const freshByKey = new Map<string, number>();
  const candidates: number[] = [];
  messages.forEach((_, i) => {
    const keys = keysOf[i]!;
    // The oldest earlier message under any of its ids, as a lookup one at a time would find.
    const earlier = Math.min(...keys.map((k) => freshByKey.get(k) ?? Infinity));
    if (earlier !== Infinity) return void repeatOf.set(i, earlier);
    candidates.push(i);
    for (const k of keys) freshByKey.set(k, i);
  });

  // Inserting with ON CONFLICT DO NOTHING tells a redelivery from a new message, so the common
  // case needs no lookup first. Only where a conversation would be opened is the platform id
  // looked up before: a redelivery must not open one.
  const conversationOf = yield* activeConversations(m, dialect, candidates.map((i) => messages[i]!));
  const existing = new Map<number, Row>();
  const unopened = candidates.filter((i) => !conversationOf.has(pairKey(messages[i]!.userId, messages[i]!.source)));
  if (unopened.length > 0) {
    const recorded = yield* recordedByPlatformId(m, dialect, unopened.flatMap((i) => keysOf[i]!));
    for (const i of unopened) {
      const before = firstRecorded(recorded, keysOf[i]!);
      if (before) existing.set(i, before);
    }
  }
  const fresh = candidates.filter((i) => !existing.has(i));
  yield* openConversations(m, dialect, conversationOf, fresh.map((i) => messages[i]!), events);
  for (const i of fresh) {
    const message = messages[i]!;
    message.conversationId = conversationOf.get(pairKey(message.userId, message.source))!;
  }

  const inserted = yield* insertMessages(m, dialect, fresh.map((i) => messages[i]!));
  // Reactions are kept but not counted: no message_count, preview or last_message_at change (as in Messenger's inbox).
  const updated = yield* bumpCounters(m, dialect, withConversations, fresh.filter((i, k) => inserted[k] !== undefined && messages[i]!.kind !== MessageKind.REACTION).map((i) => messages[i]!));

  // Fresh messages another transaction recorded first (their insert did nothing) are duplicates too.
  const lost = fresh.filter((_, k) => inserted[k] === undefined);
  if (lost.length > 0) {
    const winners = yield* recordedByPlatformId(m, dialect, lost.flatMap((i) => keysOf[i]!));
    for (const i of lost) {
      const winner = firstRecorded(winners, keysOf[i]!);
      if (!winner) throw new NotFoundError('Message', platformIdsOf(messages[i]!));
      existing.set(i, winner);
    }
  }

  const conversations = new Map<number, Conversation>();
  for (const row of updated) conversations.set(Number(row['id']), hydrateRow(m, Conversation, row));
  const unbumped = inserted.filter((row): row is Row => row !== undefined && row['kind'] === MessageKind.REACTION);
  if (withConversations) {
    const missing = [...new Set([...existing.values(), ...unbumped].map((row) => Number(row['conversation_id'])))].filter((id) => !conversations.has(id));
    for (const row of yield* rowsWithIds(m, dialect, 'conversations', missing)) conversations.set(Number(row['id']), hydrateRow(m, Conversation, row));
  }

  const results: Recorded[] = new Array(messages.length);
  fresh.forEach((i, k) => {
    const row = inserted[k];
    if (row !== undefined) results[i] = { message: hydrateRow(m, Message, row), conversation: conversations.get(Number(row['conversation_id'])), created: true };
  });
  for (const [i, row] of existing) {
    results[i] = { message: hydrateRow(m, Message, row), conversation: conversations.get(Number(row['conversation_id'])), created: false };
  }
  for (const [i, earlier] of repeatOf) results[i] = { ...results[earlier]!, created: false };
  if (events !== null) for (const r of results) if (r.created) events.push(messageRecorded(r.message));
  return results;
}

/** `fb:<mid>` / `wa:<wamid>`: the platform ids a message is known by. */
function platformKeys(message: Message): string[] {
  const keys: string[] = [];
  if (message.facebookMessageId) keys.push(`fb:${message.facebookMessageId}`);
  if (message.whatsappMessageId) keys.push(`wa:${message.whatsappMessageId}`);
  return keys;
}

function platformIdsOf(message: Message): { facebookMessageId?: string; whatsappMessageId?: string } {
  return {
    ...(message.facebookMessageId ? { facebookMessageId: message.facebookMessageId } : {}),
    ...(message.whatsappMessageId ? { whatsappMessageId: message.whatsappMessageId } : {}),
  };
}

/** Of the rows recorded under any of `keys`, the oldest (the one one-at-a-time recording would have found). */
function firstRecorded(recorded: ReadonlyMap<string, Row>, keys: readonly string[]): Row | undefined {
  let first: Row | undefined;
  for (const k of keys) {
    const row = recorded.get(k);
    if (row && (first === undefined || Number(row['id']) < Number(first['id']))) first = row;
  }
  return first;
}

/** Messages already recorded under these platform keys, by key. */
function* recordedByPlatformId(m: EntityManager, dialect: Dialect, keys: readonly string[]): Plan<Map<string, Row>> {
  const found = new Map<string, Row>();
  for (const [prefix, column] of [
    ['fb:', 'facebook_message_id'],
    ['wa:', 'whatsapp_message_id'],
  ] as const) {
    const ids = [...new Set(keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)))];
    for (const chunk of chunks(ids, IDS_PER_LOOKUP)) {
      const sql = statement(dialect, `recorded:${column}:${chunk.length}`, () => `SELECT * FROM "messages" WHERE "${column}" IN (${marks(chunk.length)})`);
      for (const row of yield* rowsOf(sql, chunk)) found.set(prefix + String(row[column]), row);
    }
  }
  return found;
}

/**
 * The active conversation id of every (user, source) the messages need that
 * has one. Throws NotFoundError for a user that does not exist.
 */
function* activeConversations(m: EntityManager, dialect: Dialect, messages: readonly Message[]): Plan<Map<string, number>> {
  const byPair = new Map<string, number>();
  const userIds = [...new Set(messages.map((message) => message.userId))];
  const users = new Set<number>();
  for (const chunk of chunks(userIds, IDS_PER_LOOKUP)) {
    const sql = statement(
      dialect,
      `active:${chunk.length}`,
      () =>
        `SELECT u."id" AS "user_id", c."id" AS "conversation_id", c."source" AS "source" FROM "users" u ` +
        `LEFT JOIN "conversations" c ON c."user_id" = u."id" AND c."is_active" = true WHERE u."id" IN (${marks(chunk.length)})`,
    );
    for (const row of yield* rowsOf(sql, chunk)) {
      users.add(Number(row['user_id']));
      if (row['conversation_id'] !== null) byPair.set(pairKey(Number(row['user_id']), String(row['source'])), Number(row['conversation_id']));
    }
  }
  for (const userId of userIds) if (!users.has(userId)) throw new NotFoundError('User', { id: userId });
  return byPair;
}

/**
 * Opens the conversations `byPair` lacks for these messages (adding their ids
 * to it); another caller may open one first, which is then used.
 */
function* openConversations(m: EntityManager, dialect: Dialect, byPair: Map<string, number>, messages: readonly Message[], events: DomainEvent[] | null): Plan<void> {
  const needed = new Map<string, { userId: number; source: MessageSource }>();
  for (const message of messages) {
    const key = pairKey(message.userId, message.source);
    if (!byPair.has(key)) needed.set(key, { userId: message.userId, source: message.source });
  }
  // More than one round only if another caller opens and closes a conversation in between.
  for (let round = 0; round < 3; round++) {
    const toOpen = [...needed].filter(([key]) => !byPair.has(key)).map(([, pair]) => pair);
    if (toOpen.length === 0) return;
    for (const chunk of chunks(toOpen, IDS_PER_LOOKUP)) {
      // DO NOTHING skips a pair a concurrent caller opened first (the partial unique index on
      // active conversations); on PostgreSQL it waits for that caller, so the re-read sees its row.
      const sql = statement(
        dialect,
        `open:${chunk.length}`,
        () =>
          `INSERT INTO "conversations" ("user_id", "source", "is_active", "message_count", "started_at") VALUES ` +
          Array.from({ length: chunk.length }, () => `(?, ?, true, 0, ${dialect.now})`).join(', ') +
          ` ON CONFLICT DO NOTHING RETURNING "id", "user_id", "source"`,
      );
      const rows = yield* rowsOf(sql, chunk.flatMap((p) => [p.userId, p.source]));
      for (const row of rows) {
        byPair.set(pairKey(Number(row['user_id']), String(row['source'])), Number(row['id']));
        events?.push({ type: 'conversation.opened', conversationId: Number(row['id']), userId: Number(row['user_id']), source: row['source'] as MessageSource });
      }
    }
    for (const pair of toOpen) {
      const key = pairKey(pair.userId, pair.source);
      if (byPair.has(key)) continue;
      const sql = statement(dialect, 'active-one', () => `SELECT "id" FROM "conversations" WHERE "user_id" = ? AND "source" = ? AND "is_active" = true`);
      const row = (yield* rowsOf(sql, [pair.userId, pair.source]))[0];
      if (row) byPair.set(key, Number(row['id']));
    }
  }
  const unopened = [...needed.values()].find((p) => !byPair.has(pairKey(p.userId, p.source)));
  if (unopened) throw new NotFoundError('Conversation', { ...unopened, isActive: true });
}

function pairKey(userId: number, source: string): string {
  return `${userId}:${source}`;
}

/**
 * Inserts the messages; returns, aligned with them, each inserted row as
 * stored, or `undefined` where a concurrent transaction recorded its platform
 * id first. ON CONFLICT DO NOTHING (not an error) keeps a PostgreSQL
 * transaction usable after such a race.
 */
function* insertMessages(m: EntityManager, dialect: Dialect, messages: readonly Message[]): Plan<Array<Row | undefined>> {
  const out: Array<Row | undefined> = [];
  const persist = persistedValues(m, Message, INSERTED);
  for (const chunk of chunks(messages, MESSAGES_PER_INSERT)) {
    const sql = statement(
      dialect,
      `insert:${chunk.length}`,
      () =>
        `INSERT INTO "messages" (${INSERTED.map((p) => `"${columnOf(m, Message, p).databaseName}"`).join(', ')}) VALUES ` +
        Array.from({ length: chunk.length }, () => `(${marks(INSERTED.length)})`).join(', ') +
        ' ON CONFLICT DO NOTHING RETURNING *',
    );
    // The search form of the text, once per message, in the same INSERT.
    for (const message of chunk) message.searchText = searchTextOf(message.text);
    const rows = yield* rowsOf(sql, chunk.flatMap(persist));
    // RETURNING order is not promised: rows with a platform id are matched by it, the
    // rest (they cannot conflict) by id, which both engines assign in VALUES order.
    const byKey = new Map<string, Row>();
    const keyless: Row[] = [];
    for (const row of rows) {
      const key = row['facebook_message_id'] ? `fb:${String(row['facebook_message_id'])}` : row['whatsapp_message_id'] ? `wa:${String(row['whatsapp_message_id'])}` : null;
      if (key === null) keyless.push(row);
      else byKey.set(key, row);
    }
    keyless.sort((a, b) => Number(a['id']) - Number(b['id']));
    let next = 0;
    for (const message of chunk) {
      const keys = platformKeys(message);
      out.push(keys.length === 0 ? keyless[next++] : byKey.get(keys[0]!));
    }
  }
  return out;
}

/**
 * Counts newly inserted messages into their conversations and users, one
 * `UPDATE ... FROM (VALUES ...)` per table and chunk. Per conversation the
 * latest message (by `sentAt`, the later in input order on a tie) sets the
 * preview and the time, so the result equals applying them one by one.
 * Returns the conversations' rows after the update.
 */
function* bumpCounters(m: EntityManager, dialect: Dialect, returning: boolean, messages: readonly Message[]): Plan<Row[]> {
  const conversations = new Map<number, { count: number; at: Date; text: string | null }>();
  const users = new Map<number, Date>();
  for (const message of messages) {
    const at = message.sentAt ?? new Date();
    const c = conversations.get(message.conversationId);
    if (c === undefined) conversations.set(message.conversationId, { count: 1, at, text: message.text });
    else {
      c.count++;
      if (at.getTime() >= c.at.getTime()) Object.assign(c, { at, text: message.text });
    }
    const u = users.get(message.userId);
    if (u === undefined || u.getTime() < at.getTime()) users.set(message.userId, at);
  }
  const ts = dialect.timestampPlaceholder;
  const int = 'CAST(? AS integer)';
  const now = dialect.now;
  const later = (at: string): string => `CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ${at} THEN ${at} ELSE "last_message_at" END`;
  const updated: Row[] = [];
  for (const chunk of chunks([...conversations], ROWS_PER_UPDATE)) {
    // VALUES columns are column1..column4 on both engines: id, count, time, preview.
    const sql = statement(
      dialect,
      `bump-conversations:${returning ? 'returning' : 'quiet'}:${chunk.length}`,
      () =>
        `UPDATE "conversations" SET "message_count" = "message_count" + v.column2, ` +
        `"last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= v.column3 THEN v.column4 ELSE "last_message_text" END, ` +
        `"last_message_at" = ${later('v.column3')}, "updated_at" = ${now} ` +
        `FROM (VALUES ${Array.from({ length: chunk.length }, () => `(${int}, ${int}, ${ts}, CAST(? AS text))`).join(', ')}) AS v ` +
        `WHERE "conversations"."id" = v.column1${returning ? ` RETURNING ${dialect.returningAll('conversations')}` : ''}`,
    );
    const params = chunk.flatMap(([id, c]) => [id, c.count, dialect.dateParam(c.at), preview(c.text)]);
    updated.push(...(yield* rowsOf(sql, params)));
  }
  for (const chunk of chunks([...users], ROWS_PER_UPDATE)) {
    const sql = statement(
      dialect,
      `bump-users:${chunk.length}`,
      () =>
        `UPDATE "users" SET "last_message_at" = ${later('v.column2')}, "updated_at" = ${now} ` +
        `FROM (VALUES ${Array.from({ length: chunk.length }, () => `(${int}, ${ts})`).join(', ')}) AS v WHERE "users"."id" = v.column1`,
    );
    yield* rowsOf(sql, chunk.flatMap(([id, at]) => [id, dialect.dateParam(at)]));
  }
  return updated;
}

/** The conversation's `last_message_text` for a message: its first 500 code points, so an emoji is never split. */
function preview(text: string | null): string | null {
  return text === null ? null : Array.from(text).slice(0, LAST_MESSAGE_PREVIEW_LENGTH).join('');
}

function* rowsWithIds(m: EntityManager, dialect: Dialect, table: 'conversations', ids: readonly number[]): Plan<Row[]> {
  const rows: Row[] = [];
  for (const chunk of chunks(ids, IDS_PER_LOOKUP)) {
    const sql = statement(dialect, `${table}-by-id:${chunk.length}`, () => `SELECT * FROM "${table}" WHERE "id" IN (${marks(chunk.length)})`);
    rows.push(...(yield* rowsOf(sql, chunk)));
  }
  return rows;
}
