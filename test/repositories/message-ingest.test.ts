// The set-based recording behind recordInbound, recordOutbound and
// recordInboundBatch (src/repositories/message-ingest.ts): chunking, result
// order, RETURNING-row matching, counters and previews of a whole batch, the
// all-or-nothing rule, and concurrent batches on PostgreSQL.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database';
import { LAST_MESSAGE_PREVIEW_LENGTH, Conversation } from '../../src/entities/conversation.entity';
import { Message, type MessageAttachment } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { MessageSource } from '../../src/enums';
import { EntityValidationError, ForeignKeyError } from '../../src/errors';
import { RECORD_BATCH_MAX, type RecordInboundInput, type RecordMessageResult } from '../../src/repositories/message.types';
import { makePost, makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { rejection } from '../support/errors';
import { conversationsOf, inbound, messagesOf } from '../support/messages';

/** A conversation's counters, for comparing two ways of recording the same messages. */
interface Counters {
  messageCount: number;
  lastMessageText: string | null;
  lastMessageAt: string | null;
}

const at = (minute: number, ms = 0): Date => new Date(Date.UTC(2025, 4, 1, 9, minute, 0, ms));

describe.each(engines())('recording messages set-based on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const uid = (prefix: string): string => `${prefix}-${engine}-${process.pid}-${++seq}`;

  /** Many users in a few multi-row inserts; their ids in creation order. */
  const newUsers = async (count: number): Promise<number[]> => {
    const ids: number[] = [];
    for (let start = 0; start < count; start += 250) {
      const n = Math.min(250, count - start);
      let k = 0;
      const marks = Array.from({ length: n }, () => (engine === 'postgres' ? `($${++k})` : '(?)')).join(', ');
      const rows = (await suite.db.manager.query(
        `INSERT INTO "users" ("psid") VALUES ${marks} RETURNING "id"`,
        Array.from({ length: n }, () => uid('bulk-psid')),
      )) as Array<{ id: number | string }>;
      ids.push(...rows.map((r) => Number(r.id)).sort((a, b) => a - b));
    }
    return ids;
  };
  const userRow = (id: number): Promise<User> => suite.db.manager.findOneByOrFail(User, { id });
  const countersOf = async (userId: number): Promise<Counters> => {
    const conversations = await conversationsOf(suite.db, userId);
    expect(conversations).toHaveLength(1);
    const c = conversations[0]!;
    return { messageCount: c.messageCount, lastMessageText: c.lastMessageText, lastMessageAt: c.lastMessageAt?.toISOString() ?? null };
  };
  /** Records `inputs` for one user as a batch and for another one at a time; returns both users' counters. */
  const batchAndOneByOne = async (
    make: (userId: number) => RecordInboundInput[],
    before: (userId: number) => Promise<unknown> = async () => undefined,
  ): Promise<{ batch: Counters; single: Counters; batchUser: number; singleUser: number }> => {
    const [a, b] = [await makeUser(suite.db), await makeUser(suite.db)];
    await before(a.id);
    await before(b.id);
    await suite.db.messages.recordInboundBatch(make(a.id));
    for (const input of make(b.id)) await suite.db.messages.recordInbound(input);
    return { batch: await countersOf(a.id), single: await countersOf(b.id), batchUser: a.id, singleUser: b.id };
  };

  describe('large batches', () => {
    it('records 1,200 messages over 600 users in input order, each created, with exact counters and latest times', async () => {
      const userIds = await newUsers(600);
      // Every user gets one message (37 is coprime to 600), a few of them several more; sentAt shuffled.
      const userOf = (i: number): number => userIds[i < 600 ? (i * 37) % 600 : ((i - 600) * (i - 600)) % 150]!;
      const sentOf = (i: number): Date => new Date(Date.UTC(2025, 0, 1) + ((i * 7919) % 1200) * 1000);
      const inputs = Array.from({ length: 1200 }, (_, i) =>
        inbound(userOf(i), { text: `bulk ${i}`, facebookMessageId: uid('bulk'), sentAt: sentOf(i) }),
      );
      const results = await suite.db.messages.recordInboundBatch(inputs);

      expect(results).toHaveLength(1200);
      expect(results.every((r) => r.created)).toBe(true);
      results.forEach((r, i) => {
        expect(r.message.text, `result ${i}`).toBe(`bulk ${i}`);
        expect(r.message.userId, `result ${i}`).toBe(userOf(i));
        expect(r.message.facebookMessageId, `result ${i}`).toBe(inputs[i]!.facebookMessageId);
      });
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1200);

      const expected = new Map<number, { count: number; latest: number; text: string }>();
      inputs.forEach((input, i) => {
        const e = expected.get(input.userId);
        const t = input.sentAt!.getTime();
        if (e === undefined) expected.set(input.userId, { count: 1, latest: t, text: `bulk ${i}` });
        else {
          e.count++;
          if (t >= e.latest) Object.assign(e, { latest: t, text: `bulk ${i}` });
        }
      });
      expect(expected.size).toBe(600);
      expect(Math.max(...[...expected.values()].map((e) => e.count))).toBeGreaterThan(2);

      const conversations = await suite.db.manager.find(Conversation);
      expect(conversations).toHaveLength(expected.size);
      for (const c of conversations) {
        const e = expected.get(c.userId);
        expect(e, `conversation of user ${c.userId}`).toBeDefined();
        expect({ count: c.messageCount, at: c.lastMessageAt?.getTime(), text: c.lastMessageText }, `user ${c.userId}`).toEqual({
          count: e!.count,
          at: e!.latest,
          text: e!.text,
        });
      }
      const users = await suite.db.manager.find(User);
      for (const u of users) {
        const e = expected.get(u.id);
        expect(u.lastMessageAt?.getTime() ?? null, `user ${u.id}`).toBe(e === undefined ? null : e.latest);
      }
      expect(await suite.db.manager.count(Message)).toBe(1200);
    });

    it('matches each result to its own input when messages without platform ids are mixed with keyed ones', async () => {
      const userIds = await newUsers(7);
      // 900 messages span three insert chunks; every third one has no platform id.
      const inputs = Array.from({ length: 900 }, (_, i) => {
        const userId = userIds[(i * 5) % 7]!;
        if (i % 3 === 0) return inbound(userId, { text: `keyless ${i}` });
        if (i % 3 === 1) return inbound(userId, { text: `fb ${i}`, facebookMessageId: uid('fb') });
        return inbound(userId, { text: `wa ${i}`, source: MessageSource.WHATSAPP, whatsappMessageId: uid('wa') });
      });
      const results = await suite.db.messages.recordInboundBatch(inputs);

      results.forEach((r, i) => {
        const input = inputs[i]!;
        expect([r.created, r.message.text, r.message.userId, r.message.source], `result ${i}`).toEqual([true, input.text, input.userId, input.source]);
        expect(r.message.facebookMessageId, `result ${i}`).toBe(input.facebookMessageId ?? null);
        expect(r.message.whatsappMessageId, `result ${i}`).toBe(input.whatsappMessageId ?? null);
      });
      // The returned ids are the stored rows of those texts.
      const stored = new Map((await suite.db.manager.find(Message)).map((m) => [m.id, m]));
      expect(stored.size).toBe(900);
      results.forEach((r, i) => expect(stored.get(r.message.id)?.text, `result ${i}`).toBe(inputs[i]!.text));
    });
  });

  describe('platform ids', () => {
    it('returns the first message, not created, when a later batch repeats only one of its two platform ids', async () => {
      const user = await makeUser(suite.db);
      const mid = uid('mid');
      const wamid = uid('wamid');
      const [first] = await suite.db.messages.recordInboundBatch([inbound(user.id, { text: 'both ids', facebookMessageId: mid, whatsappMessageId: wamid })]);
      expect(first?.created).toBe(true);

      const later = await suite.db.messages.recordInboundBatch([
        inbound(user.id, { text: 'same mid', facebookMessageId: mid }),
        inbound(user.id, { text: 'same wamid', whatsappMessageId: wamid }),
        inbound(user.id, { text: 'new mid, same wamid', facebookMessageId: uid('mid'), whatsappMessageId: wamid }),
      ]);
      for (const r of later) {
        expect(r.created).toBe(false);
        expect(r.message.id).toBe(first!.message.id);
        expect(r.message.text).toBe('both ids');
      }
      expect(await messagesOf(suite.db, user.id)).toHaveLength(1);
      expect((await countersOf(user.id)).messageCount).toBe(1);
    });

    it('returns the oldest earlier message when a message repeats the ids of two earlier messages of the same batch, as one at a time would', async () => {
      const make = (userId: number, mid: string, wamid: string): RecordInboundInput[] => [
        inbound(userId, { text: 'first (wamid)', whatsappMessageId: wamid }),
        inbound(userId, { text: 'second (mid)', facebookMessageId: mid, whatsappMessageId: uid('other') }),
        inbound(userId, { text: 'third (mid and wamid)', facebookMessageId: mid, whatsappMessageId: wamid }),
      ];
      const a = await makeUser(suite.db);
      const batch = await suite.db.messages.recordInboundBatch(make(a.id, uid('mid'), uid('wamid')));
      const b = await makeUser(suite.db);
      const single: RecordMessageResult[] = [];
      for (const input of make(b.id, uid('mid'), uid('wamid'))) single.push(await suite.db.messages.recordInboundDetailed(input));

      // One at a time, the third message finds both earlier ones and returns the oldest.
      expect(single.map((r) => [r.created, r.message.text])).toEqual([
        [true, 'first (wamid)'],
        [true, 'second (mid)'],
        [false, 'first (wamid)'],
      ]);
      expect(batch.map((r) => [r.created, r.message.text])).toEqual(single.map((r) => [r.created, r.message.text]));
      expect(batch[2]?.message.id).toBe(batch[0]?.message.id);
    });
  });

  describe('conversation counters and preview', () => {
    it('takes the latest sentAt as preview and time when a batch arrives out of order, the later input winning a tie', async () => {
      const make = (userId: number): RecordInboundInput[] => [
        inbound(userId, { text: 'c', sentAt: at(3) }),
        inbound(userId, { text: 'a', sentAt: at(1) }),
        inbound(userId, { text: 'e1', sentAt: at(5, 250) }),
        inbound(userId, { text: 'b', sentAt: at(2) }),
        inbound(userId, { text: 'e2', sentAt: at(5, 250) }),
        inbound(userId, { text: 'd', sentAt: at(4) }),
      ];
      const { batch, single, batchUser } = await batchAndOneByOne(make);
      expect(batch).toEqual({ messageCount: 6, lastMessageText: 'e2', lastMessageAt: at(5, 250).toISOString() });
      expect(batch).toEqual(single);
      expect((await userRow(batchUser)).lastMessageAt?.toISOString()).toBe(at(5, 250).toISOString());
    });

    it('counts a batch older than the conversation without moving its preview or time', async () => {
      const before = (userId: number): Promise<unknown> => suite.db.messages.recordInbound(inbound(userId, { text: 'latest', sentAt: at(30) }));
      const make = (userId: number): RecordInboundInput[] => [
        inbound(userId, { text: 'old 2', sentAt: at(2) }),
        inbound(userId, { text: 'old 1', sentAt: at(1) }),
        inbound(userId, { text: 'old 3', sentAt: at(3) }),
      ];
      const { batch, single, batchUser } = await batchAndOneByOne(make, before);
      expect(batch).toEqual({ messageCount: 4, lastMessageText: 'latest', lastMessageAt: at(30).toISOString() });
      expect(batch).toEqual(single);
      expect((await userRow(batchUser)).lastMessageAt?.toISOString()).toBe(at(30).toISOString());
    });

    it('lets a batch message at exactly the conversation time replace the preview, as one at a time does', async () => {
      const before = (userId: number): Promise<unknown> => suite.db.messages.recordInbound(inbound(userId, { text: 'earlier text', sentAt: at(10) }));
      const make = (userId: number): RecordInboundInput[] => [
        inbound(userId, { text: 'same instant', sentAt: at(10) }),
        inbound(userId, { text: 'older', sentAt: at(9) }),
      ];
      const { batch, single } = await batchAndOneByOne(make, before);
      expect(batch).toEqual({ messageCount: 3, lastMessageText: 'same instant', lastMessageAt: at(10).toISOString() });
      expect(batch).toEqual(single);
    });

    it('keeps at most 500 code points of the text as preview without splitting an emoji', async () => {
      const user = await makeUser(suite.db);
      const text = '😀'.repeat(600);
      const [result] = await suite.db.messages.recordInboundBatch([inbound(user.id, { text, sentAt: at(2) }), inbound(user.id, { text: 'older', sentAt: at(1) })]);
      expect(result?.message.text).toBe(text);
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.lastMessageText).toBe('😀'.repeat(LAST_MESSAGE_PREVIEW_LENGTH));
      expect(Array.from(conversation?.lastMessageText ?? '')).toHaveLength(500);
      expect(conversation?.lastMessageText?.length).toBe(1000);
      const stored = (await messagesOf(suite.db, user.id)).find((m) => m.id === result?.message.id);
      expect(stored?.text).toBe(text);
    });

    it('gives every result its conversation as it is after the whole batch, duplicates included', async () => {
      const user = await makeUser(suite.db);
      const other = await makeUser(suite.db);
      const oldMid = uid('mid');
      const oldWamid = uid('wamid');
      const known = await suite.db.messages.recordInboundDetailed(inbound(user.id, { text: 'known', facebookMessageId: oldMid }));
      const elsewhere = await suite.db.messages.recordInboundDetailed(inbound(other.id, { text: 'elsewhere', source: MessageSource.WHATSAPP, whatsappMessageId: oldWamid }));
      const repeated = uid('mid');

      const results = await suite.db.messages.recordInboundBatch([
        inbound(user.id, { text: 'one', facebookMessageId: repeated }),
        inbound(user.id, { text: 'dup of known', facebookMessageId: oldMid }),
        inbound(user.id, { text: 'two' }),
        inbound(user.id, { text: 'dup in batch', facebookMessageId: repeated }),
        inbound(user.id, { text: 'wa', source: MessageSource.WHATSAPP }),
        inbound(other.id, { text: 'dup of elsewhere', source: MessageSource.WHATSAPP, whatsappMessageId: oldWamid }),
        inbound(user.id, { text: 'three' }),
      ]);

      expect(results.map((r) => r.created)).toEqual([true, false, true, false, true, false, true]);
      const messengerId = known.conversation.id;
      for (const i of [0, 1, 2, 3, 6]) {
        expect(results[i]?.conversation.id, `result ${i}`).toBe(messengerId);
        expect(results[i]?.conversation.messageCount, `result ${i}`).toBe(4);
        expect(results[i]?.conversation.lastMessageText, `result ${i}`).toBe('three');
        expect(results[i]?.message.conversationId, `result ${i}`).toBe(messengerId);
      }
      expect(results[1]?.message.id).toBe(known.message.id);
      expect(results[3]?.message.id).toBe(results[0]?.message.id);
      expect(results[4]?.conversation).toMatchObject({ source: MessageSource.WHATSAPP, userId: user.id, messageCount: 1 });
      // A duplicate from a conversation the batch did not touch carries it too.
      expect(results[5]?.message.id).toBe(elsewhere.message.id);
      expect(results[5]?.conversation).toMatchObject({ id: elsewhere.conversation.id, userId: other.id, messageCount: 1 });
      expect(results.every((r) => r.conversation instanceof Conversation)).toBe(true);
    });

    it('opens a new active conversation for a user whose conversation was closed', async () => {
      const user = await makeUser(suite.db);
      const first = await suite.db.messages.recordInboundDetailed(inbound(user.id, { text: 'before close' }));
      const closed = await suite.db.conversations.close(first.conversation.id);
      expect(closed.isActive).toBe(false);

      const results = await suite.db.messages.recordInboundBatch([inbound(user.id, { text: 'again 1' }), inbound(user.id, { text: 'again 2' })]);
      const opened = results[0]!.conversation;
      expect(opened.id).not.toBe(first.conversation.id);
      expect(opened).toMatchObject({ isActive: true, messageCount: 2, lastMessageText: 'again 2' });
      expect(results[1]?.message.conversationId).toBe(opened.id);
      const conversations = await conversationsOf(suite.db, user.id);
      expect(conversations.map((c) => [c.id, c.isActive, c.messageCount])).toEqual([
        [first.conversation.id, false, 1],
        [opened.id, true, 2],
      ]);
    });
  });

  describe('all or nothing', () => {
    it('raises ForeignKeyError for a postId naming no post in the middle of a batch and writes nothing of it', async () => {
      const fresh = await makeUser(suite.db);
      const known = await makeUser(suite.db);
      const post = await makePost(suite.db);
      await suite.db.messages.recordInbound(inbound(known.id, { text: 'kept', sentAt: at(1) }));
      const knownBefore = await countersOf(known.id);
      const knownUserBefore = (await userRow(known.id)).lastMessageAt?.toISOString();
      const messagesBefore = await suite.db.manager.count(Message);

      const error = await rejection(
        suite.db.messages.recordInboundBatch([
          inbound(fresh.id, { text: 'new user', facebookMessageId: uid('mid'), sentAt: at(5), postId: post.id }),
          inbound(known.id, { text: 'known user', sentAt: at(6) }),
          inbound(known.id, { text: 'bad post', postId: 987_654, sentAt: at(7) }),
          inbound(fresh.id, { text: 'after', source: MessageSource.WHATSAPP, sentAt: at(8) }),
        ]),
      );
      expect(error).toBeInstanceOf(ForeignKeyError);
      expect(await suite.db.manager.count(Message)).toBe(messagesBefore);
      expect(await messagesOf(suite.db, fresh.id)).toHaveLength(0);
      expect(await conversationsOf(suite.db, fresh.id)).toHaveLength(0);
      expect((await userRow(fresh.id)).lastMessageAt).toBeNull();
      expect(await countersOf(known.id)).toEqual(knownBefore);
      expect((await userRow(known.id)).lastMessageAt?.toISOString()).toBe(knownUserBefore);
    });

    it('refuses a batch whose last of 5,000 inputs is invalid without holding the event loop for the whole batch, writing nothing', async () => {
      const user = await makeUser(suite.db);
      const inputs = Array.from({ length: RECORD_BATCH_MAX }, (_, i) => inbound(user.id, { text: `m${i}` }));
      inputs[inputs.length - 1] = inbound(user.id, { text: 'bad\u0000' });
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const error = await rejection(suite.db.messages.recordInboundBatch(inputs));
      delay.disable();
      expect(error).toBeInstanceOf(EntityValidationError);
      // Validation yields every 250 inputs; one slice takes a few milliseconds, the whole batch far more.
      expect(delay.max / 1e6).toBeLessThan(150);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
    });
  });

  describe('values', () => {
    it('round-trips attachments and sentAt with milliseconds through a batch', async () => {
      const user = await makeUser(suite.db);
      const attachments: MessageAttachment[] = [
        { type: 'image', url: 'https://cdn.example.com/a.jpg', size: 1234, meta: { w: 640, h: 480, tags: ['x', 'ي'] } },
        { type: 'location', payload: { lat: 30.0444, long: 31.2357 } },
      ];
      const sentAt = new Date('2025-03-01T10:00:00.123Z');
      const other = new Date('2025-03-01T10:00:00.987Z');
      const results = await suite.db.messages.recordInboundBatch([
        inbound(user.id, { text: undefined, attachments, sentAt, facebookMessageId: uid('mid') }),
        inbound(user.id, { text: 'plain', sentAt: other }),
      ]);
      expect(results[0]?.message.attachments).toEqual(attachments);
      expect(results[0]?.message.sentAt?.toISOString()).toBe(sentAt.toISOString());
      expect(results[0]?.message.text).toBeNull();
      expect(results[1]?.message.attachments).toBeNull();
      expect(results[1]?.message.sentAt?.toISOString()).toBe(other.toISOString());

      const [stored, plain] = await messagesOf(suite.db, user.id);
      expect(stored?.attachments).toEqual(attachments);
      expect(stored?.sentAt?.toISOString()).toBe(sentAt.toISOString());
      expect(plain?.sentAt?.toISOString()).toBe(other.toISOString());
      expect((await conversationsOf(suite.db, user.id))[0]?.lastMessageAt?.toISOString()).toBe(other.toISOString());
      expect((await userRow(user.id)).lastMessageAt?.toISOString()).toBe(other.toISOString());
    });
  });

  describe.runIf(engine === 'postgres')('concurrent batches on two Database instances', () => {
    let second: Database;
    beforeAll(async () => {
      second = await openDatabase({ url: suite.db.options.url });
    });
    afterAll(async () => {
      await second?.close();
    });

    it('stores every shared platform id once, creates it in exactly one batch, and counts each distinct message once', async () => {
      const user = await makeUser(suite.db);
      const other = await makeUser(suite.db);
      for (let round = 0; round < 3; round++) {
        const ids = Array.from({ length: 300 }, () => uid('race'));
        // Batch A has ids 0..199, batch B 100..299; 100..199 are shared. Both also name a second user.
        const batch = (from: number, to: number, label: string): RecordInboundInput[] =>
          ids.slice(from, to).map((mid, k) => inbound(k % 10 === 0 ? other.id : user.id, { text: `${label} ${from + k}`, facebookMessageId: mid }));
        const [a, b] = await Promise.all([suite.db.messages.recordInboundBatch(batch(0, 200, 'A')), second.messages.recordInboundBatch(batch(100, 300, 'B'))]);

        const rows = (await suite.db.manager.query(
          'SELECT "facebook_message_id" AS "mid", COUNT(*)::int AS "n" FROM "messages" WHERE "facebook_message_id" = ANY($1) GROUP BY 1',
          [ids],
        )) as Array<{ mid: string; n: number }>;
        expect(rows).toHaveLength(300);
        expect(rows.every((r) => r.n === 1)).toBe(true);

        for (let i = 100; i < 200; i++) {
          const ra = a[i]!;
          const rb = b[i - 100]!;
          expect([ra.created, rb.created].filter(Boolean), `id ${i}`).toHaveLength(1);
          expect(ra.message.id, `id ${i}`).toBe(rb.message.id);
        }
        expect(a.slice(0, 100).every((r) => r.created)).toBe(true);
        expect(b.slice(100).every((r) => r.created)).toBe(true);

        const conversations = [...(await conversationsOf(suite.db, user.id)), ...(await conversationsOf(suite.db, other.id))];
        expect(conversations).toHaveLength(2);
        for (const c of conversations) {
          const rowsOfConversation = await suite.db.manager.count(Message, { where: { conversationId: c.id } });
          expect(c.messageCount).toBe(rowsOfConversation);
        }
        expect(conversations.reduce((n, c) => n + c.messageCount, 0)).toBe(300 * (round + 1));
      }
    });

    it('returns the messages a concurrent transaction committed while its insert waited, as not created, and counts them once', async () => {
      const user = await makeUser(suite.db);
      await suite.db.messages.recordInbound(inbound(user.id, { text: 'opens the conversation' }));
      const ids = Array.from({ length: 4 }, () => uid('held'));
      const batch = (from: number, to: number, label: string): RecordInboundInput[] =>
        ids.slice(from, to).map((mid, k) => inbound(user.id, { text: `${label} ${from + k}`, facebookMessageId: mid }));
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let written = (): void => undefined;
      const inserted = new Promise<void>((resolve) => (written = resolve));
      // A records ids 0..2 and keeps its transaction open; B (ids 1..3) cannot see them and must wait at its insert.
      const a = suite.db.transaction(async (tx) => {
        const results = await tx.messages.recordInboundBatch(batch(0, 3, 'A'));
        written();
        await held;
        return results;
      });
      await inserted;
      const b = second.messages.recordInboundBatch(batch(1, 4, 'B'));
      const deadline = Date.now() + 10_000;
      let waiting = 0;
      while (waiting === 0 && Date.now() < deadline) {
        const [row] = (await suite.db.manager.query(
          `SELECT COUNT(*)::int AS "n" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )) as Array<{ n: number }>;
        waiting = row?.n ?? 0;
        if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(waiting).toBeGreaterThan(0);
      release();
      const [ra, rb] = await Promise.all([a, b]);

      expect(ra.map((r) => r.created)).toEqual([true, true, true]);
      expect(rb.map((r) => [r.created, r.message.text])).toEqual([
        [false, 'A 1'],
        [false, 'A 2'],
        [true, 'B 3'],
      ]);
      expect(rb[0]?.message.id).toBe(ra[1]?.message.id);
      expect(rb[1]?.message.id).toBe(ra[2]?.message.id);
      expect(rb.map((r) => r.conversation.messageCount)).toEqual([5, 5, 5]);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(5);
      expect((await countersOf(user.id)).messageCount).toBe(5);
    });
  });
});
