/**
 * Plain TypeORM as a contender: what a team would write with the library's
 * entities and TypeORM's repositories and query builder, on the library's
 * DataSource (its connection, pool and driver settings). Reads are
 * `findOneBy` / `find` and a query builder with `innerJoinAndSelect`;
 * recordInbound is a transaction of `findOneBy` lookups, an `orIgnore()`
 * insert for a missing conversation, `save()` of the message and
 * query-builder `UPDATE`s with the same CASE expressions; the batch runs that
 * for each message in one transaction (TypeORM has no `UPDATE ... FROM
 * (VALUES ...)`).
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { MessageDirection, MessageSource } from '../../src/enums';
import { canon } from './canonical';
import { LIST, LIST_FOR_USER_ORDER_PROPERTY, PAGE, nowSql, preview } from './queries';
import type { Engine, IngestInput, Peer, Shapes } from './types';

export function typeormPeer(engine: Engine, dataSource: DataSource, shapes: Shapes): Peer {
  const users = dataSource.getRepository(User);
  const conversations = dataSource.getRepository(Conversation);
  const messages = dataSource.getRepository(Message);
  const now = nowSql(engine);
  const later = (param: string): string => `CASE WHEN "last_message_at" IS NULL OR "last_message_at" < :${param} THEN :${param} ELSE "last_message_at" END`;

  const record = async (m: EntityManager, input: IngestInput): Promise<Message> => {
    const existing = input.fb !== null ? await m.findOneBy(Message, { facebookMessageId: input.fb }) : await m.findOneBy(Message, { whatsappMessageId: input.wa! });
    if (existing) return existing;
    const user = await m.findOneBy(User, { id: input.userId });
    if (!user) throw new Error(`no user ${input.userId}`);
    const source = input.source === 'messenger' ? MessageSource.MESSENGER : MessageSource.WHATSAPP;
    let conversation = await m.findOneBy(Conversation, { userId: input.userId, source, isActive: true });
    if (!conversation) {
      await m
        .createQueryBuilder()
        .insert()
        .into(Conversation)
        .values({ userId: input.userId, source, isActive: true, messageCount: 0, startedAt: () => now })
        .orIgnore()
        .updateEntity(false)
        .execute();
      conversation = await m.findOneByOrFail(Conversation, { userId: input.userId, source, isActive: true });
    }
    const at = new Date(input.at);
    const message = await m.save(
      m.create(Message, {
        userId: input.userId,
        conversationId: conversation.id,
        facebookMessageId: input.fb,
        whatsappMessageId: input.wa,
        text: input.text,
        attachments: null,
        direction: MessageDirection.INBOUND,
        source,
        aiResponseTimeMs: null,
        postId: null,
        adCampaignId: null,
        sentAt: at,
        deliveredAt: null,
        readAt: null,
      }),
    );
    await m
      .createQueryBuilder()
      .update(Conversation)
      .set({
        messageCount: () => '"message_count" + 1',
        lastMessageText: () => `CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= :at THEN :text ELSE "last_message_text" END`,
        lastMessageAt: () => later('at'),
        updatedAt: () => now,
      })
      .where('id = :id', { id: conversation.id })
      .setParameters({ at, text: preview(input.text) })
      .execute();
    await m
      .createQueryBuilder()
      .update(User)
      .set({ lastMessageAt: () => later('at'), updatedAt: () => now })
      .where('id = :id', { id: input.userId })
      .setParameters({ at })
      .execute();
    return message;
  };

  const inbox = (after: { at: number; id: number } | undefined) => {
    const qb = conversations
      .createQueryBuilder('c')
      .innerJoinAndSelect('c.user', 'u')
      .where('c.isActive = :active', { active: true })
      .andWhere('c.lastMessageAt IS NOT NULL');
    if (after) qb.andWhere('c.lastMessageAt <= :at AND (c.lastMessageAt < :at OR c.id < :id)', { at: new Date(after.at), id: after.id });
    // limit(), not take(): a many-to-one join cannot multiply rows, and take() would add a second query.
    return qb.orderBy('c.lastMessageAt', 'DESC').addOrderBy('c.id', 'DESC').limit(PAGE + 1).getMany();
  };

  return {
    name: 'typeorm',
    findByPsid: (psid) => users.findOneBy({ psid }),
    inbox,
    listForUser: (userId) => messages.find({ where: { userId }, order: { [LIST_FOR_USER_ORDER_PROPERTY]: 'DESC', id: 'DESC' }, take: LIST + 1 }),
    recordInbound: (input) => dataSource.transaction((m) => record(m, input)),
    recordInboundBatch: (inputs: readonly IngestInput[]) =>
      dataSource.transaction(async (m) => {
        const out: Message[] = [];
        for (const input of inputs) out.push(await record(m, input));
        return out;
      }),
    view: {
      user: (r) => (r === null || r === undefined ? null : canon(shapes.user, r)),
      inbox: (r) => {
        const rows = r as Conversation[];
        return { rows: rows.slice(0, PAGE).map((c) => ({ conversation: canon(shapes.conversation, c), user: canon(shapes.user, c.user) })), more: rows.length > PAGE };
      },
      messages: (r) => {
        const rows = r as Message[];
        return { rows: rows.slice(0, LIST).map((x) => canon(shapes.message, x)), more: rows.length > LIST };
      },
      message: (r) => canon(shapes.message, r),
      batch: (r) => (r as Message[]).map((x) => canon(shapes.message, x)),
    },
    close: async () => undefined,
  };
}

