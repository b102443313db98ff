import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { MessageDirection, MessageKind, MessageSource, MessageStatus } from '../../src/enums';
import { WebhookPayloadError } from '../../src/errors';
import { ingestMessengerWebhook } from '../../src/meta/index';
import { makeAdCampaign, makePost, makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { rejection } from '../support/errors';
import { AD_ID, AD_POST_ID, fixture, PAGE_ID, PSID, REPLY_MID, rowCounts } from '../support/meta-fixtures';

/** The fixtures' events are at this time (milliseconds). */
const T = 1717171717000;

describe.each(engines())('ingestMessengerWebhook on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });

  const customer = async (): Promise<User> => suite.db.manager.findOneByOrFail(User, { psid: PSID });
  const messageBy = (mid: string): Promise<Message> => suite.db.manager.findOneByOrFail(Message, { facebookMessageId: mid });

  /** An outbound reply the service recorded itself, sent at `T + offset`. */
  const recordReply = async (userId: number, mid: string, offset: number): Promise<Message> =>
    suite.db.messages.recordOutbound({ userId, source: MessageSource.MESSENGER, text: 'reply', facebookMessageId: mid, sentAt: new Date(T + offset) });

  describe('messages', () => {
    it('records a text message from a new customer, found or created by PSID, sent at the millisecond timestamp', async () => {
      const [result] = await ingestMessengerWebhook(suite.db, fixture('messenger-text'));
      const user = await customer();
      expect(result).toMatchObject({ kind: 'message', outcome: 'created', userId: user.id, direction: 'inbound', messageKind: MessageKind.TEXT, path: 'entry[0].messaging[0]' });
      expect(user.primarySource).toBe(MessageSource.MESSENGER);
      const message = await messageBy(fixture('messenger-text').entry[0].messaging[0].message.mid);
      expect(result?.kind === 'message' && result.messageId).toBe(message.id);
      expect(message.text).toBe('Hi, how much is the blue sofa?');
      expect(message.kind).toBe(MessageKind.TEXT);
      expect(message.direction).toBe(MessageDirection.INBOUND);
      expect(message.sentAt?.getTime()).toBe(T);
      expect(message.attachments).toEqual([{ type: 'quick_reply', payload: { payload: 'PRICE_QUESTION' } }]);
    });

    it('answers duplicate for a redelivered body and writes nothing more', async () => {
      await ingestMessengerWebhook(suite.db, fixture('messenger-text'));
      const before = await rowCounts(suite.db);
      const again = await ingestMessengerWebhook(suite.db, fixture('messenger-text'));
      expect(again.map((r) => r.kind === 'message' && r.outcome)).toEqual(['duplicate']);
      expect(await rowCounts(suite.db)).toEqual(before);
      expect((await suite.db.manager.findOneByOrFail(Conversation, { userId: (await customer()).id })).messageCount).toBe(1);
    });

    it('records attachments with their kind and URL, and a sticker as kind sticker', async () => {
      const body = fixture('messenger-attachments');
      const results = await ingestMessengerWebhook(suite.db, body);
      expect(results.map((r) => r.kind === 'message' && r.messageKind)).toEqual([MessageKind.IMAGE, MessageKind.STICKER]);
      const photo = await messageBy(body.entry[0].messaging[0].message.mid);
      expect(photo.text).toBeNull();
      expect(photo.attachments?.map((a) => [a.type, a.url])).toEqual([
        ['image', body.entry[0].messaging[0].message.attachments[0].payload.url],
        ['file', body.entry[0].messaging[0].message.attachments[1].payload.url],
      ]);
      const sticker = await messageBy(body.entry[0].messaging[1].message.mid);
      expect(sticker.kind).toBe(MessageKind.STICKER);
      expect(sticker.attachments?.[0]?.['payload']).toMatchObject({ sticker_id: 369239263222822 });
    });

    it('records a postback as kind postback with the button title as text and its payload', async () => {
      const [result] = await ingestMessengerWebhook(suite.db, fixture('messenger-postback'));
      expect(result).toMatchObject({ kind: 'message', outcome: 'created', messageKind: MessageKind.POSTBACK });
      const message = await messageBy('m_PbGetStarted0001Tx5gaS3K0MlnZcy0EPhtiVeDPQZu3u8JuzxLP2oLqJkzvZr1cMp1Xc4mQ5pB3GJ0JG3jWw');
      expect(message.text).toBe('Get Started');
      expect(message.attachments).toEqual([{ type: 'postback', payload: { title: 'Get Started', payload: 'GET_STARTED' } }]);
    });

    it('records a postback without a mid once, under an id derived from the event', async () => {
      const body = fixture('messenger-postback');
      delete body.entry[0].messaging[0].postback.mid;
      const [first] = await ingestMessengerWebhook(suite.db, body);
      const [again] = await ingestMessengerWebhook(suite.db, body);
      expect(first?.kind === 'message' && first.platformId).toMatch(/^postback:[0-9a-f]{64}$/);
      expect(again).toMatchObject({ kind: 'message', outcome: 'duplicate', platformId: first?.kind === 'message' ? first.platformId : '' });
      expect((await rowCounts(suite.db)).messages).toBe(1);
    });

    it('records an echo as an outbound message to the recipient, a duplicate of the reply the service recorded', async () => {
      const user = await makeUser(suite.db, { psid: PSID });
      const reply = await recordReply(user.id, REPLY_MID, 10_000);
      const [result] = await ingestMessengerWebhook(suite.db, fixture('messenger-echo'));
      expect(result).toMatchObject({ kind: 'message', outcome: 'duplicate', messageId: reply.id, userId: user.id, direction: 'outbound' });
      expect(await suite.db.users.findByPsid(PAGE_ID)).toBeNull();
    });

    it('records an echo the service did not record as outbound, with the echoed text', async () => {
      const [result] = await ingestMessengerWebhook(suite.db, fixture('messenger-echo'));
      expect(result).toMatchObject({ kind: 'message', outcome: 'created', direction: 'outbound', userId: (await customer()).id });
      const message = await messageBy(REPLY_MID);
      expect(message.direction).toBe(MessageDirection.OUTBOUND);
      expect(message.text).toBe('It is 4,500 EGP, delivery included.');
    });

    it('records a reaction and its removal as kind reaction without counting them in the conversation', async () => {
      const user = await makeUser(suite.db, { psid: PSID });
      const reply = await recordReply(user.id, REPLY_MID, 10_000);
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-reaction'));
      expect(results.map((r) => r.kind === 'message' && r.messageKind)).toEqual([MessageKind.REACTION, MessageKind.REACTION]);
      const rows = await suite.db.manager.find(Message, { where: { kind: MessageKind.REACTION }, order: { id: 'ASC' } });
      expect(rows.map((m) => m.attachments?.[0])).toEqual([
        { type: 'reaction', payload: { emoji: '\u2764\ufe0f', messageId: REPLY_MID } },
        { type: 'reaction', payload: { emoji: '', messageId: REPLY_MID } },
      ]);
      const conversation = await suite.db.manager.findOneByOrFail(Conversation, { id: reply.conversationId });
      expect(conversation.messageCount).toBe(1);
      expect(conversation.lastMessageText).toBe('reply');
    });

    it('records a redelivered reaction once', async () => {
      await ingestMessengerWebhook(suite.db, fixture('messenger-reaction'));
      const again = await ingestMessengerWebhook(suite.db, fixture('messenger-reaction'));
      expect(again.map((r) => r.kind === 'message' && r.outcome)).toEqual(['duplicate', 'duplicate']);
      expect((await rowCounts(suite.db)).messages).toBe(2);
    });

    it('reports an unsent message, an opt-in and a chat-plugin guest as ignored, writing nothing', async () => {
      const body = fixture('messenger-text');
      const event = body.entry[0].messaging[0];
      body.entry[0].messaging = [
        { ...event, message: { mid: 'm_gone', is_deleted: true } },
        { sender: event.sender, recipient: event.recipient, timestamp: T, optin: { type: 'notification_messages', payload: 'x' } },
        { ...event, sender: { user_ref: 'guest-1' } },
      ];
      const results = await ingestMessengerWebhook(suite.db, body);
      expect(results.map((r) => r.kind === 'ignored' && r.reason)).toEqual(['deleted-message', 'unsupported-event', 'unsupported-sender']);
      expect(await rowCounts(suite.db)).toMatchObject({ users: 0, messages: 0 });
    });
  });

  describe('referrals', () => {
    it('attributes a message from an ad to the campaign with that id and to the ad post', async () => {
      const campaign = await makeAdCampaign(suite.db, { facebookCampaignId: AD_ID });
      const post = await makePost(suite.db, { facebookPostId: AD_POST_ID });
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-referral-ad'));
      const message = results.find((r) => r.kind === 'message');
      expect(message?.kind === 'message' && message.attribution).toEqual({
        source: 'ADS', adId: AD_ID, facebookPostId: AD_POST_ID, ref: 'summer_sale', clickId: null,
        adCampaignId: campaign.id, postId: post.id, status: 'matched',
      });
      const stored = await messageBy('m_AdClick0001Tx5gaS3K0MlnZcy0EPhtiVeDPQZu3u8JuzxLP2oLqJkzvZr1cMp1Xc4mQ5pB3GJ0JG3j8Ww');
      expect([stored.adCampaignId, stored.postId]).toEqual([campaign.id, post.id]);
      expect((await suite.db.messages.attribution()).adCampaigns.map((a) => [a.adCampaignId, a.messages])).toEqual([[campaign.id, 1]]);
    });

    it('reports a referral on its own with its customer (created) and attribution', async () => {
      const campaign = await makeAdCampaign(suite.db, { facebookCampaignId: AD_ID });
      const [referral] = await ingestMessengerWebhook(suite.db, fixture('messenger-referral-ad'));
      expect(referral).toMatchObject({ kind: 'referral', userId: (await customer()).id, path: 'entry[0].messaging[0]' });
      expect(referral?.kind === 'referral' && referral.attribution).toMatchObject({ adCampaignId: campaign.id, status: 'matched' });
    });

    it('records a message from an unknown ad without attribution and says so', async () => {
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-referral-ad'));
      const message = results.find((r) => r.kind === 'message');
      expect(message?.kind === 'message' && message.attribution).toMatchObject({ adId: AD_ID, adCampaignId: null, postId: null, status: 'unknown' });
      const stored = await messageBy('m_AdClick0001Tx5gaS3K0MlnZcy0EPhtiVeDPQZu3u8JuzxLP2oLqJkzvZr1cMp1Xc4mQ5pB3GJ0JG3j8Ww');
      expect([stored.adCampaignId, stored.postId]).toEqual([null, null]);
    });

    it('maps the ad to its campaign with campaignOfAd', async () => {
      const campaign = await makeAdCampaign(suite.db, { facebookCampaignId: '120208000000000001' });
      const asked: string[] = [];
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-referral-ad'), {
        campaignOfAd: async (adId) => (asked.push(adId), adId === AD_ID ? '120208000000000001' : null),
      });
      expect(asked).toEqual([AD_ID]);
      expect(results.filter((r) => r.kind !== 'ignored').map((r) => (r.kind === 'message' || r.kind === 'referral' ? r.attribution?.adCampaignId : null))).toEqual([campaign.id, campaign.id]);
    });
  });

  describe('receipts', () => {
    it('marks every outbound message sent at or before the read watermark as read, and counts them', async () => {
      const user = await makeUser(suite.db, { psid: PSID });
      const early = await recordReply(user.id, 'm_early', 10_000);
      const late = await recordReply(user.id, 'm_late', 40_000);
      const [result] = await ingestMessengerWebhook(suite.db, fixture('messenger-read'));
      expect(result).toMatchObject({ kind: 'receipt', outcome: 'applied', status: 'read', count: 1, messageId: null });
      expect(result?.kind === 'receipt' && result.watermark?.getTime()).toBe(T + 30_000);
      expect((await messageBy('m_early')).status).toBe(MessageStatus.READ);
      expect((await messageBy('m_late')).status).toBe(MessageStatus.SENT);
      expect([early.id, late.id]).toHaveLength(2);
    });

    it('answers unchanged for a repeated read receipt', async () => {
      const user = await makeUser(suite.db, { psid: PSID });
      await recordReply(user.id, 'm_early', 10_000);
      await ingestMessengerWebhook(suite.db, fixture('messenger-read'));
      const [again] = await ingestMessengerWebhook(suite.db, fixture('messenger-read'));
      expect(again).toMatchObject({ kind: 'receipt', outcome: 'unchanged', count: 0 });
    });

    it('applies a delivery by each mid and by the watermark, one result each', async () => {
      const user = await makeUser(suite.db, { psid: PSID });
      const reply = await recordReply(user.id, REPLY_MID, 16_000);
      const older = await recordReply(user.id, 'm_older', 5_000);
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-delivery-mids'));
      expect(results).toMatchObject([
        { kind: 'receipt', outcome: 'applied', status: 'delivered', count: 1, messageId: reply.id, platformId: REPLY_MID },
        { kind: 'receipt', outcome: 'applied', status: 'delivered', count: 1, messageId: null, platformId: null },
      ]);
      expect((await messageBy(REPLY_MID)).deliveredAt?.getTime()).toBe(T + 15_000);
      expect((await messageBy('m_older')).status).toBe(MessageStatus.DELIVERED);
      expect(older.id).toBeGreaterThan(reply.id);
    });

    it('applies a delivery without mids by its watermark alone', async () => {
      const user = await makeUser(suite.db, { psid: PSID });
      await recordReply(user.id, 'm_older', 5_000);
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-delivery-watermark'));
      expect(results).toMatchObject([{ kind: 'receipt', outcome: 'applied', count: 1, platformId: null }]);
      expect((await messageBy('m_older')).status).toBe(MessageStatus.DELIVERED);
    });

    it('keeps a delivery for a mid not recorded yet as pending', async () => {
      await makeUser(suite.db, { psid: PSID });
      const [byMid] = await ingestMessengerWebhook(suite.db, fixture('messenger-delivery-mids'));
      expect(byMid).toMatchObject({ kind: 'receipt', outcome: 'pending', platformId: REPLY_MID, messageId: null });
      expect((await rowCounts(suite.db)).pending_receipts).toBe(1);
    });

    it('ignores a receipt from a customer it does not know, creating no user', async () => {
      const results = await ingestMessengerWebhook(suite.db, fixture('messenger-read'));
      expect(results).toMatchObject([{ kind: 'ignored', reason: 'unknown-user' }]);
      expect((await rowCounts(suite.db)).users).toBe(0);
    });
  });

  describe('malformed bodies', () => {
    it('refuses a timestamp in seconds naming its path and the unit mistake, writing nothing of the body', async () => {
      const body = fixture('messenger-attachments');
      body.entry[0].messaging[1].timestamp = Math.floor(T / 1000);
      const error = await rejection(ingestMessengerWebhook(suite.db, body));
      expect(error).toBeInstanceOf(WebhookPayloadError);
      expect((error as WebhookPayloadError).path).toBe('entry[0].messaging[1].timestamp');
      expect((error as WebhookPayloadError).message).toMatch(/looks like seconds, and Messenger sends milliseconds/);
      expect(await rowCounts(suite.db)).toMatchObject({ users: 0, messages: 0, conversations: 0 });
    });

    it.each([
      ['object', (b: any) => (b.object = 'instagram'), 'object'],
      ['entry', (b: any) => delete b.entry, 'entry'],
      ['sender', (b: any) => (b.entry[0].messaging[0].sender = 'x'), 'entry[0].messaging[0].sender'],
      ['mid', (b: any) => (b.entry[0].messaging[0].message.mid = ''), 'entry[0].messaging[0].message.mid'],
      ['text', (b: any) => (b.entry[0].messaging[0].message.text = 42), 'entry[0].messaging[0].message.text'],
      ['a PSID longer than 64', (b: any) => (b.entry[0].messaging[0].sender.id = '9'.repeat(65)), 'entry[0].messaging[0].sender.id'],
      ['two events in one', (b: any) => (b.entry[0].messaging[0].read = { watermark: T }), 'entry[0].messaging[0]'],
    ])('refuses a bad %s naming its path', async (_name, breakIt, path) => {
      const body = fixture('messenger-text');
      breakIt(body);
      const error = await rejection(ingestMessengerWebhook(suite.db, body));
      expect(error).toBeInstanceOf(WebhookPayloadError);
      expect((error as WebhookPayloadError).path).toBe(path);
      expect((error as WebhookPayloadError).code).toBe('INVALID_WEBHOOK_PAYLOAD');
    });

    it('refuses a reaction emoji longer than the column naming its path', async () => {
      const body = fixture('messenger-reaction');
      body.entry[0].messaging[1].reaction = { action: 'react', emoji: '\u{1F44D}'.repeat(40), mid: REPLY_MID };
      const error = await rejection(ingestMessengerWebhook(suite.db, body));
      expect((error as WebhookPayloadError).path).toBe('entry[0].messaging[1].reaction.emoji');
    });

    it('turns a refusal by the repositories into a payload error naming the event, rolling back the events before it', async () => {
      const body = fixture('messenger-attachments');
      let deep: Record<string, unknown> = { url: 'https://example.com/x.jpg' };
      for (let i = 0; i < 40; i++) deep = { nested: deep };
      body.entry[0].messaging[1].message.attachments[0].payload = deep;
      const error = await rejection(ingestMessengerWebhook(suite.db, body));
      expect(error).toBeInstanceOf(WebhookPayloadError);
      expect((error as WebhookPayloadError).path).toBe('entry[0].messaging[1]');
      expect((error as WebhookPayloadError).message).toMatch(/attachments/);
      expect(await rowCounts(suite.db)).toMatchObject({ users: 0, messages: 0, conversations: 0 });
    });

    it('joins the caller transaction: a throw after ingesting rolls the body back', async () => {
      const error = await rejection(
        suite.db.transaction(async (tx) => {
          await ingestMessengerWebhook(tx, fixture('messenger-text'));
          throw new Error('handler failed');
        }),
      );
      expect((error as Error).message).toBe('handler failed');
      expect(await rowCounts(suite.db)).toMatchObject({ users: 0, messages: 0 });
    });
  });
});
