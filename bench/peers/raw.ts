/**
 * The raw-driver baselines: hand-written SQL (bench/peers/queries.ts) on
 * better-sqlite3 (cached prepared statements on the library's own connection)
 * and on one pg client with named (prepared) statements. Two flavours of the
 * batch: `per-message` (recordInbound's statements for each message, one
 * transaction) and `set-based` (multi-row insert, `UPDATE ... FROM (VALUES ...)`).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Client } from 'pg';
import { normalizeSearchText } from '../../src/search/normalize';
import { sqliteTime } from '../dataset';
import { canon } from './canonical';
import { keyOf, recordBatch, recordOne, runAsync, type Keyed, type Step } from './ingest-plan';
import { PAGE, LIST, rawSql, type RawSql } from './queries';
import type { Engine, IngestInput, Peer, Shapes } from './types';

type Row = Record<string, unknown>;

/** Raw driver access with `?` placeholders (numbered for pg). */
export interface Raw {
  readonly engine: Engine;
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /** A timestamp parameter: SQLite's stored text, or a Date for pg. */
  time(ms: number): unknown;
}

/**
 * Cached statements on the library's better-sqlite3 connection. A second
 * connection would compete with it: each write through one drops the page
 * cache of the other (calls never overlap: the bench awaits each one).
 */
export function sqliteRaw(db: BetterSqlite3.Database): Raw {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const stmt = (sql: string): BetterSqlite3.Statement => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    engine: 'sqlite',
    all: async (sql, params = []) => {
      const s = stmt(sql);
      return s.reader ? (s.all(params) as Row[]) : (s.run(params), []);
    },
    tx: async (fn) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn();
        db.exec('COMMIT');
        return r;
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
    },
    time: (ms) => sqliteTime(ms),
  };
}

/** One pg client, every statement named: parsed and planned once per connection. */
export function pgRaw(client: Client): Raw {
  const names = new Map<string, { name: string; text: string }>();
  const named = (sql: string): { name: string; text: string } => {
    let n = names.get(sql);
    if (!n) {
      let k = 0;
      names.set(sql, (n = { name: `b${names.size}`, text: sql.replace(/\?/g, () => `$${++k}`) }));
    }
    return n;
  };
  return {
    engine: 'postgres',
    all: async (sql, params = []) => {
      const { name, text } = named(sql);
      return (await client.query({ name, text, values: params as unknown[] })).rows as Row[];
    },
    tx: async (fn) => {
      await client.query('BEGIN');
      try {
        const r = await fn();
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    },
    time: (ms) => new Date(ms),
  };
}

const keyed = (row: Row): Keyed => ({ key: row['facebook_message_id'] ? `fb:${String(row['facebook_message_id'])}` : `wa:${String(row['whatsapp_message_id'])}`, row });

/** Answers the ingest plan's steps with raw SQL: the one-row statements, or the multi-row ones (`set`). */
export function rawSteps(raw: Raw, sql: RawSql, set: boolean): (step: Step) => Promise<unknown> {
  return async (step) => {
    switch (step.kind) {
      case 'recorded': {
        const text = set ? sql.recordedIn(step.column, step.ids.length) : step.column === 'facebook_message_id' ? sql.recordedFb : sql.recordedWa;
        return (await raw.all(text, step.ids)).map(keyed);
      }
      case 'usersAndActive': {
        const rows = await raw.all(set ? sql.usersAndActiveIn(step.userIds.length) : sql.userAndActive, step.userIds);
        return rows.map((r) => ({ userId: Number(r['user_id']), conversationId: r['conversation_id'] === null ? null : Number(r['conversation_id']), source: r['source'] as string | null }));
      }
      case 'open': {
        if (!set) {
          const p = step.pairs[0]!;
          return (await raw.all(sql.openConversation, [p.userId, p.source])).map((r) => ({ id: Number(r['id']), userId: p.userId, source: p.source }));
        }
        const rows = await raw.all(sql.openConversations(step.pairs.length), step.pairs.flatMap((p) => [p.userId, p.source]));
        return rows.map((r) => ({ id: Number(r['id']), userId: Number(r['user_id']), source: String(r['source']) }));
      }
      case 'activeOne': {
        const row = (await raw.all(sql.activeOne, [step.userId, step.source]))[0];
        return row === undefined ? undefined : Number(row['id']);
      }
      case 'insert': {
        // The search form of the text, as the library writes it.
        const params = step.messages.flatMap(({ input: i, conversationId }) => [i.userId, conversationId, i.fb, i.wa, i.text, normalizeSearchText(i.text), i.source, raw.time(i.at)]);
        return (await raw.all(set ? sql.insertMessages(step.messages.length) : sql.insertMessage, params)).map(keyed);
      }
      case 'bumpConversations': {
        if (!set) {
          const c = step.conversations[0]!;
          const at = raw.time(c.at);
          return raw.all(sql.bumpConversation, [at, c.text, at, at, c.id]);
        }
        return raw.all(sql.bumpConversations(step.conversations.length), step.conversations.flatMap((c) => [c.id, c.count, raw.time(c.at), c.text]));
      }
      case 'bumpUsers': {
        if (!set) {
          const u = step.users[0]!;
          const at = raw.time(u.at);
          return raw.all(sql.bumpUser, [at, at, u.id]);
        }
        return raw.all(sql.bumpUsers(step.users.length), step.users.flatMap((u) => [u.id, raw.time(u.at)]));
      }
    }
  };
}

/** Row views shared by the contenders that return driver rows (raw, Kysely). */
export function rowViews(shapes: Shapes): Peer['view'] {
  return {
    user: (r) => {
      const row = Array.isArray(r) ? r[0] : r;
      return row === undefined || row === null ? null : canon(shapes.user, row);
    },
    inbox: (r) => {
      const rows = r as Row[];
      return { rows: rows.slice(0, PAGE).map((x) => ({ conversation: canon(shapes.conversation, x), user: canon(shapes.user, x, 'u__') })), more: rows.length > PAGE };
    },
    messages: (r) => {
      const rows = r as Row[];
      return { rows: rows.slice(0, LIST).map((x) => canon(shapes.message, x)), more: rows.length > LIST };
    },
    message: (r) => canon(shapes.message, r),
    batch: (r) => (r as Row[]).map((x) => canon(shapes.message, x)),
  };
}

/** The raw baseline as a contender; `batch` picks the per-message or the set-based batch. */
export function rawPeer(raw: Raw, shapes: Shapes, userColumns: readonly string[], batch: 'per-message' | 'set-based'): Peer {
  const sql = rawSql(raw.engine, userColumns);
  const one = rawSteps(raw, sql, false);
  const many = rawSteps(raw, sql, true);
  return {
    name: batch === 'per-message' ? 'raw' : 'raw set-based',
    findByPsid: async (psid) => (await raw.all(sql.findByPsid, [psid]))[0] ?? null,
    inbox: (after) => (after ? raw.all(sql.inboxAfter, [raw.time(after.at), raw.time(after.at), after.id]) : raw.all(sql.inboxFirst)),
    listForUser: (userId) => raw.all(sql.listForUser, [userId]),
    recordInbound: (input) => raw.tx(() => runAsync(recordOne(input), one)),
    recordInboundBatch: (inputs: readonly IngestInput[]) =>
      raw.tx(async () => {
        if (batch === 'set-based') return runAsync(recordBatch(inputs), many);
        const out: unknown[] = [];
        for (const input of inputs) out.push(await runAsync(recordOne(input), one));
        return out;
      }),
    view: rowViews(shapes),
    close: async () => undefined,
  };
}

export { keyOf };
