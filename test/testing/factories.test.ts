// The shipped factories (src/testing/factories.ts) that the other suites build
// their rows with: unique keys, overrides, the parents they create, and
// validation before anything is written.
import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/entities/conversation.entity';
import { User } from '../../src/entities/user.entity';
import { AdCampaignStatus, LeadStage, MessageDirection, MessageSource, PostType } from '../../src/enums';
import { makeAdCampaign, makeConversation, makeMessage, makePost, makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { validationIssue } from '../support/errors';

describe.each(engines())('the test factories on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });

  it('makeUser inserts users with unique psids and a first name', async () => {
    const [a, b] = [await makeUser(suite.db), await makeUser(suite.db)];
    expect(a.id).toBeGreaterThan(0);
    expect(a.psid).not.toBe(b.psid);
    expect(a.firstName).toMatch(/^Lead \d+$/);
    expect(await suite.db.users.getById(b.id)).toMatchObject({ psid: b.psid, leadStage: LeadStage.NEW });
  });

  it('makeUser lets overrides replace any field, a null psid included', async () => {
    const user = await makeUser(suite.db, { psid: null, phoneNumber: '+201001112233', firstName: 'Mona', leadStage: LeadStage.HOT });
    expect(await suite.db.users.getById(user.id)).toMatchObject({ psid: null, phoneNumber: '+201001112233', firstName: 'Mona', leadStage: LeadStage.HOT });
  });

  it('makeUser refuses an invalid override with EntityValidationError and writes nothing', async () => {
    const error = await validationIssue(makeUser(suite.db, { email: 'not-an-email' }));
    expect(error.issues.map((i) => i.property)).toEqual(['email']);
    expect(await suite.db.manager.count(User)).toBe(0);
  });

  it('makeConversation opens an active Messenger conversation for a new user', async () => {
    const conversation = await makeConversation(suite.db);
    expect(conversation).toMatchObject({ source: MessageSource.MESSENGER, isActive: true, messageCount: 0 });
    expect(conversation.startedAt).toBeInstanceOf(Date);
    expect(await suite.db.users.findById(conversation.userId)).not.toBeNull();
  });

  it('makeConversation opens the conversation of the user it is given', async () => {
    const user = await makeUser(suite.db);
    const conversation = await makeConversation(suite.db, { userId: user.id, source: MessageSource.WHATSAPP });
    expect(conversation).toMatchObject({ userId: user.id, source: MessageSource.WHATSAPP });
    expect(await suite.db.manager.count(User)).toBe(1);
  });

  it('makeMessage inserts an inbound Messenger message with a unique id in a new conversation', async () => {
    const [a, b] = [await makeMessage(suite.db), await makeMessage(suite.db)];
    expect(a).toMatchObject({ direction: MessageDirection.INBOUND, source: MessageSource.MESSENGER });
    expect(a.facebookMessageId).not.toBe(b.facebookMessageId);
    expect(a.conversationId).not.toBe(b.conversationId);
    expect((await suite.db.conversations.getById(a.conversationId)).userId).toBe(a.userId);
  });

  it('makeMessage files a message under the user of the conversation it is given', async () => {
    const conversation = await makeConversation(suite.db);
    const message = await makeMessage(suite.db, { conversationId: conversation.id, text: 'How much?' });
    expect(message).toMatchObject({ conversationId: conversation.id, userId: conversation.userId, text: 'How much?' });
  });

  it('makeMessage opens a conversation for the user it is given', async () => {
    const user = await makeUser(suite.db);
    const message = await makeMessage(suite.db, { userId: user.id });
    expect((await suite.db.conversations.getById(message.conversationId)).userId).toBe(user.id);
  });

  it('makeMessage leaves the conversation counters alone', async () => {
    const conversation = await makeConversation(suite.db);
    await makeMessage(suite.db, { conversationId: conversation.id });
    expect(await suite.db.manager.findOneByOrFail(Conversation, { id: conversation.id })).toMatchObject({ messageCount: 0, lastMessageText: null });
  });

  it('makePost inserts posts with unique Facebook ids and takes overrides', async () => {
    const [a, b] = [await makePost(suite.db), await makePost(suite.db, { postType: PostType.REEL, likesCount: 120 })];
    expect(a.facebookPostId).not.toBe(b.facebookPostId);
    expect(await suite.db.posts.findByFacebookId(b.facebookPostId)).toMatchObject({ postType: PostType.REEL, likesCount: 120 });
  });

  it('makeAdCampaign inserts campaigns with unique Facebook ids and takes overrides', async () => {
    const [a, b] = [await makeAdCampaign(suite.db), await makeAdCampaign(suite.db, { status: AdCampaignStatus.PAUSED, spendMinor: 150_00 })];
    expect(a.facebookCampaignId).not.toBe(b.facebookCampaignId);
    expect(await suite.db.adCampaigns.findByFacebookId(b.facebookCampaignId)).toMatchObject({ status: AdCampaignStatus.PAUSED, spendMinor: 150_00 });
  });
});
