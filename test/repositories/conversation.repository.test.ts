import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/entities/conversation.entity';
import { User } from '../../src/entities/user.entity';
import { MessageSource } from '../../src/enums';
import { EntityValidationError, ForeignKeyError, InvalidCursorError, InvalidEnumValueError, NotFoundError } from '../../src/errors';
import { makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { firstIssue, rejection } from '../support/errors';
import { captureQueries, queryPlan } from '../support/query-plan';

describe.each(engines())('ConversationRepository on %s', (engine) => {
  // The inbox is global, so every test starts from an empty database.
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });

  /** An active conversation whose last message was at `at` (or none, for `null`). */
  const conversationAt = async (user: User, at: Date | null, source = MessageSource.MESSENGER): Promise<Conversation> => {
    const conversation = await suite.db.conversations.getOrOpen(user.id, source);
    if (at) await suite.db.messages.recordInbound({ userId: user.id, source, text: `at ${at.toISOString()}`, sentAt: at });
    return suite.db.manager.findOneByOrFail(Conversation, { id: conversation.id });
  };
  const minutes = (n: number): Date => new Date(Date.UTC(2025, 2, 1, 12, n));

  describe('getOrOpen', () => {
    it('opens an active conversation with startedAt now and no messages', async () => {
      const user = await makeUser(suite.db);
      const before = Date.now();
      const conversation = await suite.db.conversations.getOrOpen(user.id, MessageSource.WHATSAPP);
      expect(conversation).toBeInstanceOf(Conversation);
      expect(conversation.userId).toBe(user.id);
      expect(conversation.source).toBe(MessageSource.WHATSAPP);
      expect(conversation.isActive).toBe(true);
      expect(conversation.messageCount).toBe(0);
      expect(conversation.lastMessageAt).toBeNull();
      expect(conversation.startedAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    });

    it('returns the same active conversation on later calls', async () => {
      const user = await makeUser(suite.db);
      const first = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      const second = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      expect(second.id).toBe(first.id);
      expect(await suite.db.manager.countBy(Conversation, { userId: user.id })).toBe(1);
    });

    it('opens one conversation per channel', async () => {
      const user = await makeUser(suite.db);
      const messenger = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      const whatsapp = await suite.db.conversations.getOrOpen(user.id, MessageSource.WHATSAPP);
      expect(whatsapp.id).not.toBe(messenger.id);
    });

    it('opens exactly one conversation for many concurrent calls', async () => {
      const user = await makeUser(suite.db);
      const results = await Promise.all(Array.from({ length: 30 }, () => suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER)));
      expect(new Set(results.map((c) => c.id)).size).toBe(1);
      expect(await suite.db.manager.countBy(Conversation, { userId: user.id })).toBe(1);
    });

    it('opens a new conversation after the active one is closed', async () => {
      const user = await makeUser(suite.db);
      const first = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      await suite.db.conversations.close(first.id);
      const next = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      expect(next.id).not.toBe(first.id);
      expect(next.isActive).toBe(true);
    });

    it('refuses a bad source with InvalidEnumValueError', async () => {
      const user = await makeUser(suite.db);
      await expect(suite.db.conversations.getOrOpen(user.id, 'sms' as MessageSource)).rejects.toBeInstanceOf(InvalidEnumValueError);
      expect(await suite.db.manager.countBy(Conversation, { userId: user.id })).toBe(0);
    });

    it('refuses an unknown user with ForeignKeyError', async () => {
      await expect(suite.db.conversations.getOrOpen(987_654, MessageSource.MESSENGER)).rejects.toBeInstanceOf(ForeignKeyError);
      expect(await suite.db.manager.count(Conversation)).toBe(0);
    });

    it('refuses a user id that is not a positive whole number', async () => {
      await expect(suite.db.conversations.getOrOpen(-1, MessageSource.MESSENGER)).rejects.toBeInstanceOf(EntityValidationError);
    });
  });

  describe('findActive', () => {
    it('finds the active conversation of a channel, or null', async () => {
      const user = await makeUser(suite.db);
      expect(await suite.db.conversations.findActive(user.id, MessageSource.MESSENGER)).toBeNull();
      const opened = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      expect((await suite.db.conversations.findActive(user.id, MessageSource.MESSENGER))?.id).toBe(opened.id);
      await suite.db.conversations.close(opened.id);
      expect(await suite.db.conversations.findActive(user.id, MessageSource.MESSENGER)).toBeNull();
    });
  });

  describe('close', () => {
    it('marks the conversation inactive with endedAt now', async () => {
      const user = await makeUser(suite.db);
      const opened = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      const before = Date.now();
      const closed = await suite.db.conversations.close(opened.id);
      expect(closed.isActive).toBe(false);
      expect(closed.endedAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    });

    it('changes nothing when the conversation is already closed', async () => {
      const user = await makeUser(suite.db);
      const opened = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      const closed = await suite.db.conversations.close(opened.id);
      const again = await suite.db.conversations.close(opened.id);
      expect(again.isActive).toBe(false);
      expect(again.endedAt?.toISOString()).toBe(closed.endedAt?.toISOString());
      expect(again.updatedAt.toISOString()).toBe(closed.updatedAt.toISOString());
    });

    it('throws NotFoundError for an unknown id', async () => {
      await expect(suite.db.conversations.close(987_654)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('closeIdle', () => {
    it('closes active conversations idle since before the cut-off and counts them', async () => {
      const cutOff = minutes(30);
      const idle = await conversationAt(await makeUser(suite.db), minutes(10));
      const fresh = await conversationAt(await makeUser(suite.db), minutes(40));
      const atCutOff = await conversationAt(await makeUser(suite.db), cutOff);
      const neverWritten = await conversationAt(await makeUser(suite.db), null);
      await suite.db.manager.update(Conversation, { id: neverWritten.id }, { startedAt: minutes(5) });
      const openedRecently = await conversationAt(await makeUser(suite.db), null);
      await suite.db.manager.update(Conversation, { id: openedRecently.id }, { startedAt: minutes(50) });
      const alreadyClosed = await conversationAt(await makeUser(suite.db), minutes(1));
      await suite.db.conversations.close(alreadyClosed.id);

      expect(await suite.db.conversations.closeIdle(cutOff)).toBe(2);

      const state = async (c: Conversation): Promise<boolean> => (await suite.db.manager.findOneByOrFail(Conversation, { id: c.id })).isActive;
      expect(await state(idle)).toBe(false);
      expect(await state(neverWritten)).toBe(false);
      expect(await state(fresh)).toBe(true);
      expect(await state(atCutOff)).toBe(true);
      expect(await state(openedRecently)).toBe(true);
      expect((await suite.db.manager.findOneByOrFail(Conversation, { id: idle.id })).endedAt).toBeInstanceOf(Date);
      expect(await suite.db.conversations.closeIdle(cutOff)).toBe(0);
    });

    it('refuses an invalid date', async () => {
      await expect(suite.db.conversations.closeIdle(new Date('never'))).rejects.toBeInstanceOf(EntityValidationError);
    });
  });

  describe('inbox', () => {
    it('lists active conversations by last message, newest first, without messages last, users joined', async () => {
      const mona = await conversationAt(await makeUser(suite.db, { firstName: 'Mona' }), minutes(20));
      const ahmed = await conversationAt(await makeUser(suite.db, { firstName: 'Ahmed' }), minutes(40));
      const empty = await conversationAt(await makeUser(suite.db, { firstName: 'Sara' }), null);
      const omar = await conversationAt(await makeUser(suite.db, { firstName: 'Omar' }), minutes(30));
      const closed = await conversationAt(await makeUser(suite.db, { firstName: 'Gone' }), minutes(50));
      await suite.db.conversations.close(closed.id);

      const page = await suite.db.conversations.inbox();
      expect(page.items.map((c) => c.id)).toEqual([ahmed.id, omar.id, mona.id, empty.id]);
      expect(page.items.map((c) => c.user?.firstName)).toEqual(['Ahmed', 'Omar', 'Mona', 'Sara']);
      expect(page.items[0]?.user).toBeInstanceOf(User);
      expect(page.nextCursor).toBeNull();
    });

    it('breaks ties on last_message_at by id, newest first', async () => {
      const a = await conversationAt(await makeUser(suite.db), minutes(10));
      const b = await conversationAt(await makeUser(suite.db), minutes(10));
      const c = await conversationAt(await makeUser(suite.db), minutes(10));
      const ids = (await suite.db.conversations.inbox({ limit: 2 })).items.map((x) => x.id);
      expect(ids).toEqual([c.id, b.id]);
      expect(a.id).toBeLessThan(b.id);
    });

    it('filters by source', async () => {
      const user = await makeUser(suite.db);
      await conversationAt(user, minutes(10), MessageSource.MESSENGER);
      const whatsapp = await conversationAt(user, minutes(5), MessageSource.WHATSAPP);
      const page = await suite.db.conversations.inbox({ source: MessageSource.WHATSAPP });
      expect(page.items.map((c) => c.id)).toEqual([whatsapp.id]);
      await expect(suite.db.conversations.inbox({ source: 'fax' as MessageSource })).rejects.toBeInstanceOf(InvalidEnumValueError);
    });

    it('walks every conversation once in pages, across the ones without messages', async () => {
      const expected: number[] = [];
      for (const at of [minutes(9), minutes(8), minutes(8), minutes(7), null, null, null]) {
        expected.push((await conversationAt(await makeUser(suite.db), at)).id);
      }
      // Newest first: the two at minute 8 by id descending; the empty ones by id descending.
      const order = [expected[0], expected[2], expected[1], expected[3], expected[6], expected[5], expected[4]];
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await suite.db.conversations.inbox({ limit: 2, cursor });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(seen).toEqual(order);
      expect(pages).toBe(4);
    });

    it('never returns a conversation twice in one walk while messages arrive', async () => {
      const users: User[] = [];
      for (let i = 0; i < 6; i++) {
        const user = await makeUser(suite.db);
        users.push(user);
        await conversationAt(user, minutes(i));
      }
      const seen: number[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const page = await suite.db.conversations.inbox({ limit: 2, cursor });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        // The oldest conversation (not seen yet) and the newest (already seen) both get a new message.
        const oldest = users[round]!;
        const newest = users[5]!;
        for (const user of [oldest, newest]) {
          await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'again', sentAt: minutes(100 + round) });
        }
        round++;
      } while (cursor !== null);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(3);
    });

    it('loads the users in the same query as the conversations (no query per row)', async () => {
      for (let i = 0; i < 5; i++) await conversationAt(await makeUser(suite.db), minutes(i));
      const queries = await captureQueries(suite.db, () => suite.db.conversations.inbox({ limit: 3 }));
      const selects = queries.filter((q) => /^SELECT/i.test(q.sql.trim()));
      expect(selects).toHaveLength(1);
      expect(selects[0]?.sql).toMatch(/JOIN "users"/);
    });

    it('reads the inbox through IDX_conversations_active_last_message', async () => {
      for (let i = 0; i < 4; i++) await conversationAt(await makeUser(suite.db), minutes(i));
      const first = await suite.db.conversations.inbox({ limit: 2 });
      const queries = await captureQueries(suite.db, () => suite.db.conversations.inbox({ limit: 2, cursor: first.nextCursor }));
      const select = queries.find((q) => /FROM "conversations"/.test(q.sql));
      expect(select).toBeDefined();
      expect(await queryPlan(suite.db, engine, select!.sql, select!.params)).toContain('IDX_conversations_active_last_message');
    });

    it('refuses a cursor it did not make with InvalidCursorError', async () => {
      await expect(suite.db.conversations.inbox({ cursor: 'nope' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('refuses a cursor of another list with InvalidCursorError naming the inbox', async () => {
      await suite.db.conversations.getOrOpen((await suite.db.users.create({ psid: `cursor-a-${engine}` })).id, MessageSource.MESSENGER);
      await suite.db.conversations.getOrOpen((await suite.db.users.create({ psid: `cursor-b-${engine}` })).id, MessageSource.MESSENGER);
      const { nextCursor } = await suite.db.users.search({ limit: 1 });
      const error = await rejection(suite.db.conversations.inbox({ cursor: nextCursor }));
      expect(error).toBeInstanceOf(InvalidCursorError);
      expect((error as InvalidCursorError).list).toBe('conversations.inbox');
    });
  });

  describe('listForUser', () => {
    it('lists a user conversations, closed ones too, newest first in pages', async () => {
      const user = await makeUser(suite.db);
      const first = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      await suite.db.conversations.close(first.id);
      const second = await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      const third = await suite.db.conversations.getOrOpen(user.id, MessageSource.WHATSAPP);
      await suite.db.conversations.getOrOpen((await makeUser(suite.db)).id, MessageSource.MESSENGER);
      const page1 = await suite.db.conversations.listForUser(user.id, { limit: 2 });
      expect(page1.items.map((c) => c.id)).toEqual([third.id, second.id]);
      const page2 = await suite.db.conversations.listForUser(user.id, { limit: 2, cursor: page1.nextCursor });
      expect(page2.items.map((c) => c.id)).toEqual([first.id]);
      expect(page2.nextCursor).toBeNull();
    });
  });

  describe('input checks before SQL', () => {
    it('refuses a closeIdle cut-off outside 1970..9999 with rule dateRange, closing nothing', async () => {
      const user = await makeUser(suite.db);
      await suite.db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
      for (const at of [new Date(8.64e15), new Date(Date.UTC(10000, 0, 1))]) {
        expect(await firstIssue(suite.db.conversations.closeIdle(at))).toEqual({ property: 'olderThan', rule: 'dateRange' });
      }
      expect((await suite.db.conversations.findActive(user.id, MessageSource.MESSENGER))?.isActive).toBe(true);
    });

    it('refuses a userId or id of 2^31 with rule max', async () => {
      expect(await firstIssue(suite.db.conversations.findActive(2 ** 31, MessageSource.MESSENGER))).toEqual({ property: 'userId', rule: 'max' });
      expect(await firstIssue(suite.db.conversations.getOrOpen(2 ** 31, MessageSource.MESSENGER))).toEqual({ property: 'userId', rule: 'max' });
      expect(await firstIssue(suite.db.conversations.close(2 ** 31))).toEqual({ property: 'id', rule: 'max' });
    });

    it('refuses an inbox request that is not an object with rule isObject', async () => {
      expect(await firstIssue(suite.db.conversations.inbox(null as unknown as undefined))).toEqual({ property: 'request', rule: 'isObject' });
    });

    it('refuses a source that is a cyclic object with InvalidEnumValueError, not a TypeError', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      expect(await rejection(suite.db.conversations.findActive(1, cyclic as unknown as MessageSource))).toBeInstanceOf(InvalidEnumValueError);
    });
  });
});
