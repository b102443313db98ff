/**
 * Drizzle ORM as a contender, the way its docs recommend for hot paths:
 * prepared statements (`.prepare()`) with `sql.placeholder` values. On
 * better-sqlite3 Drizzle's transactions are synchronous, so recordInbound
 * runs its statements synchronously inside `db.transaction`. On node-postgres
 * the reads are named prepared statements on a pool; inside a transaction the
 * statements are built on the transaction and prepared under fixed names
 * (a statement prepared on the pool would run outside the transaction).
 * Batches use the query builder's multi-row insert and `inArray`, and
 * `sql` templates for `UPDATE ... FROM (VALUES ...)`, which Drizzle has no
 * builder for.
 */
import { normalizeSearchText } from '../../src/search/normalize';
import type BetterSqlite3 from 'better-sqlite3';
import { and, desc, eq, inArray, isNotNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { Pool } from 'pg';
import { sqliteTime } from '../dataset';
import { canon } from './canonical';
import { pgConversations, pgMessages, pgUsers, sqliteConversations, sqliteMessages, sqliteUsers } from './drizzle-schema';
import { recordBatch, recordOne, runAsync, runSync, type Keyed, type Step } from './ingest-plan';
import { LIST, LIST_FOR_USER_ORDER_PROPERTY, PAGE } from './queries';
import type { IngestInput, Peer, Shapes } from './types';

// Placeholders in insert values go through the column encoder (a Date for timestamps); in a WHERE or in `sql` they go as they are.
const P = sql.placeholder;
type Obj = Record<string, unknown>;

const keyed = (row: Obj): Keyed => ({ key: row['facebookMessageId'] ? `fb:${String(row['facebookMessageId'])}` : `wa:${String(row['whatsappMessageId'])}`, row });

function views(shapes: Shapes): Peer['view'] {
  return {
    user: (r) => (r === undefined || r === null ? null : canon(shapes.user, Array.isArray(r) ? r[0] : r)),
    inbox: (r) => {
      const rows = r as Array<{ conversations: Obj; users: Obj }>;
      return { rows: rows.slice(0, PAGE).map((x) => ({ conversation: canon(shapes.conversation, x.conversations), user: canon(shapes.user, x.users) })), more: rows.length > PAGE };
    },
    messages: (r) => {
      const rows = r as Obj[];
      return { rows: rows.slice(0, LIST).map((x) => canon(shapes.message, x)), more: rows.length > LIST };
    },
    message: (r) => canon(shapes.message, r),
    batch: (r) => (r as Obj[]).map((x) => canon(shapes.message, x)),
  };
}

/** Drizzle on the library's better-sqlite3 connection. */
export function drizzleSqlitePeer(connection: BetterSqlite3.Database, shapes: Shapes): Peer {
  const db = drizzleSqlite({ client: connection });
  const users = sqliteUsers;
  const conversations = sqliteConversations;
  const messages = sqliteMessages;
  const now = sql`(strftime('%Y-%m-%d %H:%M:%f', 'now'))`;
  const later = (at: SQL): SQL =>
    sql`CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ${at} THEN ${at} ELSE "last_message_at" END`;

  const findByPsid = db.select().from(users).where(eq(users.psid, P('psid'))).limit(1).prepare();
  const inboxQuery = (after: boolean) =>
    db
      .select()
      .from(conversations)
      .innerJoin(users, eq(users.id, conversations.userId))
      .where(
        and(
          eq(conversations.isActive, true),
          isNotNull(conversations.lastMessageAt),
          ...(after ? [lte(conversations.lastMessageAt, P('at')), or(lt(conversations.lastMessageAt, P('at')), lt(conversations.id, P('id')))] : []),
        ),
      )
      .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
      .limit(PAGE + 1)
      .prepare();
  const inboxFirst = inboxQuery(false);
  const inboxAfter = inboxQuery(true);
  const listForUser = db
    .select()
    .from(messages)
    .where(eq(messages.userId, P('userId')))
    .orderBy(desc(messages[LIST_FOR_USER_ORDER_PROPERTY]), desc(messages.id))
    .limit(LIST + 1)
    .prepare();

  const recordedFb = db.select().from(messages).where(eq(messages.facebookMessageId, P('id'))).prepare();
  const recordedWa = db.select().from(messages).where(eq(messages.whatsappMessageId, P('id'))).prepare();
  const activeColumns = { userId: users.id, conversationId: conversations.id, source: conversations.source };
  const activeJoin = and(eq(conversations.userId, users.id), eq(conversations.isActive, true));
  const userAndActive = db.select(activeColumns).from(users).leftJoin(conversations, activeJoin).where(eq(users.id, P('id'))).prepare();
  const open = db
    .insert(conversations)
    .values({ userId: P('userId'), source: P('source'), isActive: true, messageCount: 0, startedAt: now })
    .onConflictDoNothing()
    .returning({ id: conversations.id })
    .prepare();
  const activeOne = db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.userId, P('userId')), eq(conversations.source, P('source')), eq(conversations.isActive, true)))
    .prepare();
  const insert = db
    .insert(messages)
    .values({
      userId: P('userId'),
      conversationId: P('conversationId'),
      facebookMessageId: P('fb'),
      whatsappMessageId: P('wa'),
      text: P('text'),
      searchText: P('searchText'),
      direction: 'inbound',
      source: P('source'),
      sentAt: P('at'),
    })
    .onConflictDoNothing()
    .returning()
    .prepare();
  const bumpConversation = db
    .update(conversations)
    .set({
      messageCount: sql`"message_count" + 1`,
      lastMessageText: sql`CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= ${P('at')} THEN ${P('text')} ELSE "last_message_text" END`,
      lastMessageAt: later(sql`${P('at')}`),
      updatedAt: now,
    })
    .where(eq(conversations.id, P('id')))
    .returning()
    .prepare();
  const bumpUser = db
    .update(users)
    .set({ lastMessageAt: later(sql`${P('at')}`), updatedAt: now })
    .where(eq(users.id, P('id')))
    .prepare();

  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  const one = (step: Step): unknown => {
    switch (step.kind) {
      case 'recorded':
        return (step.column === 'facebook_message_id' ? recordedFb : recordedWa).all({ id: step.ids[0] }).map(keyed);
      case 'usersAndActive':
        return userAndActive.all({ id: step.userIds[0] });
      case 'open': {
        const p = step.pairs[0]!;
        return open.all({ userId: p.userId, source: p.source }).map((r) => ({ ...r, ...p }));
      }
      case 'activeOne':
        return activeOne.get({ userId: step.userId, source: step.source })?.id;
      case 'insert': {
        const { input: i, conversationId } = step.messages[0]!;
        return insert.all({ userId: i.userId, conversationId, fb: i.fb, wa: i.wa, text: i.text, searchText: normalizeSearchText(i.text), source: i.source, at: new Date(i.at) }).map(keyed);
      }
      case 'bumpConversations': {
        const c = step.conversations[0]!;
        return bumpConversation.all({ id: c.id, at: sqliteTime(c.at), text: c.text });
      }
      case 'bumpUsers': {
        const u = step.users[0]!;
        return bumpUser.run({ id: u.id, at: sqliteTime(u.at) });
      }
    }
  };
  const many = (tx: Tx) => (step: Step): unknown => {
    switch (step.kind) {
      case 'recorded': {
        const column = step.column === 'facebook_message_id' ? messages.facebookMessageId : messages.whatsappMessageId;
        return tx.select().from(messages).where(inArray(column, step.ids)).all().map(keyed);
      }
      case 'usersAndActive':
        return tx.select(activeColumns).from(users).leftJoin(conversations, activeJoin).where(inArray(users.id, step.userIds)).all();
      case 'open':
        return tx
          .insert(conversations)
          .values(step.pairs.map((p) => ({ userId: p.userId, source: p.source, isActive: true, messageCount: 0, startedAt: now })))
          .onConflictDoNothing()
          .returning({ id: conversations.id, userId: conversations.userId, source: conversations.source })
          .all();
      case 'activeOne':
        return activeOne.get({ userId: step.userId, source: step.source })?.id;
      case 'insert':
        return tx
          .insert(messages)
          .values(
            step.messages.map(({ input: i, conversationId }) => ({
              userId: i.userId,
              conversationId,
              facebookMessageId: i.fb,
              whatsappMessageId: i.wa,
              text: i.text,
              searchText: normalizeSearchText(i.text),
              direction: 'inbound',
              source: i.source,
              sentAt: new Date(i.at),
            })),
          )
          .onConflictDoNothing()
          .returning()
          .all()
          .map(keyed);
      case 'bumpConversations': {
        const values = sql.join(step.conversations.map((c) => sql`(${c.id}, ${c.count}, ${sqliteTime(c.at)}, ${c.text})`), sql`, `);
        return tx.all(
          sql`UPDATE "conversations" SET "message_count" = "message_count" + v.column2, "last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= v.column3 THEN v.column4 ELSE "last_message_text" END, "last_message_at" = ${later(sql`v.column3`)}, "updated_at" = ${now} FROM (VALUES ${values}) AS v WHERE "conversations"."id" = v.column1 RETURNING *`,
        );
      }
      case 'bumpUsers': {
        const values = sql.join(step.users.map((u) => sql`(${u.id}, ${sqliteTime(u.at)})`), sql`, `);
        return tx.run(sql`UPDATE "users" SET "last_message_at" = ${later(sql`v.column2`)}, "updated_at" = ${now} FROM (VALUES ${values}) AS v WHERE "users"."id" = v.column1`);
      }
    }
  };

  return {
    name: 'drizzle',
    findByPsid: async (psid) => findByPsid.get({ psid }) ?? null,
    inbox: async (after) => (after ? inboxAfter.all({ at: sqliteTime(after.at), id: after.id }) : inboxFirst.all()),
    listForUser: async (userId) => listForUser.all({ userId }),
    recordInbound: async (input) => db.transaction(() => runSync(recordOne(input), one)),
    recordInboundBatch: async (inputs: readonly IngestInput[]) => db.transaction((tx) => runSync(recordBatch(inputs), many(tx))),
    view: views(shapes),
    close: async () => undefined,
  };
}

/** Drizzle on its own node-postgres pool. */
export function drizzlePgPeer(pool: Pool, shapes: Shapes): Peer {
  const db = drizzlePg({ client: pool });
  const users = pgUsers;
  const conversations = pgConversations;
  const messages = pgMessages;
  const now = sql`CURRENT_TIMESTAMP`;
  const later = (at: SQL): SQL =>
    sql`CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ${at} THEN ${at} ELSE "last_message_at" END`;

  const findByPsid = db.select().from(users).where(eq(users.psid, P('psid'))).limit(1).prepare('d_find_by_psid');
  const inboxQuery = (after: boolean) =>
    db
      .select()
      .from(conversations)
      .innerJoin(users, eq(users.id, conversations.userId))
      .where(
        and(
          eq(conversations.isActive, true),
          isNotNull(conversations.lastMessageAt),
          ...(after ? [lte(conversations.lastMessageAt, P('at')), or(lt(conversations.lastMessageAt, P('at')), lt(conversations.id, P('id')))] : []),
        ),
      )
      .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
      .limit(PAGE + 1)
      .prepare(after ? 'd_inbox_after' : 'd_inbox_first');
  const inboxFirst = inboxQuery(false);
  const inboxAfter = inboxQuery(true);
  const listForUser = db
    .select()
    .from(messages)
    .where(eq(messages.userId, P('userId')))
    .orderBy(desc(messages[LIST_FOR_USER_ORDER_PROPERTY]), desc(messages.id))
    .limit(LIST + 1)
    .prepare('d_list_for_user');

  const activeColumns = { userId: users.id, conversationId: conversations.id, source: conversations.source };
  const activeJoin = and(eq(conversations.userId, users.id), eq(conversations.isActive, true));
  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  const one = (tx: Tx) => async (step: Step): Promise<unknown> => {
    switch (step.kind) {
      case 'recorded': {
        const fb = step.column === 'facebook_message_id';
        return (
          await tx
            .select()
            .from(messages)
            .where(eq(fb ? messages.facebookMessageId : messages.whatsappMessageId, P('id')))
            .prepare(fb ? 'd_recorded_fb' : 'd_recorded_wa')
            .execute({ id: step.ids[0] })
        ).map(keyed);
      }
      case 'usersAndActive':
        return tx.select(activeColumns).from(users).leftJoin(conversations, activeJoin).where(eq(users.id, P('id'))).prepare('d_user_active').execute({ id: step.userIds[0] });
      case 'open': {
        const p = step.pairs[0]!;
        const rows = await tx
          .insert(conversations)
          .values({ userId: P('userId'), source: P('source'), isActive: true, messageCount: 0, startedAt: now })
          .onConflictDoNothing()
          .returning({ id: conversations.id })
          .prepare('d_open')
          .execute({ userId: p.userId, source: p.source });
        return rows.map((r) => ({ ...r, ...p }));
      }
      case 'activeOne':
        return (
          await tx
            .select({ id: conversations.id })
            .from(conversations)
            .where(and(eq(conversations.userId, step.userId), eq(conversations.source, step.source), eq(conversations.isActive, true)))
        )[0]?.id;
      case 'insert': {
        const { input: i, conversationId } = step.messages[0]!;
        const rows = await tx
          .insert(messages)
          .values({
            userId: P('userId'),
            conversationId: P('conversationId'),
            facebookMessageId: P('fb'),
            whatsappMessageId: P('wa'),
            text: P('text'),
            searchText: P('searchText'),
            direction: 'inbound',
            source: P('source'),
            sentAt: P('at'),
          })
          .onConflictDoNothing()
          .returning()
          .prepare('d_insert_message')
          .execute({ userId: i.userId, conversationId, fb: i.fb, wa: i.wa, text: i.text, searchText: normalizeSearchText(i.text), source: i.source, at: new Date(i.at) });
        return rows.map(keyed);
      }
      case 'bumpConversations': {
        const c = step.conversations[0]!;
        return tx
          .update(conversations)
          .set({
            messageCount: sql`"message_count" + 1`,
            lastMessageText: sql`CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= ${P('at')} THEN ${P('text')} ELSE "last_message_text" END`,
            lastMessageAt: later(sql`${P('at')}`),
            updatedAt: now,
          })
          .where(eq(conversations.id, P('id')))
          .returning()
          .prepare('d_bump_conversation')
          .execute({ id: c.id, at: new Date(c.at), text: c.text });
      }
      case 'bumpUsers': {
        const u = step.users[0]!;
        return tx
          .update(users)
          .set({ lastMessageAt: later(sql`${P('at')}`), updatedAt: now })
          .where(eq(users.id, P('id')))
          .prepare('d_bump_user')
          .execute({ id: u.id, at: new Date(u.at) });
      }
    }
  };
  const many = (tx: Tx) => async (step: Step): Promise<unknown> => {
    switch (step.kind) {
      case 'recorded': {
        const column = step.column === 'facebook_message_id' ? messages.facebookMessageId : messages.whatsappMessageId;
        return (await tx.select().from(messages).where(inArray(column, step.ids))).map(keyed);
      }
      case 'usersAndActive':
        return tx.select(activeColumns).from(users).leftJoin(conversations, activeJoin).where(inArray(users.id, step.userIds));
      case 'open':
        return tx
          .insert(conversations)
          .values(step.pairs.map((p) => ({ userId: p.userId, source: p.source, isActive: true, messageCount: 0, startedAt: now })))
          .onConflictDoNothing()
          .returning({ id: conversations.id, userId: conversations.userId, source: conversations.source });
      case 'activeOne':
        return one(tx)(step);
      case 'insert':
        return (
          await tx
            .insert(messages)
            .values(
              step.messages.map(({ input: i, conversationId }) => ({
                userId: i.userId,
                conversationId,
                facebookMessageId: i.fb,
                whatsappMessageId: i.wa,
                text: i.text,
                searchText: normalizeSearchText(i.text),
                direction: 'inbound',
                source: i.source,
                sentAt: new Date(i.at),
              })),
            )
            .onConflictDoNothing()
            .returning()
        ).map(keyed);
      case 'bumpConversations': {
        const values = sql.join(
          step.conversations.map((c) => sql`(CAST(${c.id} AS integer), CAST(${c.count} AS integer), CAST(${new Date(c.at).toISOString()} AS timestamptz), CAST(${c.text} AS text))`),
          sql`, `,
        );
        return tx.execute(
          sql`UPDATE "conversations" SET "message_count" = "message_count" + v.column2, "last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= v.column3 THEN v.column4 ELSE "last_message_text" END, "last_message_at" = ${later(sql`v.column3`)}, "updated_at" = ${now} FROM (VALUES ${values}) AS v WHERE "conversations"."id" = v.column1 RETURNING "conversations".*`,
        );
      }
      case 'bumpUsers': {
        const values = sql.join(step.users.map((u) => sql`(CAST(${u.id} AS integer), CAST(${new Date(u.at).toISOString()} AS timestamptz))`), sql`, `);
        return tx.execute(sql`UPDATE "users" SET "last_message_at" = ${later(sql`v.column2`)}, "updated_at" = ${now} FROM (VALUES ${values}) AS v WHERE "users"."id" = v.column1`);
      }
    }
  };

  return {
    name: 'drizzle',
    findByPsid: async (psid) => (await findByPsid.execute({ psid }))[0] ?? null,
    inbox: (after) => (after ? inboxAfter.execute({ at: new Date(after.at), id: after.id }) : inboxFirst.execute()),
    listForUser: (userId) => listForUser.execute({ userId }),
    recordInbound: (input) => db.transaction((tx) => runAsync(recordOne(input), one(tx))),
    recordInboundBatch: (inputs: readonly IngestInput[]) => db.transaction((tx) => runAsync(recordBatch(inputs), many(tx))),
    view: views(shapes),
    close: () => pool.end(),
  };
}
