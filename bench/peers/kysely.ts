/**
 * Kysely as a contender: its query builder with the table types below
 * (snake_case, as Kysely is usually written against an existing schema), on
 * the library's better-sqlite3 connection (SqliteDialect) or its own pg pool
 * (PostgresDialect). Kysely compiles each query per call and returns driver
 * rows (no Date or boolean conversion), as it does by default. Batches use
 * multi-row `insertInto().values([...])` and `sql` templates for
 * `UPDATE ... FROM (VALUES ...)`.
 */
import { normalizeSearchText } from '../../src/search/normalize';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Generated, type RawBuilder, type Transaction } from 'kysely';
import type { Pool } from 'pg';
import { sqliteTime } from '../dataset';
import { recordBatch, recordOne, runAsync, type Keyed, type Step } from './ingest-plan';
import { LIST, LIST_FOR_USER_ORDER, PAGE, nowSql } from './queries';
import { rowViews } from './raw';
import type { Engine, IngestInput, Peer, Shapes } from './types';

/** Timestamps: SQLite text or pg Date on the way out, either on the way in. */
type Time = string | Date;

interface Stamps {
  id: Generated<number>;
  created_at: Generated<Time>;
  updated_at: Generated<Time>;
}

interface UsersTable extends Stamps {
  psid: string | null;
  phone_number: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  profile_pic_url: string | null;
  governorate: string | null;
  lead_stage: Generated<string>;
  customer_label: string | null;
  customer_type: Generated<string>;
  lead_score: Generated<number>;
  primary_source: string | null;
  notes: string | null;
  is_active: Generated<boolean | number>;
  last_message_at: Time | null;
}

interface ConversationsTable extends Stamps {
  user_id: number;
  source: string;
  is_active: Generated<boolean | number>;
  message_count: Generated<number>;
  last_message_text: string | null;
  last_message_at: Time | null;
  started_at: Time | null;
  ended_at: Time | null;
}

interface MessagesTable extends Stamps {
  user_id: number;
  conversation_id: number;
  facebook_message_id: string | null;
  whatsapp_message_id: string | null;
  text: string | null;
  search_text: string | null;
  attachments: unknown;
  direction: string;
  status: Generated<string>;
  source: string;
  is_ai_response: Generated<boolean | number>;
  ai_response_time_ms: number | null;
  post_id: number | null;
  ad_campaign_id: number | null;
  sent_at: Time | null;
  delivered_at: Time | null;
  read_at: Time | null;
}

interface DB {
  users: UsersTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
}

type Row = Record<string, unknown>;
const keyed = (row: Row): Keyed => ({ key: row['facebook_message_id'] ? `fb:${String(row['facebook_message_id'])}` : `wa:${String(row['whatsapp_message_id'])}`, row });

export function kyselyPeer(engine: Engine, target: { sqlite: BetterSqlite3.Database } | { pool: Pool }, shapes: Shapes, userColumns: readonly string[]): Peer {
  const db = new Kysely<DB>({ dialect: 'sqlite' in target ? new SqliteDialect({ database: target.sqlite }) : new PostgresDialect({ pool: target.pool }) });
  const time = (ms: number): Time => (engine === 'sqlite' ? sqliteTime(ms) : new Date(ms));
  // better-sqlite3 cannot bind booleans: the literal works on both engines.
  const TRUE = sql<boolean>`true`;
  const now = sql.raw<Time>(nowSql(engine));
  const later = (at: RawBuilder<unknown>): RawBuilder<Time> =>
    sql<Time>`CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ${at} THEN ${at} ELSE "last_message_at" END`;
  const userSelect = userColumns.map((c) => sql.ref(`u.${c}`).as(`u__${c}`));
  const typed = (expression: unknown, type: string): RawBuilder<unknown> => (engine === 'sqlite' ? sql`${expression}` : sql`CAST(${expression} AS ${sql.raw(type)})`);

  const answer = (tx: Transaction<DB>) => async (step: Step): Promise<unknown> => {
    switch (step.kind) {
      case 'recorded': {
        const q = tx.selectFrom('messages').selectAll();
        const rows = step.ids.length === 1 ? await q.where(step.column, '=', step.ids[0]!).execute() : await q.where(step.column, 'in', step.ids).execute();
        return (rows as Row[]).map(keyed);
      }
      case 'usersAndActive': {
        const q = tx
          .selectFrom('users as u')
          .leftJoin('conversations as c', (j) => j.onRef('c.user_id', '=', 'u.id').on('c.is_active', '=', TRUE))
          .select(['u.id as user_id', 'c.id as conversation_id', 'c.source as source']);
        const rows = step.userIds.length === 1 ? await q.where('u.id', '=', step.userIds[0]!).execute() : await q.where('u.id', 'in', step.userIds).execute();
        return rows.map((r) => ({ userId: Number(r.user_id), conversationId: r.conversation_id === null ? null : Number(r.conversation_id), source: r.source }));
      }
      case 'open': {
        const rows = await tx
          .insertInto('conversations')
          .values(step.pairs.map((p) => ({ user_id: p.userId, source: p.source, is_active: TRUE, message_count: 0, started_at: now })))
          .onConflict((oc) => oc.doNothing())
          .returning(['id', 'user_id', 'source'])
          .execute();
        return rows.map((r) => ({ id: Number(r.id), userId: Number(r.user_id), source: r.source }));
      }
      case 'activeOne': {
        const row = await tx
          .selectFrom('conversations')
          .select('id')
          .where('user_id', '=', step.userId)
          .where('source', '=', step.source)
          .where('is_active', '=', TRUE)
          .executeTakeFirst();
        return row === undefined ? undefined : Number(row.id);
      }
      case 'insert': {
        const rows = await tx
          .insertInto('messages')
          .values(
            step.messages.map(({ input: i, conversationId }) => ({
              user_id: i.userId,
              conversation_id: conversationId,
              facebook_message_id: i.fb,
              whatsapp_message_id: i.wa,
              text: i.text,
              search_text: normalizeSearchText(i.text),
              direction: 'inbound',
              source: i.source,
              sent_at: time(i.at),
            })),
          )
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .execute();
        return (rows as Row[]).map(keyed);
      }
      case 'bumpConversations': {
        if (step.conversations.length === 1) {
          const c = step.conversations[0]!;
          const at = time(c.at);
          return tx
            .updateTable('conversations')
            .set({
              message_count: sql<number>`"message_count" + 1`,
              last_message_text: sql<string>`CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= ${at} THEN ${c.text} ELSE "last_message_text" END`,
              last_message_at: later(sql`${at}`),
              updated_at: now,
            })
            .where('id', '=', c.id)
            .returningAll()
            .execute();
        }
        const values = sql.join(
          step.conversations.map((c) => sql`(${typed(c.id, 'integer')}, ${typed(c.count, 'integer')}, ${typed(time(c.at), 'timestamptz')}, ${typed(c.text, 'text')})`),
        );
        const returning = engine === 'sqlite' ? sql`*` : sql`"conversations".*`;
        return sql`UPDATE "conversations" SET "message_count" = "message_count" + v.column2, "last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= v.column3 THEN v.column4 ELSE "last_message_text" END, "last_message_at" = ${later(sql`v.column3`)}, "updated_at" = ${now} FROM (VALUES ${values}) AS v WHERE "conversations"."id" = v.column1 RETURNING ${returning}`.execute(tx);
      }
      case 'bumpUsers': {
        if (step.users.length === 1) {
          const u = step.users[0]!;
          return tx
            .updateTable('users')
            .set({ last_message_at: later(sql`${time(u.at)}`), updated_at: now })
            .where('id', '=', u.id)
            .execute();
        }
        const values = sql.join(step.users.map((u) => sql`(${typed(u.id, 'integer')}, ${typed(time(u.at), 'timestamptz')})`));
        return sql`UPDATE "users" SET "last_message_at" = ${later(sql`v.column2`)}, "updated_at" = ${now} FROM (VALUES ${values}) AS v WHERE "users"."id" = v.column1`.execute(tx);
      }
    }
  };

  const inbox = (after: { at: number; id: number } | undefined) => {
    let q = db
      .selectFrom('conversations as c')
      .innerJoin('users as u', 'u.id', 'c.user_id')
      .selectAll('c')
      .select(userSelect)
      .where('c.is_active', '=', TRUE)
      .where('c.last_message_at', 'is not', null);
    if (after) {
      const at = time(after.at);
      q = q.where('c.last_message_at', '<=', at).where((eb) => eb.or([eb('c.last_message_at', '<', at), eb('c.id', '<', after.id)]));
    }
    return q.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc').limit(PAGE + 1).execute();
  };

  return {
    name: 'kysely',
    findByPsid: async (psid) => (await db.selectFrom('users').selectAll().where('psid', '=', psid).limit(1).executeTakeFirst()) ?? null,
    inbox,
    listForUser: (userId) =>
      db.selectFrom('messages').selectAll().where('user_id', '=', userId).orderBy(LIST_FOR_USER_ORDER, 'desc').orderBy('id', 'desc').limit(LIST + 1).execute(),
    recordInbound: (input) => db.transaction().execute((tx) => runAsync(recordOne(input), answer(tx))),
    recordInboundBatch: (inputs: readonly IngestInput[]) => db.transaction().execute((tx) => runAsync(recordBatch(inputs), answer(tx))),
    view: rowViews(shapes),
    // Kysely's SqliteDialect closes the connection it was given: the library's, which closes it itself.
    close: async () => {
      if (!('sqlite' in target)) await db.destroy();
    },
  };
}
