import { AdCampaign } from '../entities/ad-campaign.entity';
import { Conversation } from '../entities/conversation.entity';
import { Message } from '../entities/message.entity';
import { Post } from '../entities/post.entity';
import { User } from '../entities/user.entity';
import { MessageDirection, MessageSource } from '../enums';
import type { DatabaseScope } from '../scope';
import { validateEntity } from '../validation';

let sequence = 0;
/** A number unique within this process, for unique ids in fixtures. */
function nextId(): number {
  sequence += 1;
  return sequence;
}

async function persist<T extends object>(db: DatabaseScope, entity: T): Promise<T> {
  await validateEntity(entity);
  return db.transaction((tx) => tx.manager.save(entity));
}

/**
 * Inserts a user with a unique psid; `overrides` replace any field.
 *
 * @example
 * ```ts
 * const lead = await makeUser(db, { firstName: 'Mona', leadStage: LeadStage.HOT });
 * ```
 */
export async function makeUser(db: DatabaseScope, overrides: Partial<User> = {}): Promise<User> {
  const n = nextId();
  return persist(db, Object.assign(new User(), { psid: `test-psid-${process.pid}-${n}`, firstName: `Lead ${n}` }, overrides));
}

/**
 * Inserts an active conversation, for a new user unless `userId` is given.
 *
 * @example
 * ```ts
 * const conversation = await makeConversation(db, { userId: lead.id, source: MessageSource.WHATSAPP });
 * ```
 */
export async function makeConversation(db: DatabaseScope, overrides: Partial<Conversation> = {}): Promise<Conversation> {
  const userId = overrides.userId ?? (await makeUser(db)).id;
  return persist(
    db,
    Object.assign(new Conversation(), { userId, source: MessageSource.MESSENGER, startedAt: new Date() }, overrides),
  );
}

/**
 * Inserts an inbound message with a unique Messenger id, in a new conversation
 * unless `conversationId` is given. It does not update conversation counters:
 * use `db.messages.recordInbound` for the real flow.
 *
 * @example
 * ```ts
 * const message = await makeMessage(db, { text: 'How much?', postId: post.id });
 * ```
 */
export async function makeMessage(db: DatabaseScope, overrides: Partial<Message> = {}): Promise<Message> {
  let { userId, conversationId } = overrides;
  if (conversationId === undefined) {
    const conversation = await makeConversation(db, userId === undefined ? {} : { userId });
    conversationId = conversation.id;
    userId = conversation.userId;
  } else if (userId === undefined) {
    userId = (await db.conversations.getById(conversationId)).userId;
  }
  return persist(
    db,
    Object.assign(
      new Message(),
      {
        userId,
        conversationId,
        text: `Message ${nextId()}`,
        direction: MessageDirection.INBOUND,
        source: MessageSource.MESSENGER,
        facebookMessageId: `m_test_${process.pid}_${nextId()}`,
        sentAt: new Date(),
      },
      overrides,
      { userId, conversationId },
    ),
  );
}

/**
 * Inserts a post with a unique Facebook id.
 *
 * @example
 * ```ts
 * const post = await makePost(db, { likesCount: 120 });
 * ```
 */
export async function makePost(db: DatabaseScope, overrides: Partial<Post> = {}): Promise<Post> {
  const n = nextId();
  return persist(db, Object.assign(new Post(), { facebookPostId: `test_post_${process.pid}_${n}`, content: `Post ${n}` }, overrides));
}

/**
 * Inserts an ad campaign with a unique Facebook id.
 *
 * @example
 * ```ts
 * const campaign = await makeAdCampaign(db, { clicks: 40, spendMinor: 150_00 });
 * ```
 */
export async function makeAdCampaign(db: DatabaseScope, overrides: Partial<AdCampaign> = {}): Promise<AdCampaign> {
  const n = nextId();
  return persist(
    db,
    Object.assign(new AdCampaign(), { facebookCampaignId: `test_campaign_${process.pid}_${n}`, name: `Campaign ${n}` }, overrides),
  );
}
