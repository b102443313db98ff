/**
 * The bookkeeping of recordInbound and recordInboundBatch as the library does
 * it (src/repositories/message-ingest.ts), written once for every contender:
 * a generator that yields each database step it needs and receives its
 * answer. A contender runs it with its own statements, synchronously
 * (Drizzle on better-sqlite3, whose transactions are synchronous) or awaiting
 * each step. The generator itself is a few object allocations per step.
 */
import { CHUNK, chunks, preview } from './queries';
import type { IngestInput } from './types';

/** A recorded or inserted message row, with its platform key (`fb:<mid>` / `wa:<wamid>`), as the contender returns it. */
export interface Keyed {
  key: string;
  row: unknown;
}

export interface ConversationBump {
  id: number;
  count: number;
  /** The latest message's time (epoch ms) and preview. */
  at: number;
  text: string;
}

/** What the plan asks the contender to run, and what each answers. */
export type Step =
  | { kind: 'recorded'; column: 'facebook_message_id' | 'whatsapp_message_id'; ids: string[] } // -> Keyed[]
  | { kind: 'usersAndActive'; userIds: number[] } // -> Array<{ userId; conversationId: number | null; source: string | null }>
  | { kind: 'open'; pairs: Array<{ userId: number; source: string }> } // -> Array<{ id; userId; source }>
  | { kind: 'activeOne'; userId: number; source: string } // -> number | undefined
  | { kind: 'insert'; messages: Array<{ input: IngestInput; conversationId: number }> } // -> Keyed[]
  | { kind: 'bumpConversations'; conversations: ConversationBump[] } // -> unknown
  | { kind: 'bumpUsers'; users: Array<{ id: number; at: number }> }; // -> unknown

// The answer's type depends on the step's kind (noted beside each above), so the generator's
// input is `any` here and each `yield` site names the type it receives.
export type Plan<T> = Generator<Step, T, any>;

export function keyOf(input: IngestInput): string {
  return input.fb !== null ? `fb:${input.fb}` : `wa:${input.wa}`;
}

/** Runs a plan, each step answered synchronously. */
export function runSync<T>(plan: Plan<T>, answer: (step: Step) => unknown): T {
  let next = plan.next();
  while (!next.done) next = plan.next(answer(next.value));
  return next.value;
}

/** Runs a plan, awaiting each step's answer. */
export async function runAsync<T>(plan: Plan<T>, answer: (step: Step) => Promise<unknown>): Promise<T> {
  let next = plan.next();
  while (!next.done) next = plan.next(await answer(next.value));
  return next.value;
}

/**
 * One message: the recorded lookup, the user with its active conversations,
 * the open when needed, the insert, and the two counter updates. Returns the
 * message row (the one recorded before, for a repeated platform id).
 */
export function* recordOne(input: IngestInput): Plan<unknown> {
  const [column, id] = input.fb !== null ? (['facebook_message_id', input.fb] as const) : (['whatsapp_message_id', input.wa!] as const);
  const rows: Array<{ userId: number; conversationId: number | null; source: string | null }> = yield { kind: 'usersAndActive', userIds: [input.userId] };
  if (rows.length === 0) throw new Error(`no user ${input.userId}`);
  let conversationId = rows.find((r) => r.source === input.source)?.conversationId ?? undefined;
  if (conversationId === undefined) {
    // Only where a conversation would be opened is the platform id looked up first: a redelivery must not open one.
    const before: Keyed[] = yield { kind: 'recorded', column, ids: [id] };
    if (before.length > 0) return before[0]!.row;
    const opened: Array<{ id: number }> = yield { kind: 'open', pairs: [{ userId: input.userId, source: input.source }] };
    conversationId = opened[0]?.id ?? ((yield { kind: 'activeOne', userId: input.userId, source: input.source }) as number | undefined);
    if (conversationId === undefined) throw new Error(`no active conversation for user ${input.userId}`);
  }
  // ON CONFLICT DO NOTHING tells a redelivery (or a concurrent writer's row) from a new message.
  const inserted: Keyed[] = yield { kind: 'insert', messages: [{ input, conversationId }] };
  if (inserted.length === 0) {
    const winner: Keyed[] = yield { kind: 'recorded', column, ids: [id] };
    return winner[0]!.row;
  }
  yield { kind: 'bumpConversations', conversations: [{ id: conversationId, count: 1, at: input.at, text: preview(input.text) }] };
  yield { kind: 'bumpUsers', users: [{ id: input.userId, at: input.at }] };
  return inserted[0]!.row;
}

/**
 * A batch, set-based, as the library records one: repeats inside the batch
 * dropped, one lookup of users and active conversations, the recorded
 * platform ids looked up only for messages whose conversation would be
 * opened, one open of the missing ones, multi-row inserts (ON CONFLICT DO
 * NOTHING tells redeliveries apart), one counter update for all conversations
 * and one for all users (chunked at the library's sizes). Returns the message
 * rows in input order.
 */
export function* recordBatch(inputs: readonly IngestInput[]): Plan<unknown[]> {
  const recorded = new Map<string, unknown>();
  const candidates: IngestInput[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const key = keyOf(input);
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(input);
  }

  const pair = (userId: number, source: string): string => `${userId}:${source}`;
  const active = new Map<string, number>();
  const userIds = [...new Set(candidates.map((i) => i.userId))];
  const users = new Set<number>();
  for (const chunk of chunks(userIds, CHUNK.lookup)) {
    const rows: Array<{ userId: number; conversationId: number | null; source: string | null }> = yield { kind: 'usersAndActive', userIds: chunk };
    for (const r of rows) {
      users.add(r.userId);
      if (r.conversationId !== null) active.set(pair(r.userId, r.source!), r.conversationId);
    }
  }
  for (const u of userIds) if (!users.has(u)) throw new Error(`no user ${u}`);
  const unopened = candidates.filter((i) => !active.has(pair(i.userId, i.source)));
  for (const column of ['facebook_message_id', 'whatsapp_message_id'] as const) {
    const ids = [...new Set(unopened.map((i) => (column === 'facebook_message_id' ? i.fb : i.wa)).filter((v): v is string => v !== null))];
    for (const chunk of chunks(ids, CHUNK.lookup)) {
      const found: Keyed[] = yield { kind: 'recorded', column, ids: chunk };
      for (const k of found) recorded.set(k.key, k.row);
    }
  }
  const fresh = candidates.filter((i) => !recorded.has(keyOf(i)));
  const toOpen = new Map<string, { userId: number; source: string }>();
  for (const i of fresh) if (!active.has(pair(i.userId, i.source))) toOpen.set(pair(i.userId, i.source), { userId: i.userId, source: i.source });
  for (const chunk of chunks([...toOpen.values()], CHUNK.lookup)) {
    const opened: Array<{ id: number; userId: number; source: string }> = yield { kind: 'open', pairs: chunk };
    for (const o of opened) active.set(pair(o.userId, o.source), o.id);
  }
  for (const p of toOpen.values()) {
    if (active.has(pair(p.userId, p.source))) continue;
    const id: number | undefined = yield { kind: 'activeOne', userId: p.userId, source: p.source };
    if (id === undefined) throw new Error(`no active conversation for user ${p.userId}`);
    active.set(pair(p.userId, p.source), id);
  }

  const inserted = new Map<string, unknown>();
  const placed = fresh.map((input) => ({ input, conversationId: active.get(pair(input.userId, input.source))! }));
  for (const chunk of chunks(placed, CHUNK.insert)) {
    const rows: Keyed[] = yield { kind: 'insert', messages: chunk };
    for (const k of rows) inserted.set(k.key, k.row);
  }

  const conversations = new Map<number, ConversationBump>();
  const lastContact = new Map<number, number>();
  for (const { input, conversationId } of placed) {
    if (!inserted.has(keyOf(input))) continue;
    const c = conversations.get(conversationId);
    if (c === undefined) conversations.set(conversationId, { id: conversationId, count: 1, at: input.at, text: preview(input.text) });
    else {
      c.count++;
      if (input.at >= c.at) ((c.at = input.at), (c.text = preview(input.text)));
    }
    const u = lastContact.get(input.userId);
    if (u === undefined || u < input.at) lastContact.set(input.userId, input.at);
  }
  for (const chunk of chunks([...conversations.values()], CHUNK.update)) yield { kind: 'bumpConversations', conversations: chunk };
  for (const chunk of chunks([...lastContact].map(([id, at]) => ({ id, at })), CHUNK.update)) yield { kind: 'bumpUsers', users: chunk };

  const lost = fresh.filter((i) => !inserted.has(keyOf(i)));
  for (const i of lost) {
    const [column, id] = i.fb !== null ? (['facebook_message_id', i.fb] as const) : (['whatsapp_message_id', i.wa!] as const);
    const winner: Keyed[] = yield { kind: 'recorded', column, ids: [id] };
    recorded.set(keyOf(i), winner[0]!.row);
  }
  return inputs.map((i) => inserted.get(keyOf(i)) ?? recorded.get(keyOf(i)));
}
