import { describe, expect, it } from 'vitest';
import { MessageKind, MessageSource } from '../../../src/enums';
import { makeUser } from '../../../src/testing';
import { useTestDatabase } from '../../support/database';
import { engines } from '../../support/engines';
import { firstIssue } from '../../support/errors';
import { conversationsOf, inbound, messagesOf } from '../../support/messages';

const reaction = (messageId: string, emoji = '\u{1F44D}') => [{ type: 'reaction', payload: { emoji, messageId } }];

describe.each(engines())('message kinds on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const uid = (prefix: string): string => `${prefix}-${engine}-${++seq}`;

  it('stores kind text for a message with text and no kind given', async () => {
    const user = await makeUser(suite.db);
    const msg = await suite.db.messages.recordInbound(inbound(user.id, { text: 'Hi', attachments: [{ type: 'image', url: 'https://x.test/a.jpg' }] }));
    expect(msg.kind).toBe(MessageKind.TEXT);
    expect((await messagesOf(suite.db, user.id))[0]?.kind).toBe(MessageKind.TEXT);
  });

  it("takes the kind of an attachment-only message from its first attachment's type", async () => {
    const user = await makeUser(suite.db);
    const audio = await suite.db.messages.recordInbound(inbound(user.id, { text: null, attachments: [{ type: 'audio', url: 'https://x.test/a.ogg' }] }));
    const other = await suite.db.messages.recordInbound(inbound(user.id, { text: null, attachments: [{ type: 'fallback', url: 'https://x.test' }] }));
    expect([audio.kind, other.kind]).toEqual([MessageKind.AUDIO, MessageKind.FILE]);
  });

  it('records an unsupported message with neither text nor attachments', async () => {
    const user = await makeUser(suite.db);
    const msg = await suite.db.messages.recordInbound(inbound(user.id, { text: null, kind: MessageKind.UNSUPPORTED, whatsappMessageId: uid('wamid') }));
    expect(msg.kind).toBe(MessageKind.UNSUPPORTED);
    expect(msg.text).toBeNull();
  });

  it('still refuses a media message with neither text nor attachments, writing nothing', async () => {
    const user = await makeUser(suite.db);
    expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { text: null, kind: MessageKind.IMAGE })))).toEqual({ property: 'text', rule: 'textOrAttachments' });
    expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { text: '' })))).toEqual({ property: 'text', rule: 'textOrAttachments' });
    expect(await messagesOf(suite.db, user.id)).toEqual([]);
  });

  it('refuses a kind outside MessageKind with InvalidEnumValueError', async () => {
    const user = await makeUser(suite.db);
    await expect(suite.db.messages.recordInbound(inbound(user.id, { kind: 'poll' as MessageKind }))).rejects.toMatchObject({ code: 'INVALID_ENUM_VALUE', enumName: 'MessageKind' });
  });

  it('stores a reaction with its emoji and the reacted-to id, without counting it in the conversation', async () => {
    const user = await makeUser(suite.db);
    const sentAt = new Date(Date.now() - 60_000);
    const first = await suite.db.messages.recordInboundDetailed(inbound(user.id, { source: MessageSource.WHATSAPP, text: 'price?', whatsappMessageId: uid('wamid'), sentAt }));
    const result = await suite.db.messages.recordInboundDetailed({
      userId: user.id,
      source: MessageSource.WHATSAPP,
      kind: MessageKind.REACTION,
      attachments: reaction(first.message.whatsappMessageId!),
      whatsappMessageId: uid('wamid'),
    });
    expect(result.created).toBe(true);
    expect(result.message.kind).toBe(MessageKind.REACTION);
    expect(result.message.attachments).toEqual(reaction(first.message.whatsappMessageId!));
    expect(result.message.conversationId).toBe(first.conversation.id);
    expect(result.conversation).toMatchObject({ id: first.conversation.id, messageCount: 1, lastMessageText: 'price?' });
    expect(result.conversation.lastMessageAt?.toISOString()).toBe(sentAt.toISOString());
    const [stored] = await conversationsOf(suite.db, user.id);
    expect(stored).toMatchObject({ messageCount: 1, lastMessageText: 'price?' });
    expect((await suite.db.users.getById(user.id)).lastMessageAt?.toISOString()).toBe(sentAt.toISOString());
  });

  it('records a redelivered reaction once', async () => {
    const user = await makeUser(suite.db);
    const input = { userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.REACTION, attachments: reaction('wamid.target'), whatsappMessageId: uid('wamid') };
    const once = await suite.db.messages.recordInboundDetailed(input);
    const again = await suite.db.messages.recordInboundDetailed(input);
    expect([once.created, again.created, again.message.id]).toEqual([true, false, once.message.id]);
    expect(await messagesOf(suite.db, user.id)).toHaveLength(1);
    expect(again.conversation.messageCount).toBe(0);
  });

  it('accepts an empty emoji as a removed reaction', async () => {
    const user = await makeUser(suite.db);
    const msg = await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, kind: MessageKind.REACTION, attachments: reaction('m_target', '') });
    expect(msg.attachments?.[0]?.['payload']).toEqual({ emoji: '', messageId: 'm_target' });
  });

  it('does not count reactions in a batch either', async () => {
    const user = await makeUser(suite.db);
    const results = await suite.db.messages.recordInboundBatch([
      inbound(user.id, { text: 'one', facebookMessageId: uid('m') }),
      { userId: user.id, source: MessageSource.MESSENGER, kind: MessageKind.REACTION, attachments: reaction('m_x'), facebookMessageId: uid('m') },
    ]);
    expect(results.map((r) => r.message.kind)).toEqual([MessageKind.TEXT, MessageKind.REACTION]);
    expect(results.map((r) => r.conversation.messageCount)).toEqual([1, 1]);
  });

  it('refuses a reaction without its typed attachment with rule kindPayload, writing nothing', async () => {
    const user = await makeUser(suite.db);
    const kind = MessageKind.REACTION;
    expect(await firstIssue(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind, text: '\u{1F44D}' }))).toEqual({ property: 'attachments', rule: 'kindPayload' });
    expect(await firstIssue(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind, attachments: [{ type: 'reaction' }] }))).toEqual({
      property: 'attachments[0].payload',
      rule: 'kindPayload',
    });
    expect(await firstIssue(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind, attachments: reaction('') }))).toEqual({
      property: 'attachments[0].payload.messageId',
      rule: 'isNotEmpty',
    });
    expect(await messagesOf(suite.db, user.id)).toEqual([]);
  });

  it('names the field and the shape in the message of a refused reaction', async () => {
    const user = await makeUser(suite.db);
    await expect(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.REACTION })).rejects.toThrow(
      /attachments \(kindPayload: a message of kind reaction needs an attachment \{ type: 'reaction', payload \} \(payload: \{ emoji, messageId \}\)/,
    );
  });

  it('stores a location with its coordinates and refuses coordinates out of range', async () => {
    const user = await makeUser(suite.db);
    const pin = [{ type: 'location', payload: { latitude: 30.0444, longitude: 31.2357, name: 'Tahrir Square', address: 'Cairo' } }];
    const msg = await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.LOCATION, attachments: pin });
    expect(msg.attachments).toEqual(pin);
    const bad = [{ type: 'location', payload: { latitude: 91, longitude: 0 } }];
    expect(await firstIssue(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.LOCATION, attachments: bad }))).toEqual({
      property: 'attachments[0].payload.latitude',
      rule: 'range',
    });
  });

  it("infers kind location from a location attachment and checks its shape", async () => {
    const user = await makeUser(suite.db);
    const msg = await suite.db.messages.recordInbound(inbound(user.id, { text: null, attachments: [{ type: 'location', payload: { latitude: 0, longitude: -180 } }] }));
    expect(msg.kind).toBe(MessageKind.LOCATION);
    expect(await firstIssue(suite.db.messages.recordInbound(inbound(user.id, { text: null, attachments: [{ type: 'location', payload: { latitude: '30' } }] })))).toEqual({
      property: 'attachments[0].payload.latitude',
      rule: 'range',
    });
  });

  it('stores shared contacts and refuses an empty list of cards', async () => {
    const user = await makeUser(suite.db);
    const cards = [{ type: 'contacts', payload: { contacts: [{ name: { formatted_name: 'Mona' }, phones: [{ phone: '+20 100 123 4567', wa_id: '201001234567' }] }] } }];
    const msg = await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.CONTACTS, attachments: cards });
    expect(msg.attachments).toEqual(cards);
    const empty = [{ type: 'contacts', payload: { contacts: [] } }];
    expect(await firstIssue(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.CONTACTS, attachments: empty }))).toEqual({
      property: 'attachments[0].payload.contacts',
      rule: 'arrayLength',
    });
  });

  it('stores a sticker with its attachment and refuses one without', async () => {
    const user = await makeUser(suite.db);
    const sticker = [{ type: 'sticker', payload: { id: 'media-1', animated: false } }];
    expect((await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.STICKER, attachments: sticker })).kind).toBe(MessageKind.STICKER);
    expect(await firstIssue(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.STICKER }))).toEqual({
      property: 'attachments',
      rule: 'attachmentRequired',
    });
  });

  it('records an outbound message with a kind', async () => {
    const user = await makeUser(suite.db);
    const msg = await suite.db.messages.recordOutbound({ userId: user.id, source: MessageSource.WHATSAPP, kind: MessageKind.IMAGE, attachments: [{ type: 'image', url: 'https://x.test/p.jpg' }] });
    expect(msg.kind).toBe(MessageKind.IMAGE);
  });
});
