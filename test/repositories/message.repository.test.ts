import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message, type MessageAttachment } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { MessageDirection, MessageSource, MessageStatus } from '../../src/enums';
import {
  EntityValidationError,
  ForeignKeyError,
  InvalidCursorError,
  InvalidEnumValueError,
  NotFoundError,
} from '../../src/errors';
import { RECORD_BATCH_MAX, type RecordInboundInput } from '../../src/repositories/message.types';
import { makeAdCampaign, makePost, makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { captureQueries, queryPlan } from '../support/query-plan';
import { firstIssue, rejection } from '../support/errors';
import { conversationsOf, inbound, messagesOf } from '../support/messages';

describe.each(engines())('MessageRepository on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const uid = (prefix: string): string => `${prefix}-${engine}-${++seq}`;

  describe('recordInbound', () => {
    it('records an inbound message and opens a conversation counting it', async () => {
      const user = await makeUser(suite.db);
      const sentAt = new Date('2025-03-01T10:00:00.123Z');
      const msg = await suite.db.messages.recordInbound(inbound(user.id, { text: 'How much?', facebookMessageId: uid('m'), sentAt }));
      expect(msg).toBeInstanceOf(Message);
      expect(msg.direction).toBe(MessageDirection.INBOUND);
      expect(msg.status).toBe(MessageStatus.SENT);
      expect(msg.sentAt?.toISOString()).toBe(sentAt.toISOString());
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.id).toBe(msg.conversationId);
      expect(conversation?.isActive).toBe(true);
      expect(conversation?.messageCount).toBe(1);
      expect(conversation?.lastMessageText).toBe('How much?');
      expect(conversation?.lastMessageAt?.toISOString()).toBe(sentAt.toISOString());
      const fresh = await suite.db.manager.findOneByOrFail(User, { id: user.id });
      expect(fresh.lastMessageAt?.toISOString()).toBe(sentAt.toISOString());
    });

    it('defaults sentAt to now', async () => {
      const user = await makeUser(suite.db);
      const before = Date.now();
      const msg = await suite.db.messages.recordInbound(inbound(user.id));
      expect(msg.sentAt).toBeInstanceOf(Date);
      expect(msg.sentAt!.getTime()).toBeGreaterThanOrEqual(before);
    });

    it('adds later messages on the same channel to the same conversation', async () => {
      const user = await makeUser(suite.db);
      const first = await suite.db.messages.recordInbound(inbound(user.id, { text: 'one' }));
      const second = await suite.db.messages.recordInbound(inbound(user.id, { text: 'two' }));
      expect(second.conversationId).toBe(first.conversationId);
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.messageCount).toBe(2);
      expect(conversation?.lastMessageText).toBe('two');
    });

    it('keeps one conversation per channel', async () => {
      const user = await makeUser(suite.db);
      const messenger = await suite.db.messages.recordInbound(inbound(user.id));
      const whatsapp = await suite.db.messages.recordInbound(inbound(user.id, { source: MessageSource.WHATSAPP }));
      expect(whatsapp.conversationId).not.toBe(messenger.conversationId);
      const conversations = await conversationsOf(suite.db, user.id);
      expect(conversations.map((c) => [c.source, c.messageCount])).toEqual([
        [MessageSource.MESSENGER, 1],
        [MessageSource.WHATSAPP, 1],
      ]);
    });

    it('returns the message, its conversation and created from recordInboundDetailed', async () => {
      const user = await makeUser(suite.db);
      const result = await suite.db.messages.recordInboundDetailed(inbound(user.id, { facebookMessageId: uid('m') }));
      expect(result.created).toBe(true);
      expect(result.conversation.id).toBe(result.message.conversationId);
      expect(result.conversation.messageCount).toBe(1);
    });

    it('stores attachments of a message without text and clears the preview', async () => {
      const user = await makeUser(suite.db);
      await suite.db.messages.recordInbound(inbound(user.id, { text: 'look' }));
      const attachments = [{ type: 'image', url: 'https://cdn.example.com/a.jpg' }];
      const msg = await suite.db.messages.recordInbound(inbound(user.id, { text: undefined, attachments }));
      const stored = await suite.db.manager.findOneByOrFail(Message, { id: msg.id });
      expect(stored.attachments).toEqual(attachments);
      expect(stored.text).toBeNull();
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.lastMessageText).toBeNull();
      expect(conversation?.messageCount).toBe(2);
    });

    it('records a webhook delivered twice once, returning the same message', async () => {
      const user = await makeUser(suite.db);
      const mid = uid('m');
      const first = await suite.db.messages.recordInboundDetailed(inbound(user.id, { facebookMessageId: mid, text: 'first' }));
      const again = await suite.db.messages.recordInboundDetailed(inbound(user.id, { facebookMessageId: mid, text: 'changed' }));
      expect(again.created).toBe(false);
      expect(again.message.id).toBe(first.message.id);
      expect(again.message.text).toBe('first');
      expect(again.conversation.messageCount).toBe(1);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(1);
    });

    it('records a WhatsApp message delivered twice once', async () => {
      const user = await makeUser(suite.db);
      const wamid = uid('wamid');
      const input = inbound(user.id, { source: MessageSource.WHATSAPP, whatsappMessageId: wamid });
      const first = await suite.db.messages.recordInbound(input);
      const again = await suite.db.messages.recordInbound(input);
      expect(again.id).toBe(first.id);
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.messageCount).toBe(1);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(1);
    });

    for (const kind of ['facebookMessageId', 'whatsappMessageId'] as const) {
      it(`counts a webhook delivered many times at once exactly once (${kind})`, async () => {
        const user = await makeUser(suite.db);
        const input = inbound(user.id, { [kind]: uid('ext') });
        const results = await Promise.all(Array.from({ length: 25 }, () => suite.db.messages.recordInboundDetailed(input)));
        expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(await messagesOf(suite.db, user.id)).toHaveLength(1);
        const conversations = await conversationsOf(suite.db, user.id);
        expect(conversations).toHaveLength(1);
        expect(conversations[0]?.messageCount).toBe(1);
      });
    }

    it('keeps message_count equal to the rows and last_message_at at the latest under 200 concurrent calls', async () => {
      const user = await makeUser(suite.db);
      const base = Date.parse('2025-05-01T00:00:00.000Z');
      // Distinct times in a shuffled order, so the latest one does not arrive last.
      const times = Array.from({ length: 200 }, (_, i) => new Date(base + ((i * 7919) % 200) * 1000 + i));
      const latest = new Date(Math.max(...times.map((t) => t.getTime())));
      await Promise.all(times.map((sentAt, i) => suite.db.messages.recordInbound(inbound(user.id, { text: `m${i}`, sentAt }))));
      const rows = await messagesOf(suite.db, user.id);
      expect(rows).toHaveLength(200);
      const conversations = await conversationsOf(suite.db, user.id);
      expect(conversations).toHaveLength(1);
      expect(conversations[0]?.messageCount).toBe(rows.length);
      expect(conversations[0]?.lastMessageAt?.toISOString()).toBe(latest.toISOString());
      const latestText = `m${times.findIndex((t) => t.getTime() === latest.getTime())}`;
      expect(conversations[0]?.lastMessageText).toBe(latestText);
      const fresh = await suite.db.manager.findOneByOrFail(User, { id: user.id });
      expect(fresh.lastMessageAt?.toISOString()).toBe(latest.toISOString());
    });

    it('does not move last_message_at back or replace the preview for a late older message', async () => {
      const user = await makeUser(suite.db);
      const newer = new Date('2025-06-01T12:00:00.000Z');
      await suite.db.messages.recordInbound(inbound(user.id, { text: 'newer', sentAt: newer }));
      await suite.db.messages.recordInbound(inbound(user.id, { text: 'older', sentAt: new Date('2025-06-01T11:00:00.000Z') }));
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.messageCount).toBe(2);
      expect(conversation?.lastMessageAt?.toISOString()).toBe(newer.toISOString());
      expect(conversation?.lastMessageText).toBe('newer');
      expect((await suite.db.manager.findOneByOrFail(User, { id: user.id })).lastMessageAt?.toISOString()).toBe(newer.toISOString());
    });

    it('truncates the preview to 500 code points without splitting an emoji at the boundary', async () => {
      const user = await makeUser(suite.db);
      const text = `${'a'.repeat(499)}😀${'b'.repeat(20)}`;
      await suite.db.messages.recordInbound(inbound(user.id, { text }));
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.lastMessageText).toBe(`${'a'.repeat(499)}😀`);
      expect(Array.from(conversation?.lastMessageText ?? '')).toHaveLength(500);
      const stored = await messagesOf(suite.db, user.id);
      expect(stored[0]?.text).toBe(text);
    });

    it('refuses a message for an unknown user with NotFoundError and writes nothing', async () => {
      const error = await rejection(suite.db.messages.recordInbound(inbound(987_654, { facebookMessageId: uid('m') })));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(await suite.db.manager.count(Message)).toBe(0);
      expect(await suite.db.manager.count(Conversation)).toBe(0);
    });

    it('refuses an unknown post with ForeignKeyError and writes nothing', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(suite.db.messages.recordInbound(inbound(user.id, { postId: 987_654 })));
      expect(error).toBeInstanceOf(ForeignKeyError);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
      expect(await conversationsOf(suite.db, user.id)).toHaveLength(0);
    });

    it('refuses a bad source with InvalidEnumValueError and writes nothing', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(suite.db.messages.recordInbound(inbound(user.id, { source: 'telegram' as MessageSource })));
      expect(error).toBeInstanceOf(InvalidEnumValueError);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
      expect(await conversationsOf(suite.db, user.id)).toHaveLength(0);
    });

    it('refuses a message with neither text nor attachments', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(suite.db.messages.recordInbound(inbound(user.id, { text: '', attachments: [] })));
      expect(error).toBeInstanceOf(EntityValidationError);
      expect((error as EntityValidationError).issues[0]?.property).toBe('text');
      expect(await conversationsOf(suite.db, user.id)).toHaveLength(0);
    });

    it('refuses fields an inbound message does not have', async () => {
      const user = await makeUser(suite.db);
      const input = { ...inbound(user.id), isAiResponse: true } as RecordInboundInput;
      const error = await rejection(suite.db.messages.recordInbound(input));
      expect(error).toBeInstanceOf(EntityValidationError);
      expect((error as EntityValidationError).issues[0]?.property).toBe('isAiResponse');
    });

    it('refuses a bad user id, an empty platform id and an invalid date before any SQL', async () => {
      const user = await makeUser(suite.db);
      for (const input of [
        inbound(0),
        inbound(user.id, { facebookMessageId: '' }),
        inbound(user.id, { sentAt: new Date('nope') }),
        inbound(user.id, { text: 'x'.repeat(20_001) }),
      ]) {
        expect(await rejection(suite.db.messages.recordInbound(input))).toBeInstanceOf(EntityValidationError);
      }
      expect(await conversationsOf(suite.db, user.id)).toHaveLength(0);
    });

    it('leaves no message and no count change when the surrounding transaction throws', async () => {
      const user = await makeUser(suite.db);
      const first = await suite.db.messages.recordInbound(inbound(user.id, { text: 'kept' }));
      const error = await rejection(
        suite.db.transaction(async (tx) => {
          await tx.messages.recordInbound(inbound(user.id, { text: 'rolled back', facebookMessageId: uid('m') }));
          throw new Error('boom');
        }),
      );
      expect((error as Error).message).toBe('boom');
      expect((await messagesOf(suite.db, user.id)).map((m) => m.id)).toEqual([first.id]);
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.messageCount).toBe(1);
      expect(conversation?.lastMessageText).toBe('kept');
    });

    it('joins the caller transaction so its writes commit together', async () => {
      const user = await makeUser(suite.db);
      await suite.db.transaction(async (tx) => {
        await tx.messages.recordInbound(inbound(user.id, { text: 'a' }));
        await tx.messages.recordOutbound({ userId: user.id, text: 'b', source: MessageSource.MESSENGER });
      });
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.messageCount).toBe(2);
      expect(conversation?.lastMessageText).toBe('b');
    });
  });

  describe('recordInboundBatch', () => {
    it('records every message in input order with the conversation counters of one-at-a-time recording', async () => {
      const user = await makeUser(suite.db);
      const results = await suite.db.messages.recordInboundBatch([
        inbound(user.id, { text: 'one', facebookMessageId: uid('mid'), sentAt: new Date(Date.UTC(2025, 0, 1, 10)) }),
        inbound(user.id, { text: 'two', facebookMessageId: uid('mid'), sentAt: new Date(Date.UTC(2025, 0, 1, 11)) }),
        inbound(user.id, { text: 'three', source: MessageSource.WHATSAPP, whatsappMessageId: uid('wamid') }),
      ]);
      expect(results.map((r) => [r.message.text, r.created])).toEqual([
        ['one', true],
        ['two', true],
        ['three', true],
      ]);
      const [messenger, whatsapp] = await conversationsOf(suite.db, user.id);
      expect(messenger).toMatchObject({ source: MessageSource.MESSENGER, messageCount: 2, lastMessageText: 'two' });
      expect(whatsapp).toMatchObject({ source: MessageSource.WHATSAPP, messageCount: 1, lastMessageText: 'three' });
      expect((await messagesOf(suite.db, user.id)).every((m) => m.direction === MessageDirection.INBOUND)).toBe(true);
    });

    it('returns an already recorded platform id as not created and counts it once', async () => {
      const user = await makeUser(suite.db);
      const mid = uid('mid');
      const first = await suite.db.messages.recordInbound(inbound(user.id, { facebookMessageId: mid }));
      const results = await suite.db.messages.recordInboundBatch([inbound(user.id, { facebookMessageId: mid }), inbound(user.id, { text: 'new' })]);
      expect(results[0]).toMatchObject({ created: false, message: { id: first.id } });
      expect(results[1]?.created).toBe(true);
      expect((await conversationsOf(suite.db, user.id))[0]?.messageCount).toBe(2);
    });

    it('records a platform id repeated inside one batch once', async () => {
      const user = await makeUser(suite.db);
      const wamid = uid('wamid');
      const input = inbound(user.id, { source: MessageSource.WHATSAPP, whatsappMessageId: wamid });
      const results = await suite.db.messages.recordInboundBatch([input, input]);
      expect(results.map((r) => r.created)).toEqual([true, false]);
      expect(results[1]?.message.id).toBe(results[0]?.message.id);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(1);
    });

    it('writes nothing of the batch when one message names an unknown user', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(suite.db.messages.recordInboundBatch([inbound(user.id), inbound(2_000_000_000)]));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
    });

    it('validates every input before writing anything', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(suite.db.messages.recordInboundBatch([inbound(user.id), inbound(user.id, { text: '' })]));
      expect(error).toBeInstanceOf(EntityValidationError);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
    });

    it('returns an empty list for an empty batch', async () => {
      expect(await suite.db.messages.recordInboundBatch([])).toEqual([]);
    });

    it('refuses more than RECORD_BATCH_MAX inputs', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(suite.db.messages.recordInboundBatch(Array.from({ length: RECORD_BATCH_MAX + 1 }, () => inbound(user.id))));
      expect(error).toBeInstanceOf(EntityValidationError);
    });

    it('records a batch of three hundred messages, each once, across several users', async () => {
      const users = [await makeUser(suite.db), await makeUser(suite.db), await makeUser(suite.db)];
      const inputs = Array.from({ length: 300 }, (_, i) => inbound(users[i % 3]!.id, { text: `m${i}`, facebookMessageId: uid('bulk') }));
      const results = await suite.db.messages.recordInboundBatch(inputs);
      expect(results.filter((r) => r.created)).toHaveLength(300);
      const counts = await Promise.all(users.map(async (u) => (await conversationsOf(suite.db, u.id))[0]?.messageCount));
      expect(counts).toEqual([100, 100, 100]);
    });
  });

  describe('recordOutbound', () => {
    it('records an AI reply in the customer conversation', async () => {
      const user = await makeUser(suite.db);
      const question = await suite.db.messages.recordInbound(inbound(user.id, { text: 'Price?' }));
      const reply = await suite.db.messages.recordOutbound({
        userId: user.id,
        text: '250 EGP',
        source: MessageSource.MESSENGER,
        facebookMessageId: uid('m'),
        isAiResponse: true,
        aiResponseTimeMs: 840,
      });
      expect(reply.direction).toBe(MessageDirection.OUTBOUND);
      expect(reply.isAiResponse).toBe(true);
      expect(reply.aiResponseTimeMs).toBe(840);
      expect(reply.status).toBe(MessageStatus.SENT);
      expect(reply.conversationId).toBe(question.conversationId);
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect(conversation?.messageCount).toBe(2);
      expect(conversation?.lastMessageText).toBe('250 EGP');
    });

    it('stores a given status', async () => {
      const user = await makeUser(suite.db);
      const reply = await suite.db.messages.recordOutbound({ userId: user.id, text: 'x', source: MessageSource.WHATSAPP, status: MessageStatus.FAILED });
      expect(reply.status).toBe(MessageStatus.FAILED);
    });

    it('records an outbound message delivered twice once', async () => {
      const user = await makeUser(suite.db);
      const input = { userId: user.id, text: 'x', source: MessageSource.WHATSAPP, whatsappMessageId: uid('wamid') };
      const first = await suite.db.messages.recordOutboundDetailed(input);
      const again = await suite.db.messages.recordOutboundDetailed(input);
      expect(again.created).toBe(false);
      expect(again.message.id).toBe(first.message.id);
      expect(again.conversation.messageCount).toBe(1);
    });

    it('refuses a negative aiResponseTimeMs with EntityValidationError and writes nothing', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(
        suite.db.messages.recordOutbound({ userId: user.id, text: 'x', source: MessageSource.MESSENGER, isAiResponse: true, aiResponseTimeMs: -5 }),
      );
      expect(error).toBeInstanceOf(EntityValidationError);
      expect((error as EntityValidationError).issues.map((i) => i.property)).toContain('aiResponseTimeMs');
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
      expect(await conversationsOf(suite.db, user.id)).toHaveLength(0);
    });

    it('refuses a bad status with InvalidEnumValueError', async () => {
      const user = await makeUser(suite.db);
      const error = await rejection(
        suite.db.messages.recordOutbound({ userId: user.id, text: 'x', source: MessageSource.MESSENGER, status: 'lost' as MessageStatus }),
      );
      expect(error).toBeInstanceOf(InvalidEnumValueError);
      expect(await messagesOf(suite.db, user.id)).toHaveLength(0);
    });
  });

  describe('updateStatus', () => {
    const sentMessage = async (extra: Partial<RecordInboundInput> = {}): Promise<{ id: number; mid: string }> => {
      const user = await makeUser(suite.db);
      const mid = uid('m');
      const msg = await suite.db.messages.recordOutbound({ userId: user.id, text: 'x', source: MessageSource.MESSENGER, facebookMessageId: mid, ...extra });
      return { id: msg.id, mid };
    };
    const t1 = new Date('2025-07-01T10:00:00.000Z');
    const t2 = new Date('2025-07-01T10:05:00.000Z');
    const t3 = new Date('2025-07-01T10:09:00.000Z');

    it('moves sent to delivered to read with their times', async () => {
      const { mid } = await sentMessage();
      const delivered = await suite.db.messages.updateStatus(mid, MessageStatus.DELIVERED, t1);
      expect(delivered?.status).toBe(MessageStatus.DELIVERED);
      expect(delivered?.deliveredAt?.toISOString()).toBe(t1.toISOString());
      expect(delivered?.readAt).toBeNull();
      const read = await suite.db.messages.updateStatus(mid, MessageStatus.READ, t2);
      expect(read?.status).toBe(MessageStatus.READ);
      expect(read?.readAt?.toISOString()).toBe(t2.toISOString());
      expect(read?.deliveredAt?.toISOString()).toBe(t1.toISOString());
    });

    it('sets deliveredAt when a read receipt comes first', async () => {
      const { mid } = await sentMessage();
      const read = await suite.db.messages.updateStatus(mid, MessageStatus.READ, t2);
      expect(read?.status).toBe(MessageStatus.READ);
      expect(read?.deliveredAt?.toISOString()).toBe(t2.toISOString());
      expect(read?.readAt?.toISOString()).toBe(t2.toISOString());
    });

    it('keeps read when a delivered receipt arrives after it', async () => {
      const { mid } = await sentMessage();
      await suite.db.messages.updateStatus(mid, MessageStatus.READ, t2);
      const after = await suite.db.messages.updateStatus(mid, MessageStatus.DELIVERED, t3);
      expect(after?.status).toBe(MessageStatus.READ);
      expect(after?.deliveredAt?.toISOString()).toBe(t2.toISOString());
    });

    it('keeps the first read time when a read receipt repeats', async () => {
      const { mid } = await sentMessage();
      await suite.db.messages.updateStatus(mid, MessageStatus.READ, t1);
      const again = await suite.db.messages.updateStatus(mid, MessageStatus.READ, t3);
      expect(again?.readAt?.toISOString()).toBe(t1.toISOString());
    });

    it('never goes backwards over any order of receipts', async () => {
      const rank: Record<string, number> = { sent: 0, delivered: 1, read: 2 };
      const orders = [
        [MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.SENT, MessageStatus.DELIVERED],
        [MessageStatus.READ, MessageStatus.DELIVERED, MessageStatus.SENT],
        [MessageStatus.SENT, MessageStatus.READ, MessageStatus.FAILED, MessageStatus.DELIVERED],
      ];
      for (const order of orders) {
        const { mid } = await sentMessage();
        let best = 0;
        for (const status of order) {
          const msg = await suite.db.messages.updateStatus(mid, status, t1);
          best = Math.max(best, rank[status] ?? 0);
          expect(rank[msg!.status], `${order.join('>')} at ${status}`).toBe(best);
        }
      }
    });

    it('marks a sent message failed, but not a delivered one', async () => {
      const sent = await sentMessage();
      expect((await suite.db.messages.updateStatus(sent.mid, MessageStatus.FAILED))?.status).toBe(MessageStatus.FAILED);
      const delivered = await sentMessage();
      await suite.db.messages.updateStatus(delivered.mid, MessageStatus.DELIVERED, t1);
      expect((await suite.db.messages.updateStatus(delivered.mid, MessageStatus.FAILED))?.status).toBe(MessageStatus.DELIVERED);
    });

    it('takes no receipts after failed', async () => {
      const { mid } = await sentMessage();
      await suite.db.messages.updateStatus(mid, MessageStatus.FAILED);
      const after = await suite.db.messages.updateStatus(mid, MessageStatus.READ, t2);
      expect(after?.status).toBe(MessageStatus.FAILED);
      expect(after?.readAt).toBeNull();
    });

    it('finds a message by its WhatsApp id', async () => {
      const user = await makeUser(suite.db);
      const wamid = uid('wamid');
      await suite.db.messages.recordOutbound({ userId: user.id, text: 'x', source: MessageSource.WHATSAPP, whatsappMessageId: wamid });
      expect((await suite.db.messages.updateStatus(wamid, MessageStatus.DELIVERED, t1))?.status).toBe(MessageStatus.DELIVERED);
    });

    it('returns null for an unknown id', async () => {
      expect(await suite.db.messages.updateStatus('no-such-mid', MessageStatus.READ)).toBeNull();
    });

    it('refuses a bad status with InvalidEnumValueError', async () => {
      await expect(suite.db.messages.updateStatus('m', 'seen' as MessageStatus)).rejects.toBeInstanceOf(InvalidEnumValueError);
    });

    it('refuses an empty id with EntityValidationError', async () => {
      await expect(suite.db.messages.updateStatus('', MessageStatus.READ)).rejects.toBeInstanceOf(EntityValidationError);
    });
  });

  describe('listing', () => {
    it('lists a user messages newest first across conversations', async () => {
      const user = await makeUser(suite.db);
      const a = await suite.db.messages.recordInbound(inbound(user.id, { text: 'a' }));
      const b = await suite.db.messages.recordInbound(inbound(user.id, { text: 'b', source: MessageSource.WHATSAPP }));
      const c = await suite.db.messages.recordOutbound({ userId: user.id, text: 'c', source: MessageSource.MESSENGER });
      const other = await makeUser(suite.db);
      await suite.db.messages.recordInbound(inbound(other.id));
      const page = await suite.db.messages.listForUser(user.id);
      expect(page.items.map((m) => m.id)).toEqual([c.id, b.id, a.id]);
      expect(page.nextCursor).toBeNull();
    });

    it('walks every message exactly once while new messages arrive between pages', async () => {
      const user = await makeUser(suite.db);
      const original: number[] = [];
      for (let i = 0; i < 23; i++) original.push((await suite.db.messages.recordInbound(inbound(user.id, { text: `o${i}` }))).id);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await suite.db.messages.listForUser(user.id, { limit: 5, cursor });
        seen.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor;
        pages++;
        await suite.db.messages.recordInbound(inbound(user.id, { text: `new${pages}` }));
      } while (cursor !== null);
      expect(pages).toBe(5);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((x, y) => x - y)).toEqual(original);
    });

    it('pages through rows that share one created_at instant by id', async () => {
      const user = await makeUser(suite.db);
      for (let i = 0; i < 7; i++) await suite.db.messages.recordInbound(inbound(user.id, { text: `t${i}` }));
      await suite.db.manager.update(Message, { userId: user.id }, { createdAt: new Date('2025-01-01T00:00:00.000Z') });
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await suite.db.messages.listForUser(user.id, { limit: 3, cursor });
        seen.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      const ids = (await messagesOf(suite.db, user.id)).map((m) => m.id);
      expect(seen).toEqual([...ids].reverse());
    });

    it('lists only the messages of one conversation, newest first', async () => {
      const user = await makeUser(suite.db);
      const a = await suite.db.messages.recordInbound(inbound(user.id, { text: 'a' }));
      await suite.db.messages.recordInbound(inbound(user.id, { text: 'w', source: MessageSource.WHATSAPP }));
      const b = await suite.db.messages.recordInbound(inbound(user.id, { text: 'b' }));
      const first = await suite.db.messages.listForConversation(a.conversationId, { limit: 1 });
      expect(first.items.map((m) => m.id)).toEqual([b.id]);
      const second = await suite.db.messages.listForConversation(a.conversationId, { limit: 1, cursor: first.nextCursor });
      expect(second.items.map((m) => m.id)).toEqual([a.id]);
      expect(second.nextCursor).toBeNull();
    });

    it('refuses a cursor it did not make with InvalidCursorError', async () => {
      await expect(suite.db.messages.listForUser(1, { cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('refuses a bad limit with EntityValidationError', async () => {
      await expect(suite.db.messages.listForUser(1, { limit: 0 })).rejects.toBeInstanceOf(EntityValidationError);
    });

    it('refuses a cursor of a conversation page on a user page', async () => {
      const user = await makeUser(suite.db);
      await suite.db.messages.recordInbound(inbound(user.id, { text: 'one' }));
      const second = await suite.db.messages.recordInbound(inbound(user.id, { text: 'two' }));
      const { nextCursor } = await suite.db.messages.listForConversation(second.conversationId, { limit: 1 });
      expect(nextCursor).not.toBeNull();
      const error = await rejection(suite.db.messages.listForUser(user.id, { cursor: nextCursor }));
      expect(error).toBeInstanceOf(InvalidCursorError);
      expect((error as InvalidCursorError).list).toBe('messages.listForUser');
    });

    it('reads a user page through IDX_messages_user_sent', async () => {
      const user = await makeUser(suite.db);
      for (let i = 0; i < 3; i++) await suite.db.messages.recordInbound(inbound(user.id));
      const first = await suite.db.messages.listForUser(user.id, { limit: 1 });
      const queries = await captureQueries(suite.db, () => suite.db.messages.listForUser(user.id, { limit: 1, cursor: first.nextCursor }));
      const select = queries.find((q) => /FROM "messages"/.test(q.sql));
      expect(select).toBeDefined();
      expect(await queryPlan(suite.db, engine, select!.sql, select!.params)).toContain('IDX_messages_user_sent');
    });

    it('reads a conversation page through IDX_messages_conversation_sent', async () => {
      const user = await makeUser(suite.db);
      let conversationId = 0;
      for (let i = 0; i < 3; i++) conversationId = (await suite.db.messages.recordInbound(inbound(user.id))).conversationId;
      const first = await suite.db.messages.listForConversation(conversationId, { limit: 1 });
      const queries = await captureQueries(suite.db, () => suite.db.messages.listForConversation(conversationId, { limit: 1, cursor: first.nextCursor }));
      const select = queries.find((q) => /FROM "messages"/.test(q.sql));
      expect(select).toBeDefined();
      expect(await queryPlan(suite.db, engine, select!.sql, select!.params)).toContain('IDX_messages_conversation_sent');
    });
  });

  describe('statistics', () => {
    const jan = (day: number): Date => new Date(Date.UTC(2025, 0, day, 12));
    const backdate = (id: number, at: Date): Promise<unknown> => suite.db.manager.update(Message, { id }, { createdAt: at });

    it('counts messages per source, every source present, within a window', async () => {
      const user = await makeUser(suite.db);
      const plan: Array<[MessageSource, number]> = [
        [MessageSource.MESSENGER, 1],
        [MessageSource.MESSENGER, 2],
        [MessageSource.MESSENGER, 3],
        [MessageSource.WHATSAPP, 2],
        [MessageSource.WHATSAPP, 9],
        [MessageSource.MANUAL, 5],
      ];
      for (const [source, day] of plan) await backdate((await suite.db.messages.recordInbound(inbound(user.id, { source }))).id, jan(day));
      expect(await suite.db.messages.countBySource()).toEqual({ messenger: 3, whatsapp: 2, lead_center: 0, manual: 1 });
      expect(await suite.db.messages.countBySource({ since: jan(2), until: jan(9) })).toEqual({
        messenger: 2,
        whatsapp: 1,
        lead_center: 0,
        manual: 1,
      });
      expect(await suite.db.messages.countBySource({ since: jan(20) })).toEqual({ messenger: 0, whatsapp: 0, lead_center: 0, manual: 0 });
    });

    it('attributes messages to posts and ad campaigns, most first', async () => {
      const user = await makeUser(suite.db);
      const [p1, p2, unused] = [await makePost(suite.db), await makePost(suite.db), await makePost(suite.db)];
      const c1 = await makeAdCampaign(suite.db, { name: 'Summer' });
      const c2 = await makeAdCampaign(suite.db, { name: 'Winter' });
      const rows: Array<[number | null, number | null, number]> = [
        [p1.id, null, 3],
        [p2.id, c2.id, 3],
        [p2.id, c2.id, 4],
        [p2.id, c1.id, 5],
        [null, c2.id, 6],
        [null, null, 7],
        [p1.id, null, 20],
      ];
      for (const [postId, adCampaignId, day] of rows) {
        const msg = await suite.db.messages.recordInbound(inbound(user.id, { postId, adCampaignId }));
        await backdate(msg.id, jan(day));
      }
      const all = await suite.db.messages.attribution();
      expect(all.posts).toEqual([
        { postId: p2.id, facebookPostId: p2.facebookPostId, messages: 3 },
        { postId: p1.id, facebookPostId: p1.facebookPostId, messages: 2 },
      ]);
      expect(all.posts.some((p) => p.postId === unused.id)).toBe(false);
      expect(all.adCampaigns).toEqual([
        { adCampaignId: c2.id, facebookCampaignId: c2.facebookCampaignId, name: 'Winter', messages: 3 },
        { adCampaignId: c1.id, facebookCampaignId: c1.facebookCampaignId, name: 'Summer', messages: 1 },
      ]);
      const window = await suite.db.messages.attribution({ since: jan(4), until: jan(20) });
      expect(window.posts).toEqual([{ postId: p2.id, facebookPostId: p2.facebookPostId, messages: 2 }]);
      expect(window.adCampaigns).toEqual([
        { adCampaignId: c2.id, facebookCampaignId: c2.facebookCampaignId, name: 'Winter', messages: 2 },
        { adCampaignId: c1.id, facebookCampaignId: c1.facebookCampaignId, name: 'Summer', messages: 1 },
      ]);
      expect((await suite.db.messages.attribution({ limit: 1 })).posts).toHaveLength(1);
    });

    it('computes AI response count, mean and nearest-rank percentiles', async () => {
      const user = await makeUser(suite.db);
      const times = [700, 100, 1000, 300, 500, 900, 200, 600, 400, 800];
      for (const ms of times) {
        await suite.db.messages.recordOutbound({ userId: user.id, text: 'ai', source: MessageSource.MESSENGER, isAiResponse: true, aiResponseTimeMs: ms });
      }
      // Not counted: a human reply with a time, an AI reply without one, an inbound message.
      await suite.db.messages.recordOutbound({ userId: user.id, text: 'agent', source: MessageSource.MESSENGER, aiResponseTimeMs: 5 });
      await suite.db.messages.recordOutbound({ userId: user.id, text: 'ai', source: MessageSource.MESSENGER, isAiResponse: true });
      await suite.db.messages.recordInbound(inbound(user.id));
      // Ranks: p50 = ceil(0.5 x 10) = 5th -> 500; p95 = ceil(9.5) = 10th -> 1000.
      expect(await suite.db.messages.aiResponseStats()).toEqual({ count: 10, meanMs: 550, p50Ms: 500, p95Ms: 1000 });
    });

    it('limits AI response stats to a window', async () => {
      const user = await makeUser(suite.db);
      for (const [ms, day] of [
        [100, 1],
        [300, 5],
        [200, 6],
        [900, 7],
      ] as const) {
        const msg = await suite.db.messages.recordOutbound({ userId: user.id, text: 'ai', source: MessageSource.WHATSAPP, isAiResponse: true, aiResponseTimeMs: ms });
        await backdate(msg.id, jan(day));
      }
      // 300, 200, 900 -> sorted 200, 300, 900: p50 rank 2 -> 300, p95 rank 3 -> 900.
      const stats = await suite.db.messages.aiResponseStats({ since: jan(5) });
      expect(stats).toMatchObject({ count: 3, p50Ms: 300, p95Ms: 900 });
      expect(stats.meanMs).toBeCloseTo(1400 / 3, 9);
    });

    it('returns nulls when there is no AI reply', async () => {
      expect(await suite.db.messages.aiResponseStats({ since: new Date('2100-01-01T00:00:00Z') })).toEqual({
        count: 0,
        meanMs: null,
        p50Ms: null,
        p95Ms: null,
      });
    });

    it('refuses an invalid window', async () => {
      await expect(suite.db.messages.countBySource({ since: new Date('x') })).rejects.toBeInstanceOf(EntityValidationError);
      await expect(suite.db.messages.attribution({ limit: 0 })).rejects.toBeInstanceOf(EntityValidationError);
    });
  });

  describe('input checks before SQL', () => {
    const messageCount = (): Promise<number> => suite.db.manager.count(Message);
    const deep = (depth: number): unknown => {
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i++) value = { child: value };
      return value;
    };

    it('refuses sentAt in year 10000, before 2004 or invalid, writing nothing', async () => {
      const user = await makeUser(suite.db);
      for (const [sentAt, rule] of [
        [new Date(Date.UTC(10000, 0, 1)), 'plausibleTime'],
        [new Date(Date.UTC(-1, 0, 1)), 'plausibleTime'],
        [new Date(-1), 'plausibleTime'],
        [new Date(Date.UTC(2003, 11, 31, 23, 59, 59, 999)), 'plausibleTime'],
        [new Date(Number.NaN), 'isDate'],
      ] as Array<[Date, string]>) {
        expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { sentAt })))).toEqual({ property: 'sentAt', rule });
      }
      expect(await messageCount()).toBe(0);
    });

    it('refuses a platform time in the wrong unit or more than a day ahead, naming the mistake, and leaves last_message_at where it was', async () => {
      const user = await makeUser(suite.db);
      const sentAt = new Date(Date.now() - 60_000);
      await suite.db.messages.recordInbound(inbound(user.id, { sentAt }));
      for (const [bad, hint] of [
        [new Date(1717171717), /seconds read as milliseconds/],
        [new Date(1717171717000 * 1000), /milliseconds read as seconds/],
        [new Date(Date.now() + 2 * 86_400_000), /one day after now/],
      ] as Array<[Date, RegExp]>) {
        const error = await rejection(suite.db.messages.recordInbound(inbound(user.id, { sentAt: bad })));
        expect(error).toMatchObject({ code: 'ENTITY_VALIDATION_ERROR', issues: [{ property: 'sentAt', rules: ['plausibleTime'] }] });
        expect((error as Error).message).toMatch(hint);
      }
      const [conversation] = await conversationsOf(suite.db, user.id);
      expect([conversation?.lastMessageAt?.getTime(), conversation?.messageCount]).toEqual([sentAt.getTime(), 1]);
      expect((await suite.db.manager.findOneByOrFail(User, { id: user.id })).lastMessageAt?.getTime()).toBe(sentAt.getTime());
      expect(await messageCount()).toBe(1);
    });

    it('refuses 100,000 attachments with rule arrayMaxSize, writing nothing', async () => {
      const user = await makeUser(suite.db);
      const attachments = Array.from({ length: 100_000 }, () => ({ type: 'image' }));
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { attachments })))).toEqual({ property: 'attachments', rule: 'arrayMaxSize' });
      expect(await messageCount()).toBe(0);
    });

    it('refuses an 8 MB attachment with rule maxSize, writing nothing', async () => {
      const user = await makeUser(suite.db);
      const attachments = [{ type: 'file', data: 'x'.repeat(8_000_000) }];
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { attachments })))).toEqual({ property: 'attachments[0].data', rule: 'maxSize' });
      expect(await messageCount()).toBe(0);
    });

    it('refuses attachments nested 5,000 levels deep with rule maxDepth, not a RangeError', async () => {
      const user = await makeUser(suite.db);
      const attachments = [{ type: 'x', payload: deep(5000) }];
      expect((await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { attachments })))).rule).toBe('maxDepth');
    });

    it('refuses bigints, functions, symbols, undefined in arrays, cycles and Dates in attachments with rule isJson', async () => {
      const user = await makeUser(suite.db);
      const cyclic: MessageAttachment = { type: 'x' };
      cyclic['self'] = cyclic;
      for (const attachment of [{ type: 'x', n: 1n }, { type: 'x', f: () => 1 }, { type: 'x', s: Symbol('s') }, { type: 'x', list: [1, undefined] }, cyclic, { type: 'x', at: new Date() }]) {
        expect((await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { attachments: [attachment] })))).rule).toBe('isJson');
      }
      expect(await messageCount()).toBe(0);
    });

    it('leaves out an attachment property set to undefined, as JSON does', async () => {
      const user = await makeUser(suite.db);
      const message = await suite.db.messages.recordInbound(inbound(user.id, { attachments: [{ type: 'image', url: undefined }] }));
      expect((await suite.db.manager.findOneByOrFail(Message, { id: message.id })).attachments).toEqual([{ type: 'image' }]);
    });

    it('refuses NUL and lone surrogates in attachment text with rules noNul and wellFormed', async () => {
      const user = await makeUser(suite.db);
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { attachments: [{ type: 'a\u0000' }] })))).toEqual({ property: 'attachments[0].type', rule: 'noNul' });
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { attachments: [{ type: '\ud800' }] })))).toEqual({ property: 'attachments[0].type', rule: 'wellFormed' });
    });

    it('refuses aiResponseTimeMs above 2^31-1 with rule max', async () => {
      const user = await makeUser(suite.db);
      expect(await firstIssue(suite.db.messages.recordOutbound({ ...inbound(user.id), isAiResponse: true, aiResponseTimeMs: 2 ** 31 }))).toEqual({ property: 'aiResponseTimeMs', rule: 'max' });
    });

    it('refuses a userId, postId or conversationId of 2^31 with rule max', async () => {
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(2 ** 31)))).toEqual({ property: 'userId', rule: 'max' });
      const user = await makeUser(suite.db);
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { postId: 2 ** 31 })))).toEqual({ property: 'postId', rule: 'max' });
      expect(await firstIssue(suite.db.messages.listForUser(2 ** 31))).toEqual({ property: 'userId', rule: 'max' });
      expect(await firstIssue(suite.db.messages.listForConversation(2 ** 31))).toEqual({ property: 'conversationId', rule: 'max' });
    });

    it('refuses a receipt time far in the future with rule plausibleTime', async () => {
      expect(await firstIssue(suite.db.messages.updateStatus('mid', MessageStatus.READ, new Date(8.64e15)))).toEqual({ property: 'at', rule: 'plausibleTime' });
    });

    it('refuses a time window outside 1970..9999 with rule dateRange', async () => {
      expect(await firstIssue(suite.db.messages.countBySource({ since: new Date(Date.UTC(1900, 0, 1)) }))).toEqual({ property: 'since', rule: 'dateRange' });
      expect(await firstIssue(suite.db.messages.aiResponseStats({ until: new Date(Date.UTC(10000, 0, 1)) }))).toEqual({ property: 'until', rule: 'dateRange' });
    });

    it('refuses an input key such as constructor or __proto__ as an unknown property', async () => {
      const user = await makeUser(suite.db);
      for (const key of ['constructor', '__proto__', 'toString']) {
        const input = Object.defineProperty(inbound(user.id), key, { value: 1, enumerable: true });
        expect(await firstIssue(suite.db.messages.recordInbound(input))).toEqual({ property: key, rule: 'unknownProperty' });
      }
    });

    it('refuses a NUL in the text with rule noNul on both engines', async () => {
      const user = await makeUser(suite.db);
      expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { text: 'a\u0000b' })))).toEqual({ property: 'text', rule: 'noNul' });
      expect(await messageCount()).toBe(0);
    });
  });
});
