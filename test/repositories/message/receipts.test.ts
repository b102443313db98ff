import { describe, expect, it } from 'vitest';
import { PendingReceipt } from '../../../src/entities/pending-receipt.entity';
import { MessageSource, MessageStatus } from '../../../src/enums';
import { makeUser } from '../../../src/testing';
import { useTestDatabase } from '../../support/database';
import { engines } from '../../support/engines';
import { firstIssue } from '../../support/errors';
import { captureQueries } from '../../support/query-plan';
import { messagesOf } from '../../support/messages';

const minutesAgo = (n: number): Date => new Date(Date.now() - n * 60_000);

describe.each(engines())('message receipts on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const uid = (prefix: string): string => `${prefix}-${engine}-${++seq}`;

  const outbound = async (userId: number, sentAt: Date, source = MessageSource.MESSENGER) =>
    suite.db.messages.recordOutbound({
      userId,
      source,
      text: 'offer',
      sentAt,
      ...(source === MessageSource.WHATSAPP ? { whatsappMessageId: uid('wamid') } : { facebookMessageId: uid('m') }),
    });
  const pendingRows = () => suite.db.manager.find(PendingReceipt, { order: { id: 'ASC' } });

  describe('markDeliveredUpTo and markReadUpTo', () => {
    it('marks every outbound message sent at or before the watermark, in one UPDATE, and returns the count', async () => {
      const user = await makeUser(suite.db);
      const a = await outbound(user.id, minutesAgo(30));
      const b = await outbound(user.id, minutesAgo(20));
      const c = await outbound(user.id, minutesAgo(10));
      let count = 0;
      const queries = await captureQueries(suite.db, async () => {
        count = await suite.db.messages.markDeliveredUpTo(user.id, b.sentAt!, MessageSource.MESSENGER);
      });
      expect(count).toBe(2);
      expect(queries.filter((q) => /^\s*UPDATE/i.test(q.sql))).toHaveLength(1);
      const stored = await messagesOf(suite.db, user.id);
      expect(stored.map((m) => [m.id, m.status])).toEqual([
        [a.id, MessageStatus.DELIVERED],
        [b.id, MessageStatus.DELIVERED],
        [c.id, MessageStatus.SENT],
      ]);
      expect(stored[0]!.deliveredAt?.toISOString()).toBe(b.sentAt!.toISOString());
    });

    it('leaves inbound messages, other users and other channels alone', async () => {
      const user = await makeUser(suite.db);
      const other = await makeUser(suite.db);
      const at = minutesAgo(5);
      await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'hi', sentAt: minutesAgo(9) });
      await outbound(user.id, minutesAgo(8), MessageSource.WHATSAPP);
      await outbound(other.id, minutesAgo(8));
      expect(await suite.db.messages.markReadUpTo(user.id, at, MessageSource.MESSENGER)).toBe(0);
      const statuses = [...(await messagesOf(suite.db, user.id)), ...(await messagesOf(suite.db, other.id))].map((m) => m.status);
      expect(statuses).toEqual([MessageStatus.SENT, MessageStatus.SENT, MessageStatus.SENT]);
    });

    it('never moves a status backwards and counts only the rows it changed', async () => {
      const user = await makeUser(suite.db);
      const read = await outbound(user.id, minutesAgo(30));
      const failed = await outbound(user.id, minutesAgo(25));
      const sent = await outbound(user.id, minutesAgo(20));
      await suite.db.messages.updateStatus(read.facebookMessageId!, MessageStatus.READ, minutesAgo(29));
      await suite.db.messages.updateStatus(failed.facebookMessageId!, MessageStatus.FAILED, minutesAgo(24));
      expect(await suite.db.messages.markDeliveredUpTo(user.id, minutesAgo(1), MessageSource.MESSENGER)).toBe(1);
      expect((await messagesOf(suite.db, user.id)).map((m) => [m.id, m.status])).toEqual([
        [read.id, MessageStatus.READ],
        [failed.id, MessageStatus.FAILED],
        [sent.id, MessageStatus.DELIVERED],
      ]);
      expect(await suite.db.messages.markDeliveredUpTo(user.id, minutesAgo(1), MessageSource.MESSENGER)).toBe(0);
    });

    it('marks read with deliveredAt filled where it was missing', async () => {
      const user = await makeUser(suite.db);
      const msg = await outbound(user.id, minutesAgo(10));
      const watermark = minutesAgo(2);
      expect(await suite.db.messages.markReadUpTo(user.id, watermark, MessageSource.MESSENGER)).toBe(1);
      const [stored] = await messagesOf(suite.db, user.id);
      expect([stored!.id, stored!.status, stored!.readAt?.toISOString(), stored!.deliveredAt?.toISOString()]).toEqual([
        msg.id,
        MessageStatus.READ,
        watermark.toISOString(),
        watermark.toISOString(),
      ]);
      expect(await suite.db.messages.markReadUpTo(user.id, minutesAgo(1), MessageSource.MESSENGER)).toBe(0);
    });

    it('refuses a watermark in seconds read as milliseconds with rule plausibleTime, naming the mistake', async () => {
      const user = await makeUser(suite.db);
      const error = firstIssue(suite.db.messages.markReadUpTo(user.id, new Date(1_700_000_000), MessageSource.MESSENGER));
      expect(await error).toEqual({ property: 'watermark', rule: 'plausibleTime' });
      await expect(suite.db.messages.markReadUpTo(user.id, new Date(1_700_000_000), MessageSource.MESSENGER)).rejects.toThrow(/seconds read as milliseconds/);
    });

    it('refuses a source outside MessageSource', async () => {
      const user = await makeUser(suite.db);
      await expect(suite.db.messages.markDeliveredUpTo(user.id, new Date(), 'sms' as MessageSource)).rejects.toMatchObject({ code: 'INVALID_ENUM_VALUE' });
    });
  });

  describe('applyStatus', () => {
    it('applies a known status and answers applied, then unchanged when repeated', async () => {
      const user = await makeUser(suite.db);
      const msg = await outbound(user.id, minutesAgo(5), MessageSource.WHATSAPP);
      const at = minutesAgo(4);
      const first = await suite.db.messages.applyStatus({ messageId: msg.whatsappMessageId!, status: 'delivered', at });
      expect(first.outcome).toBe('applied');
      expect(first.message?.status).toBe(MessageStatus.DELIVERED);
      expect(first.message?.deliveredAt?.toISOString()).toBe(at.toISOString());
      const again = await suite.db.messages.applyStatus({ messageId: msg.whatsappMessageId!, status: 'delivered', at: minutesAgo(3) });
      expect(again).toMatchObject({ outcome: 'unchanged', message: { id: msg.id, status: MessageStatus.DELIVERED } });
    });

    it('answers unchanged for a status behind the current one', async () => {
      const user = await makeUser(suite.db);
      const msg = await outbound(user.id, minutesAgo(5), MessageSource.WHATSAPP);
      await suite.db.messages.applyStatus({ messageId: msg.whatsappMessageId!, status: 'read', at: minutesAgo(3) });
      const late = await suite.db.messages.applyStatus({ messageId: msg.whatsappMessageId!, status: 'delivered', at: minutesAgo(4) });
      expect(late.outcome).toBe('unchanged');
      expect(late.message?.status).toBe(MessageStatus.READ);
    });

    it('ignores a status it does not track, such as deleted or warning, writing nothing', async () => {
      const user = await makeUser(suite.db);
      const msg = await outbound(user.id, minutesAgo(5), MessageSource.WHATSAPP);
      for (const status of ['deleted', 'warning', 'x'.repeat(500)]) {
        const result = await suite.db.messages.applyStatus({ messageId: msg.whatsappMessageId!, status, at: new Date() });
        expect(result.outcome).toBe('ignored');
        expect(result.message).toBeNull();
        expect(result.reason).toMatch(/is not tracked/);
      }
      expect((await suite.db.messages.applyStatus({ messageId: 'wamid.nobody', status: 'deleted', at: new Date() })).outcome).toBe('ignored');
      expect((await messagesOf(suite.db, user.id))[0]?.status).toBe(MessageStatus.SENT);
      expect(await pendingRows()).toEqual([]);
    });

    it('stores the first error code and title of a failed status on the message', async () => {
      const user = await makeUser(suite.db);
      const msg = await outbound(user.id, minutesAgo(5), MessageSource.WHATSAPP);
      const result = await suite.db.messages.applyStatus({
        messageId: msg.whatsappMessageId!,
        status: 'failed',
        at: minutesAgo(4),
        errors: [{ code: 131047, title: 'Re-engagement message', message: 'More than 24 hours have passed' }, { code: 1, title: 'second' }],
      });
      expect(result.outcome).toBe('applied');
      expect(result.message).toMatchObject({ status: MessageStatus.FAILED, errorCode: 131047, errorTitle: 'Re-engagement message' });
    });

    it('marks failed without errors, leaving the error columns empty', async () => {
      const user = await makeUser(suite.db);
      const msg = await outbound(user.id, minutesAgo(5), MessageSource.WHATSAPP);
      const result = await suite.db.messages.applyStatus({ messageId: msg.whatsappMessageId!, status: 'failed', at: minutesAgo(4) });
      expect(result.message).toMatchObject({ status: MessageStatus.FAILED, errorCode: null, errorTitle: null });
    });

    it('keeps a status for a message not recorded yet and applies it when recordOutbound records that id', async () => {
      const user = await makeUser(suite.db);
      const wamid = uid('wamid');
      const deliveredAt = minutesAgo(3);
      const readAt = minutesAgo(2);
      expect(await suite.db.messages.applyStatus({ messageId: wamid, status: 'read', at: readAt })).toMatchObject({ outcome: 'pending', message: null });
      expect((await suite.db.messages.applyStatus({ messageId: wamid, status: 'delivered', at: deliveredAt })).outcome).toBe('pending');
      expect((await suite.db.messages.applyStatus({ messageId: wamid, status: 'delivered', at: deliveredAt })).outcome).toBe('pending');
      expect((await pendingRows()).map((r) => [r.externalId, r.status])).toEqual([
        [wamid, MessageStatus.READ],
        [wamid, MessageStatus.DELIVERED],
      ]);
      const msg = await suite.db.messages.recordOutbound({ userId: user.id, source: MessageSource.WHATSAPP, text: 'offer', whatsappMessageId: wamid, sentAt: minutesAgo(4) });
      expect([msg.status, msg.deliveredAt?.toISOString(), msg.readAt?.toISOString()]).toEqual([MessageStatus.READ, deliveredAt.toISOString(), readAt.toISOString()]);
      expect(await pendingRows()).toEqual([]);
      expect((await messagesOf(suite.db, user.id))[0]?.status).toBe(MessageStatus.READ);
    });

    it('keeps a failed status with its error and applies it on recording', async () => {
      const user = await makeUser(suite.db);
      const wamid = uid('wamid');
      await suite.db.messages.applyStatus({ messageId: wamid, status: 'failed', at: minutesAgo(1), errors: [{ code: 131026, title: 'Message undeliverable' }] });
      const msg = await suite.db.messages.recordOutbound({ userId: user.id, source: MessageSource.WHATSAPP, text: 'offer', whatsappMessageId: wamid, sentAt: minutesAgo(2) });
      expect(msg).toMatchObject({ status: MessageStatus.FAILED, errorCode: 131026, errorTitle: 'Message undeliverable' });
    });

    it('applies nothing kept when recording fails, and keeps the status for the next try', async () => {
      const wamid = uid('wamid');
      await suite.db.messages.applyStatus({ messageId: wamid, status: 'delivered', at: minutesAgo(1) });
      await expect(suite.db.messages.recordOutbound({ userId: 2_000_000_000, source: MessageSource.WHATSAPP, text: 'x', whatsappMessageId: wamid })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await pendingRows()).map((r) => r.externalId)).toEqual([wamid]);
    });

    it('drops kept statuses older than 7 days when a new one is kept', async () => {
      const old = uid('wamid');
      await suite.db.messages.applyStatus({ messageId: old, status: 'delivered', at: minutesAgo(1) });
      await suite.db.manager.update(PendingReceipt, { externalId: old }, { createdAt: new Date(Date.now() - 8 * 86_400_000) });
      const fresh = uid('wamid');
      await suite.db.messages.applyStatus({ messageId: fresh, status: 'delivered', at: minutesAgo(1) });
      expect((await pendingRows()).map((r) => r.externalId)).toEqual([fresh]);
    });

    it('refuses a receipt time in milliseconds read as seconds, naming the mistake', async () => {
      const at = new Date(1_700_000_000_000 * 1000);
      expect(await firstIssue(suite.db.messages.applyStatus({ messageId: 'wamid.1', status: 'read', at }))).toEqual({ property: 'at', rule: 'plausibleTime' });
      await expect(suite.db.messages.applyStatus({ messageId: 'wamid.1', status: 'read', at })).rejects.toThrow(/milliseconds read as seconds/);
    });

    it('refuses malformed receipts before SQL, writing nothing', async () => {
      const at = new Date();
      expect(await firstIssue(suite.db.messages.applyStatus({ messageId: '', status: 'read', at }))).toEqual({ property: 'messageId', rule: 'isNotEmpty' });
      expect(await firstIssue(suite.db.messages.applyStatus({ messageId: 'w', status: 7 as unknown as string, at }))).toEqual({ property: 'status', rule: 'isString' });
      expect(await firstIssue(suite.db.messages.applyStatus({ messageId: 'w', status: 'failed', at, errors: [{ code: 1.5, title: 't' }] }))).toEqual({ property: 'errors[0].code', rule: 'isInt' });
      expect(await firstIssue(suite.db.messages.applyStatus({ messageId: 'w', status: 'failed', at, errors: [{ code: 1 } as never] }))).toEqual({ property: 'errors[0].title', rule: 'isString' });
      expect(await firstIssue(suite.db.messages.applyStatus(null as never))).toEqual({ property: 'receipt', rule: 'isObject' });
      expect(await pendingRows()).toEqual([]);
    });
  });

  describe('updateStatus', () => {
    it('still returns null for an unknown id and keeps nothing', async () => {
      expect(await suite.db.messages.updateStatus('m_unknown', MessageStatus.READ)).toBeNull();
      expect(await pendingRows()).toEqual([]);
    });
  });
});
