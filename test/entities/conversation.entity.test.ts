import { describe, expect, it } from 'vitest';
import { Conversation, LAST_MESSAGE_PREVIEW_LENGTH } from '../../src/entities/conversation.entity';
import { MessageSource } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectRefused, expectSecondRefused, expectStoredAsUtc, sql, validationIssues } from './fixtures';

const conversation = (values: Partial<Conversation>): Conversation =>
  Object.assign(new Conversation(), { source: MessageSource.MESSENGER, ...values });

describe.each(engines())('Conversation entity on %s', (engine) => {
  const suite = useTestDatabase(engine);
  const newUser = async (): Promise<number> => (await makeUser(suite.db)).id;

  it('round-trips every column through the manager', async () => {
    const userId = await newUser();
    const startedAt = new Date('2024-01-01T00:00:00.000Z');
    const lastMessageAt = new Date('2024-01-02T03:04:05.678Z');
    const endedAt = new Date('2024-01-03T23:59:59.001Z');
    const saved = await suite.db.manager.save(
      conversation({
        userId,
        source: MessageSource.LEAD_CENTER,
        isActive: false,
        messageCount: 42,
        lastMessageText: 'x'.repeat(LAST_MESSAGE_PREVIEW_LENGTH),
        lastMessageAt,
        startedAt,
        endedAt,
      }),
    );
    const loaded = await suite.db.manager.findOneByOrFail(Conversation, { id: saved.id });
    expect(loaded).toMatchObject({
      userId,
      source: 'lead_center',
      isActive: false,
      messageCount: 42,
      lastMessageText: 'x'.repeat(500),
    });
    expect(loaded.startedAt?.toISOString()).toBe(startedAt.toISOString());
    expect(loaded.lastMessageAt?.toISOString()).toBe(lastMessageAt.toISOString());
    expect(loaded.endedAt?.toISOString()).toBe(endedAt.toISOString());
    await expectStoredAsUtc(suite.db, 'conversations', 'ended_at', saved.id, endedAt);
  });

  it('defaults to an active conversation with no messages', async () => {
    const saved = await suite.db.manager.save(conversation({ userId: await newUser() }));
    const loaded = await suite.db.manager.findOneByOrFail(Conversation, { id: saved.id });
    expect(loaded).toMatchObject({ isActive: true, messageCount: 0, lastMessageText: null, lastMessageAt: null, endedAt: null });
  });

  it('allows only one active conversation per user and source', async () => {
    const userId = await newUser();
    await expectSecondRefused(suite.db, () => conversation({ userId }));
  });

  it('allows an active conversation per source for the same user', async () => {
    const userId = await newUser();
    await suite.db.manager.save([conversation({ userId }), conversation({ userId, source: MessageSource.WHATSAPP })]);
    expect(await suite.db.manager.countBy(Conversation, { userId, isActive: true })).toBe(2);
  });

  it('allows many closed conversations next to the active one', async () => {
    const userId = await newUser();
    await suite.db.manager.save([
      conversation({ userId, isActive: false }),
      conversation({ userId, isActive: false }),
      conversation({ userId, isActive: false }),
      conversation({ userId }),
    ]);
    expect(await suite.db.manager.countBy(Conversation, { userId, isActive: false })).toBe(3);
    expect(await suite.db.manager.countBy(Conversation, { userId, isActive: true })).toBe(1);
  });

  it('allows a new active conversation once the previous one is closed', async () => {
    const userId = await newUser();
    const first = await suite.db.manager.save(conversation({ userId }));
    await suite.db.manager.update(Conversation, { id: first.id }, { isActive: false });
    await suite.db.manager.save(conversation({ userId }));
    expect(await suite.db.manager.countBy(Conversation, { userId })).toBe(2);
  });

  it('refuses to reopen a closed conversation while another is active', async () => {
    const userId = await newUser();
    const closed = await suite.db.manager.save(conversation({ userId, isActive: false }));
    await suite.db.manager.save(conversation({ userId }));
    await expectRefused(suite.db.manager.update(Conversation, { id: closed.id }, { isActive: true }), /unique|duplicate/i);
  });

  it('refuses a conversation for a user that does not exist', async () => {
    await expectRefused(suite.db.manager.save(conversation({ userId: 987_654 })), /foreign key/i);
  });

  it('refuses a raw insert of an unknown source', async () => {
    const userId = await newUser();
    await expectRefused(
      sql(suite.db, `INSERT INTO "conversations" ("user_id", "source") VALUES (?, 'telegram')`, [userId]),
      /CHK_conversations_source|check/i,
    );
  });

  it('refuses a raw insert with a negative message count', async () => {
    const userId = await newUser();
    await expectRefused(
      sql(suite.db, `INSERT INTO "conversations" ("user_id", "source", "message_count") VALUES (?, 'manual', -1)`, [userId]),
      /CHK_conversations_message_count|check/i,
    );
  });
});

describe('Conversation validation', () => {
  it('accepts a valid conversation', async () => {
    const valid = conversation({ userId: 1, lastMessageText: 'hello' });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it('refuses a preview longer than 500 characters', async () => {
    expect(await validationIssues(conversation({ userId: 1, lastMessageText: 'x'.repeat(501) }))).toEqual({ lastMessageText: ['maxLength'] });
  });

  it('refuses a negative message count', async () => {
    expect(await validationIssues(conversation({ userId: 1, messageCount: -1 }))).toEqual({ messageCount: ['min'] });
  });

  it('refuses an unknown source', async () => {
    expect(await validationIssues(conversation({ userId: 1, source: 'telegram' as MessageSource }))).toEqual({ source: ['isEnum'] });
  });

  it('refuses a date that is not a Date', async () => {
    expect(await validationIssues(conversation({ userId: 1, lastMessageAt: '2024-01-01' as unknown as Date }))).toEqual({
      lastMessageAt: ['isDate'],
    });
  });
});
