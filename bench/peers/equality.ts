/**
 * The checks run before anything is timed: every contender must return what
 * the library returns (same rows, same order, same columns and values, after
 * normalisation), and its writes must leave the database as the library's
 * do. Any difference throws, naming the contender, and the bench fails.
 */
import { assertSame, canon } from './canonical';
import { keyOf } from './ingest-plan';
import { LIST_FOR_USER_ORDER } from './queries';
import type { Raw } from './raw';
import type { CanonRow, InboxAfter, IngestInput, Peer, Shapes } from './types';

/** Reads: the same calls through every contender, compared with the library's (contenders[0]). */
export async function checkReads(contenders: readonly Peer[], samples: { psids: string[]; userIds: number[]; after: InboxAfter[] }): Promise<number> {
  const [library, ...peers] = contenders;
  let checks = 0;
  const compare = async (what: string, call: (p: Peer) => Promise<unknown>, view: (p: Peer, r: unknown) => unknown): Promise<void> => {
    const expected = view(library!, await call(library!));
    for (const p of peers) {
      assertSame(what, p.name, expected, view(p, await call(p)));
      checks++;
    }
  };
  for (const psid of [...samples.psids, 'psid-does-not-exist']) await compare(`findByPsid(${psid})`, (p) => p.findByPsid(psid), (p, r) => p.view.user(r));
  await compare('inbox first page', (p) => p.inbox(), (p, r) => p.view.inbox(r));
  for (const a of samples.after) await compare(`inbox after ${a.at}:${a.id}`, (p) => p.inbox(a), (p, r) => p.view.inbox(r));
  for (const u of samples.userIds) {
    await compare(`listForUser(${u}) (ordered by ${LIST_FOR_USER_ORDER}: is that still the library's order? see LIST_FOR_USER_ORDER in bench/peers/queries.ts)`, (p) => p.listForUser(u), (p, r) => p.view.messages(r));
  }
  return checks;
}

interface Before {
  conversations: Map<string, CanonRow | undefined>;
  users: Map<number, CanonRow>;
}

const pairOf = (i: IngestInput): string => `${i.userId}:${i.source}`;

async function snapshot(raw: Raw, shapes: Shapes, inputs: readonly IngestInput[]): Promise<Before> {
  const conversations = new Map<string, CanonRow | undefined>();
  const users = new Map<number, CanonRow>();
  for (const i of inputs) {
    const c = (await raw.all('SELECT * FROM "conversations" WHERE "user_id" = ? AND "source" = ? AND "is_active" = true', [i.userId, i.source]))[0];
    conversations.set(pairOf(i), c === undefined ? undefined : canon(shapes.conversation, c));
    users.set(i.userId, canon(shapes.user, (await raw.all('SELECT * FROM "users" WHERE "id" = ?', [i.userId]))[0]));
  }
  return { conversations, users };
}

/** What a recorded message says, without what differs by contender (ids, platform ids, text, times). */
function masked(row: CanonRow): CanonRow {
  // search_text follows text (every contender writes normalizeSearchText(text)).
  const { id, user_id, conversation_id, facebook_message_id, whatsapp_message_id, text, search_text, sent_at, created_at, updated_at, ...rest } = row;
  void [id, user_id, conversation_id, facebook_message_id, whatsapp_message_id, text, search_text, sent_at, created_at, updated_at];
  return rest;
}

/**
 * Checks one recording (a single message or a batch) by `peer`: the rows it
 * returned are the rows stored, in input order (a repeated platform id gives
 * the first one's row), and each conversation and user moved as the
 * library's bookkeeping says.
 */
async function checkRecorded(what: string, peer: Peer, raw: Raw, shapes: Shapes, inputs: readonly IngestInput[], returned: CanonRow[], before: Before): Promise<void> {
  const fail = (detail: string): never => {
    throw new Error(`bench equality check failed: ${what}: ${peer.name}: ${detail}`);
  };
  if (returned.length !== inputs.length) fail(`${returned.length} results for ${inputs.length} inputs`);
  const first = new Map<string, number>();
  for (let k = 0; k < inputs.length; k++) {
    const i = inputs[k]!;
    const column = i.fb !== null ? 'facebook_message_id' : 'whatsapp_message_id';
    const stored = (await raw.all(`SELECT * FROM "messages" WHERE "${column}" = ?`, [i.fb ?? i.wa]))[0];
    if (!stored) fail(`input ${k} (${keyOf(i)}) was not stored`);
    assertSame(`${what}: result ${k} is the stored row`, peer.name, canon(shapes.message, stored), returned[k]);
    const seen = first.get(keyOf(i));
    if (seen !== undefined) continue;
    first.set(keyOf(i), k);
    const r = returned[k]!;
    if (r['user_id'] !== i.userId || r['text'] !== i.text || r['source'] !== i.source || r['direction'] !== 'inbound' || r['sent_at'] !== new Date(i.at).toISOString()) {
      fail(`input ${k}: stored ${JSON.stringify(r)}`);
    }
  }
  const pairs = new Map<string, IngestInput[]>();
  for (const [key, k] of first) {
    void key;
    const i = inputs[k]!;
    pairs.set(pairOf(i), [...(pairs.get(pairOf(i)) ?? []), i]);
  }
  for (const [pair, fresh] of pairs) {
    const i = fresh[0]!;
    const now = (await raw.all('SELECT * FROM "conversations" WHERE "user_id" = ? AND "source" = ? AND "is_active" = true', [i.userId, i.source]))[0];
    if (!now) fail(`no active conversation for ${pair} after recording`);
    const after = canon(shapes.conversation, now);
    const prior = before.conversations.get(pair);
    const latest = fresh.reduce((a, b) => (b.at >= a.at ? b : a));
    const expectCount = (prior ? Number(prior['message_count']) : 0) + fresh.length;
    if (after['message_count'] !== expectCount) fail(`${pair}: message_count ${String(after['message_count'])}, expected ${expectCount}`);
    if (after['last_message_text'] !== latest.text) fail(`${pair}: last_message_text ${String(after['last_message_text'])}, expected ${latest.text}`);
    if (after['last_message_at'] !== new Date(latest.at).toISOString()) fail(`${pair}: last_message_at ${String(after['last_message_at'])}`);
    if (prior && after['id'] !== prior['id']) fail(`${pair}: recorded into conversation ${String(after['id'])}, not the active ${String(prior['id'])}`);
    for (const k of fresh.map((x) => first.get(keyOf(x))!)) if (returned[k]!['conversation_id'] !== after['id']) fail(`input ${k} not in the active conversation`);
    const user = canon(shapes.user, (await raw.all('SELECT * FROM "users" WHERE "id" = ?', [i.userId]))[0]);
    const was = before.users.get(i.userId)!['last_message_at'] as string | null;
    const newest = new Date(Math.max(...inputs.filter((x) => x.userId === i.userId).map((x) => x.at))).toISOString();
    const expectAt = was !== null && was > newest ? was : newest;
    if (user['last_message_at'] !== expectAt) fail(`user ${i.userId}: last_message_at ${String(user['last_message_at'])}, expected ${expectAt}`);
  }
}

/**
 * recordInbound and recordInboundBatch through every contender on its own
 * sample inputs (fresh platform ids, users given by `sample`): each result
 * checked against the database, and the returned messages equal to the
 * library's but for ids, text and times. A repeated delivery must return the
 * first recording and change nothing.
 */
export async function checkWrites(
  contenders: readonly Peer[],
  raw: Raw,
  shapes: Shapes,
  sample: (contender: number, slot: number) => IngestInput,
): Promise<number> {
  let checks = 0;
  const shapeOfLibrary: CanonRow[][] = [];
  for (let c = 0; c < contenders.length; c++) {
    const peer = contenders[c]!;
    const shapes_: CanonRow[][] = [];
    // One at a time: a user with an active conversation, one whose conversation is closed, a repeat delivery.
    for (const slot of [0, 1]) {
      const input = sample(c, slot);
      const before = await snapshot(raw, shapes, [input]);
      const result = peer.view.message(await peer.recordInbound(input));
      await checkRecorded(`recordInbound slot ${slot}`, peer, raw, shapes, [input], [result], before);
      const again = await snapshot(raw, shapes, [input]);
      const repeat = peer.view.message(await peer.recordInbound({ ...input, text: `${input.text} (again)` }));
      assertSame(`recordInbound repeated delivery returns the first recording`, peer.name, result, repeat);
      const after = await snapshot(raw, shapes, [input]);
      assertSame(`recordInbound repeated delivery changes nothing`, peer.name, again.conversations.get(pairOf(input)), after.conversations.get(pairOf(input)));
      shapes_.push([masked(result)]);
      checks += 3;
    }
    // A batch: several users, two messages of one conversation, a repeat inside the batch, a closed conversation.
    const a = sample(c, 2);
    const b = sample(c, 3);
    const closed = sample(c, 4);
    const a2 = { ...sample(c, 5), userId: a.userId, source: a.source, fb: a.fb === null ? null : `${a.fb}-2`, wa: a.wa === null ? null : `${a.wa}-2`, at: a.at + 1000 };
    const inputs = [a, b, { ...a, text: `${a.text} (repeat)` }, closed, a2];
    const before = await snapshot(raw, shapes, inputs);
    const results = peer.view.batch(await peer.recordInboundBatch(inputs));
    await checkRecorded('recordInboundBatch', peer, raw, shapes, inputs, results, before);
    shapes_.push(results.map(masked));
    checks += 1;
    if (c === 0) shapeOfLibrary.push(...shapes_);
    else assertSame('recorded messages (but ids, text and times)', peer.name, shapeOfLibrary, shapes_);
  }
  return checks;
}
