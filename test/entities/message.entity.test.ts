import { beforeAll, describe, expect, it } from 'vitest';
import { AdCampaign } from '../../src/entities/ad-campaign.entity';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message, type MessageAttachment } from '../../src/entities/message.entity';
import { Post } from '../../src/entities/post.entity';
import { MessageDirection, MessageSource, MessageStatus } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { makeAdCampaign, makeConversation, makePost } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectRefused, expectSecondRefused, expectStoredAsUtc, pgColumnTypes, sql, validationIssues } from './fixtures';

const message = (values: Partial<Message>): Message =>
  Object.assign(new Message(), { direction: MessageDirection.INBOUND, source: MessageSource.MESSENGER, ...values });

describe.each(engines())('Message entity on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let userId: number;
  let conversationId: number;
  const mine = (values: Partial<Message>): Message => message({ userId, conversationId, ...values });

  beforeAll(async () => {
    ({ id: conversationId, userId } = await makeConversation(suite.db));
  });

  it('round-trips every column, attachments as JSON and dates as the same UTC instant', async () => {
    const post = await makePost(suite.db);
    const campaign = await makeAdCampaign(suite.db, { name: 'Spring' });
    const attachments: MessageAttachment[] = [
      { type: 'image', url: 'https://cdn.example.com/a.jpg', payload: { width: 640, sticker: false, tags: ['a', 'ب'] } },
      { type: 'location', coordinates: { lat: 30.0444, long: 31.2357 } },
    ];
    const sentAt = new Date('2024-06-01T09:00:00.001Z');
    const deliveredAt = new Date('2024-06-01T09:00:01.500Z');
    const readAt = new Date('2024-06-01T09:05:00.999Z');
    const saved = await suite.db.manager.save(
      mine({
        facebookMessageId: 'm_rt',
        whatsappMessageId: 'wamid.rt',
        text: 'السلام عليكم, "quoted" and \'single\' 🚀',
        attachments,
        direction: MessageDirection.OUTBOUND,
        status: MessageStatus.READ,
        source: MessageSource.WHATSAPP,
        isAiResponse: true,
        aiResponseTimeMs: 1234,
        postId: post.id,
        adCampaignId: campaign.id,
        sentAt,
        deliveredAt,
        readAt,
      }),
    );
    const loaded = await suite.db.manager.findOneByOrFail(Message, { id: saved.id });
    expect(loaded).toMatchObject({
      userId,
      conversationId,
      facebookMessageId: 'm_rt',
      whatsappMessageId: 'wamid.rt',
      text: 'السلام عليكم, "quoted" and \'single\' 🚀',
      direction: 'outbound',
      status: 'read',
      source: 'whatsapp',
      isAiResponse: true,
      aiResponseTimeMs: 1234,
      postId: post.id,
      adCampaignId: campaign.id,
    });
    expect(loaded.attachments).toEqual(attachments);
    expect(loaded.sentAt?.toISOString()).toBe(sentAt.toISOString());
    expect(loaded.deliveredAt?.toISOString()).toBe(deliveredAt.toISOString());
    expect(loaded.readAt?.toISOString()).toBe(readAt.toISOString());
    await expectStoredAsUtc(suite.db, 'messages', 'sent_at', saved.id, sentAt);
  });

  it('fills in the defaults and keeps null attachments null', async () => {
    const saved = await suite.db.manager.save(mine({ text: 'defaults' }));
    const loaded = await suite.db.manager.findOneByOrFail(Message, { id: saved.id });
    expect(loaded).toMatchObject({
      status: MessageStatus.SENT,
      isAiResponse: false,
      attachments: null,
      aiResponseTimeMs: null,
      postId: null,
      adCampaignId: null,
      facebookMessageId: null,
      whatsappMessageId: null,
    });
  });

  it('round-trips an empty attachment list', async () => {
    const saved = await suite.db.manager.save(mine({ attachments: [] }));
    expect((await suite.db.manager.findOneByOrFail(Message, { id: saved.id })).attachments).toEqual([]);
  });

  it('stores attachments as JSON (json on PostgreSQL, JSON text on SQLite)', async () => {
    const saved = await suite.db.manager.save(mine({ attachments: [{ type: 'file', name: 'a.pdf' }] }));
    if (engine === 'postgres') {
      expect((await pgColumnTypes(suite.db, 'messages'))['attachments']).toBe('json');
      const [row] = await sql<{ t: string }>(suite.db, `SELECT "attachments"->0->>'type' AS t FROM "messages" WHERE "id" = ?`, [saved.id]);
      expect(row?.t).toBe('file');
    } else {
      const [row] = await sql<{ t: string }>(suite.db, `SELECT json_extract("attachments", '$[0].type') AS t FROM "messages" WHERE "id" = ?`, [saved.id]);
      expect(row?.t).toBe('file');
    }
  });

  it.each([
    { platform: 'facebook', ids: { facebookMessageId: 'm_dup' } },
    { platform: 'whatsapp', ids: { whatsappMessageId: 'wamid.dup' } },
  ])('refuses a second message with the same $platform message id', async ({ ids }) => {
    await expectSecondRefused(suite.db, () => mine(ids));
  });

  it('allows many messages without external ids', async () => {
    await suite.db.manager.save([mine({ text: 'no id 1' }), mine({ text: 'no id 2' })]);
    expect(await suite.db.manager.countBy(Message, { text: 'no id 2' })).toBe(1);
  });

  it.each([
    { column: 'post_id', parent: 'post', property: 'postId', entity: Post, make: makePost },
    { column: 'ad_campaign_id', parent: 'campaign', property: 'adCampaignId', entity: AdCampaign, make: makeAdCampaign },
  ] as const)('keeps the message but clears $column when its $parent is deleted', async ({ property, entity, make }) => {
    const parent = await make(suite.db);
    const saved = await suite.db.manager.save(mine({ [property]: parent.id }));
    await suite.db.manager.delete(entity, { id: parent.id });
    expect((await suite.db.manager.findOneByOrFail(Message, { id: saved.id }))[property]).toBeNull();
  });

  it('is deleted with its conversation', async () => {
    const conversation = await makeConversation(suite.db, { userId, source: MessageSource.MANUAL });
    const saved = await suite.db.manager.save(mine({ conversationId: conversation.id }));
    await suite.db.manager.delete(Conversation, { id: conversation.id });
    expect(await suite.db.manager.countBy(Message, { id: saved.id })).toBe(0);
  });

  it('refuses a message for a user that does not exist', async () => {
    await expectRefused(suite.db.manager.save(mine({ userId: 987_654 })), /foreign key/i);
  });

  it.each([
    ['direction', 'sideways'],
    ['status', 'lost'],
    ['source', 'telegram'],
  ])('refuses a raw insert of an unknown %s value', async (column, value) => {
    const values: Record<string, unknown> = { user_id: userId, conversation_id: conversationId, direction: 'inbound', source: 'messenger', [column]: value };
    const columns = Object.keys(values);
    await expectRefused(
      sql(suite.db, `INSERT INTO "messages" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(values)),
      /CHK_messages_|check constraint/i,
    );
  });

  it('refuses a raw insert with a negative AI response time', async () => {
    await expectRefused(
      sql(suite.db, `INSERT INTO "messages" ("user_id", "conversation_id", "direction", "source", "ai_response_time_ms") VALUES (?, ?, 'outbound', 'manual', -5)`, [userId, conversationId]),
      /CHK_messages_ai_response_time_ms|check/i,
    );
  });
});

describe('Message validation', () => {
  it('accepts a valid message', async () => {
    const valid = message({ userId: 1, conversationId: 1, text: 'hi', attachments: [{ type: 'image' }] });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it('refuses values outside each enum', async () => {
    const issues = await validationIssues(
      message({
        userId: 1,
        conversationId: 1,
        direction: 'sideways' as MessageDirection,
        status: 'lost' as MessageStatus,
        source: 'telegram' as MessageSource,
      }),
    );
    expect(issues).toEqual({ direction: ['isEnum'], status: ['isEnum'], source: ['isEnum'] });
  });

  it('refuses a negative AI response time', async () => {
    expect(await validationIssues(message({ userId: 1, conversationId: 1, aiResponseTimeMs: -1 }))).toEqual({ aiResponseTimeMs: ['min'] });
  });

  it('refuses attachments that are not a list', async () => {
    const bad = message({ userId: 1, conversationId: 1, attachments: { type: 'image' } as unknown as MessageAttachment[] });
    expect(await validationIssues(bad)).toEqual({ attachments: ['isArray'] });
  });

  it('requires the user and conversation ids', async () => {
    const issues = await validationIssues(message({ text: 'orphan' }));
    expect(issues['userId']).toContain('isInt');
    expect(issues['conversationId']).toContain('isInt');
  });

  it('refuses an external id longer than 255 characters', async () => {
    expect(await validationIssues(message({ userId: 1, conversationId: 1, facebookMessageId: 'm'.repeat(256) }))).toEqual({
      facebookMessageId: ['maxLength'],
    });
  });
});
