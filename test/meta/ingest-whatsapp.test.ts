import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { MessageKind, MessageSource, MessageStatus } from '../../src/enums';
import { WebhookPayloadError } from '../../src/errors';
import { ingestWhatsAppWebhook } from '../../src/meta/index';
import { makeAdCampaign, makePost, makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { rejection } from '../support/errors';
import { AD_ID, fixture, PHONE, rowCounts, WAMID_FAIL, WAMID_OUT } from '../support/meta-fixtures';

/** The fixtures' messages are at this unix time (seconds). */
const S = 1717171717;
const VALUE = 'entry[0].changes[0].value';

describe.each(engines())('ingestWhatsAppWebhook on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });

  const customer = (): Promise<User> => suite.db.manager.findOneByOrFail(User, { phoneNumber: PHONE });
  const messageBy = (wamid: string): Promise<Message> => suite.db.manager.findOneByOrFail(Message, { whatsappMessageId: wamid });
  const firstWamid = (name: string): string => fixture(name).entry[0].changes[0].value.messages[0].id;
  const recordOut = (userId: number, wamid: string): Promise<Message> =>
    suite.db.messages.recordOutbound({ userId, source: MessageSource.WHATSAPP, text: 'Your order is ready', whatsappMessageId: wamid, sentAt: new Date(S * 1000 + 20_000) });

  describe('messages', () => {
    it('records a text message from a new customer by wa_id as E.164, named from contacts, sent at the timestamp in seconds', async () => {
      const [result] = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
      const user = await customer();
      expect(result).toMatchObject({ kind: 'message', outcome: 'created', userId: user.id, messageKind: MessageKind.TEXT, path: `${VALUE}.messages[0]` });
      expect([user.firstName, user.primarySource, user.psid]).toEqual(['Mona Ali', MessageSource.WHATSAPP, null]);
      const message = await messageBy(firstWamid('whatsapp-text'));
      expect(message.text).toBe('Hello, I saw your ad. Is the blue sofa in stock?');
      expect(message.sentAt?.getTime()).toBe(S * 1000);
      expect(message.source).toBe(MessageSource.WHATSAPP);
    });

    it('finds the customer an agent created with a formatted number, keeping the name the agent entered', async () => {
      const agent = await suite.db.users.create({ phoneNumber: '+20 100 123 4567', firstName: 'Mona (VIP)' });
      const [result] = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
      expect(result).toMatchObject({ kind: 'message', userId: agent.id });
      expect((await customer()).firstName).toBe('Mona (VIP)');
      expect((await rowCounts(suite.db)).users).toBe(1);
    });

    it('fills a missing name of a known customer from the profile', async () => {
      const known = await makeUser(suite.db, { phoneNumber: PHONE, psid: null, firstName: null });
      await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
      expect((await suite.db.manager.findOneByOrFail(User, { id: known.id })).firstName).toBe('Mona Ali');
    });

    it('attributes a click-to-WhatsApp ad to its campaign and reports the click id', async () => {
      const campaign = await makeAdCampaign(suite.db, { facebookCampaignId: AD_ID });
      const [result] = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
      expect(result?.kind === 'message' && result.attribution).toMatchObject({ source: 'ad', adId: AD_ID, adCampaignId: campaign.id, status: 'matched' });
      expect(result?.kind === 'message' && result.attribution?.clickId).toMatch(/^ARAkLk/);
      expect((await messageBy(firstWamid('whatsapp-text'))).adCampaignId).toBe(campaign.id);
    });

    it('attributes a message from a post to the post', async () => {
      const post = await makePost(suite.db, { facebookPostId: '104582317890123_999' });
      const body = fixture('whatsapp-text');
      body.entry[0].changes[0].value.messages[0].referral = { source_type: 'post', source_id: '104582317890123_999', source_url: 'https://fb.me/post' };
      const [result] = await ingestWhatsAppWebhook(suite.db, body);
      expect(result?.kind === 'message' && result.attribution).toMatchObject({ facebookPostId: '104582317890123_999', postId: post.id, adCampaignId: null, status: 'matched' });
      expect((await messageBy(firstWamid('whatsapp-text'))).postId).toBe(post.id);
    });

    it('records an unknown ad without attribution and says so', async () => {
      const [result] = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
      expect(result?.kind === 'message' && result.attribution).toMatchObject({ adId: AD_ID, adCampaignId: null, status: 'unknown' });
      expect((await messageBy(firstWamid('whatsapp-text'))).adCampaignId).toBeNull();
    });

    it('records an image with its caption as text, the media as the attachment and the replied-to wamid', async () => {
      const body = fixture('whatsapp-image');
      await ingestWhatsAppWebhook(suite.db, body);
      const message = await messageBy(firstWamid('whatsapp-image'));
      expect(message.kind).toBe(MessageKind.IMAGE);
      expect(message.text).toBe('This one, in grey');
      expect(message.attachments).toEqual([
        { type: 'image', payload: body.entry[0].changes[0].value.messages[0].image },
        { type: 'reply_to', payload: { messageId: WAMID_OUT } },
      ]);
    });

    it('records a reaction and its removal without counting them in the conversation', async () => {
      const user = await suite.db.users.findOrCreateByPhone(PHONE);
      const out = await recordOut(user.id, WAMID_OUT);
      await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-reaction'));
      const reactions = await suite.db.manager.find(Message, { where: { kind: MessageKind.REACTION }, order: { id: 'ASC' } });
      expect(reactions.map((m) => m.attachments)).toEqual([
        [{ type: 'reaction', payload: { emoji: '\u{1F44D}', messageId: WAMID_OUT } }],
        [{ type: 'reaction', payload: { emoji: '', messageId: WAMID_OUT } }],
      ]);
      const conversation = await suite.db.manager.findOneByOrFail(Conversation, { id: out.conversationId });
      expect([conversation.messageCount, conversation.lastMessageText]).toEqual([1, 'Your order is ready']);
    });

    it('records a location with its coordinates, name and address', async () => {
      await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-location'));
      const message = await messageBy(firstWamid('whatsapp-location'));
      expect(message.kind).toBe(MessageKind.LOCATION);
      expect(message.attachments).toEqual([
        { type: 'location', payload: { latitude: 30.0444196, longitude: 31.2357116, name: 'Tahrir Square', address: 'Tahrir Square, Cairo Governorate, Egypt' } },
      ]);
    });

    it('records shared contact cards as they were sent', async () => {
      const body = fixture('whatsapp-contacts');
      await ingestWhatsAppWebhook(suite.db, body);
      const message = await messageBy(firstWamid('whatsapp-contacts'));
      expect(message.kind).toBe(MessageKind.CONTACTS);
      expect(message.attachments).toEqual([{ type: 'contacts', payload: { contacts: body.entry[0].changes[0].value.messages[0].contacts } }]);
    });

    it('records an unsupported message with the platform errors', async () => {
      await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-unsupported'));
      const message = await messageBy(firstWamid('whatsapp-unsupported'));
      expect([message.kind, message.text]).toEqual([MessageKind.UNSUPPORTED, null]);
      expect(message.attachments).toEqual([
        { type: 'unsupported', payload: { type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown' }] } },
      ]);
    });

    it('keeps a message type WhatsApp adds later as unsupported, and ignores system messages', async () => {
      const body = fixture('whatsapp-text');
      const base = body.entry[0].changes[0].value.messages[0];
      body.entry[0].changes[0].value.messages = [
        { from: base.from, id: 'wamid.order1', timestamp: base.timestamp, type: 'order', order: { catalog_id: '1', product_items: [] } },
        { from: base.from, id: 'wamid.system1', timestamp: base.timestamp, type: 'system', system: { body: 'changed number' } },
      ];
      const results = await ingestWhatsAppWebhook(suite.db, body);
      expect(results.map((r) => (r.kind === 'message' ? r.messageKind : r.kind === 'ignored' ? r.reason : r.kind))).toEqual([MessageKind.UNSUPPORTED, 'system-message']);
      expect((await messageBy('wamid.order1')).attachments).toEqual([{ type: 'unsupported', payload: { type: 'order' } }]);
    });

    it('lists a message delivered late where it was sent, and keeps the newest one as the conversation preview', async () => {
      const newer = fixture('whatsapp-multi');
      newer.entry = [{ ...newer.entry[0], changes: [newer.entry[0].changes[0]] }];
      const [first] = await ingestWhatsAppWebhook(suite.db, newer);
      // Sent ten minutes before the one above, delivered by the webhook after it.
      const [late] = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-text'));
      const user = await customer();
      const page = await suite.db.messages.listForUser(user.id, { limit: 10 });
      expect(page.items.map((m) => m.id)).toEqual([first?.kind === 'message' && first.messageId, late?.kind === 'message' && late.messageId]);
      const conversation = await suite.db.manager.findOneByOrFail(Conversation, { userId: user.id });
      expect([conversation.lastMessageText, conversation.lastMessageAt?.getTime(), conversation.messageCount]).toEqual(['And the price of the grey one?', (S + 600) * 1000, 2]);
      expect((await suite.db.manager.findOneByOrFail(User, { id: user.id })).lastMessageAt?.getTime()).toBe((S + 600) * 1000);
    });

    it('answers duplicate for a redelivered body and writes nothing more', async () => {
      await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-reaction'));
      const before = await rowCounts(suite.db);
      const again = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-reaction'));
      expect(again.map((r) => r.kind === 'message' && r.outcome)).toEqual(['duplicate', 'duplicate']);
      expect(await rowCounts(suite.db)).toEqual(before);
    });
  });

  describe('statuses', () => {
    it('applies sent, delivered and read in order and stores a failed status with its error', async () => {
      const user = await suite.db.users.findOrCreateByPhone(PHONE);
      const out = await recordOut(user.id, WAMID_OUT);
      const failed = await recordOut(user.id, WAMID_FAIL);
      const results = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-statuses'));
      expect(results.map((r) => r.kind === 'receipt' && [r.status, r.outcome, r.messageId])).toEqual([
        ['sent', 'unchanged', out.id],
        ['delivered', 'applied', out.id],
        ['read', 'applied', out.id],
        ['failed', 'applied', failed.id],
      ]);
      const read = await messageBy(WAMID_OUT);
      expect([read.status, read.deliveredAt?.getTime(), read.readAt?.getTime()]).toEqual([MessageStatus.READ, (S + 32) * 1000, (S + 90) * 1000]);
      const gone = await messageBy(WAMID_FAIL);
      expect([gone.status, gone.errorCode, gone.errorTitle]).toEqual([MessageStatus.FAILED, 131047, 'Re-engagement message']);
    });

    it('answers unchanged when the statuses are delivered again', async () => {
      const user = await suite.db.users.findOrCreateByPhone(PHONE);
      await recordOut(user.id, WAMID_OUT);
      await recordOut(user.id, WAMID_FAIL);
      await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-statuses'));
      const again = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-statuses'));
      expect(again.map((r) => r.kind === 'receipt' && r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    });

    it('reports a status outside the four known ones as ignored', async () => {
      const user = await suite.db.users.findOrCreateByPhone(PHONE);
      await recordOut(user.id, WAMID_OUT);
      const [result] = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-status-unknown'));
      expect(result).toMatchObject({ kind: 'ignored', reason: 'unknown-status', path: `${VALUE}.statuses[0]` });
      expect(result?.kind === 'ignored' && result.detail).toMatch(/deleted/);
      expect((await messageBy(WAMID_OUT)).status).toBe(MessageStatus.SENT);
    });

    it('keeps a status that arrives before its outbound message and applies it when the message is recorded', async () => {
      const body = fixture('whatsapp-status-before-message');
      const wamid = body.entry[0].changes[0].value.statuses[0].id;
      const [result] = await ingestWhatsAppWebhook(suite.db, body);
      expect(result).toMatchObject({ kind: 'receipt', outcome: 'pending', status: 'delivered', messageId: null, platformId: wamid });
      const user = await suite.db.users.findOrCreateByPhone(PHONE);
      const out = await recordOut(user.id, wamid);
      expect(out.status).toBe(MessageStatus.DELIVERED);
      expect(out.deliveredAt?.getTime()).toBe((S + 500) * 1000);
    });

    it('keeps a failed status with its errors[] that arrives before its outbound message and stores the error when the message is recorded', async () => {
      const statuses = fixture('whatsapp-statuses');
      const failed = statuses.entry[0].changes[0].value.statuses[3];
      const body = fixture('whatsapp-status-before-message');
      body.entry[0].changes[0].value.statuses = [failed];
      const [result] = await ingestWhatsAppWebhook(suite.db, body);
      expect(result).toMatchObject({ kind: 'receipt', outcome: 'pending', status: 'failed', messageId: null, platformId: WAMID_FAIL });
      expect((await rowCounts(suite.db)).pending_receipts).toBe(1);
      const user = await suite.db.users.findOrCreateByPhone(PHONE);
      const out = await recordOut(user.id, WAMID_FAIL);
      expect([out.status, out.errorCode, out.errorTitle]).toEqual([MessageStatus.FAILED, 131047, 'Re-engagement message']);
      const stored = await messageBy(WAMID_FAIL);
      expect([stored.status, stored.errorCode, stored.errorTitle]).toEqual([MessageStatus.FAILED, 131047, 'Re-engagement message']);
      expect((await rowCounts(suite.db)).pending_receipts).toBe(0);
    });
  });

  it('records a body of several entries and changes in body order, ignoring a change that holds no messages', async () => {
    const user = await suite.db.users.findOrCreateByPhone(PHONE);
    await recordOut(user.id, WAMID_OUT);
    const results = await ingestWhatsAppWebhook(suite.db, fixture('whatsapp-multi'));
    expect(results.map((r) => [r.kind, r.path])).toEqual([
      ['message', 'entry[0].changes[0].value.messages[0]'],
      ['message', 'entry[0].changes[1].value.messages[0]'],
      ['ignored', 'entry[1].changes[0]'],
      ['receipt', 'entry[1].changes[1].value.statuses[0]'],
    ]);
    expect(results[2]).toMatchObject({ reason: 'unsupported-field' });
    const omar = await suite.db.users.findByPhone('201112223334');
    expect(omar?.firstName).toBe('Omar Farouk');
    expect(results[1]).toMatchObject({ userId: omar?.id });
    expect((await messageBy(WAMID_OUT)).status).toBe(MessageStatus.READ);
  });

  describe('malformed bodies', () => {
    it('refuses a timestamp in milliseconds naming its path and the unit mistake, writing nothing of the body', async () => {
      const body = fixture('whatsapp-multi');
      body.entry[0].changes[1].value.messages[0].timestamp = String(S * 1000);
      const error = await rejection(ingestWhatsAppWebhook(suite.db, body));
      expect(error).toBeInstanceOf(WebhookPayloadError);
      expect((error as WebhookPayloadError).path).toBe('entry[0].changes[1].value.messages[0].timestamp');
      expect((error as WebhookPayloadError).message).toMatch(/looks like milliseconds, and WhatsApp sends seconds/);
      expect(await rowCounts(suite.db)).toMatchObject({ users: 0, messages: 0, pending_receipts: 0 });
    });

    it('turns a refusal by the repositories into a payload error naming the message, rolling back the changes before it', async () => {
      const body = fixture('whatsapp-multi');
      let deep: Record<string, unknown> = { url: 'https://example.com/x.jpg' };
      for (let i = 0; i < 40; i++) deep = { nested: deep };
      // The parser keeps a media object as sent; the repositories refuse one nested this deep.
      const second = body.entry[0].changes[1].value.messages[0];
      body.entry[0].changes[1].value.messages[0] = { from: second.from, id: second.id, timestamp: second.timestamp, type: 'image', image: { id: '1234567890', mime_type: 'image/jpeg', extra: deep } };
      const error = await rejection(ingestWhatsAppWebhook(suite.db, body));
      expect(error).toBeInstanceOf(WebhookPayloadError);
      expect((error as WebhookPayloadError).path).toBe('entry[0].changes[1].value.messages[0]');
      expect((error as WebhookPayloadError).message).toMatch(/attachments/);
      expect(await rowCounts(suite.db)).toMatchObject({ users: 0, messages: 0, conversations: 0 });
    });

    it.each([
      ['object', (b: any) => (b.object = 'page'), 'object'],
      ['changes', (b: any) => (b.entry[0].changes = {}), 'entry[0].changes'],
      ['messaging_product', (b: any) => delete b.entry[0].changes[0].value.messaging_product, `${VALUE}.messaging_product`],
      ['timestamp as a number', (b: any) => (b.entry[0].changes[0].value.messages[0].timestamp = S), `${VALUE}.messages[0].timestamp`],
      ['wa_id', (b: any) => (b.entry[0].changes[0].value.messages[0].from = '12345'), `${VALUE}.messages[0].from`],
      ['text body', (b: any) => (b.entry[0].changes[0].value.messages[0].text = { body: '' }), `${VALUE}.messages[0].text.body`],
      ['referral source_id', (b: any) => (b.entry[0].changes[0].value.messages[0].referral.source_id = 7), `${VALUE}.messages[0].referral.source_id`],
    ])('refuses a bad %s naming its path', async (_name, breakIt, path) => {
      const body = fixture('whatsapp-text');
      breakIt(body);
      const error = await rejection(ingestWhatsAppWebhook(suite.db, body));
      expect(error).toBeInstanceOf(WebhookPayloadError);
      expect((error as WebhookPayloadError).path).toBe(path);
    });

    it.each([
      ['latitude', (b: any) => (b.entry[0].changes[0].value.messages[0].location.latitude = 91), `${VALUE}.messages[0].location.latitude`],
      ['status errors', (b: any) => (b.entry[0].changes[0].value.messages[0].errors = [{ title: 'no code' }]), `${VALUE}.messages[0].errors[0].code`],
    ])('refuses a bad %s of a typed message naming its path', async (_name, breakIt, path) => {
      const body = fixture(path.includes('location') ? 'whatsapp-location' : 'whatsapp-unsupported');
      breakIt(body);
      expect(((await rejection(ingestWhatsAppWebhook(suite.db, body))) as WebhookPayloadError).path).toBe(path);
    });
  });
});
