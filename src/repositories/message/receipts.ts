/**
 * Delivery and read receipts: the conditional `UPDATE` behind
 * `MessageRepository.updateStatus`, which moves a message's status forward on
 * the path sent, delivered, read (or to failed from sent) and never back.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect } from '../../dialect/index';
import { Message } from '../../entities/message.entity';
import { MessageStatus } from '../../enums';

/** Column length of `facebook_message_id` and `whatsapp_message_id`. */
export const EXTERNAL_ID_LENGTH = 255;

/** Rank of each status on the way sent, delivered, read (failed is off that path). */
const DELIVERY_PATH: readonly MessageStatus[] = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ];

/**
 * Applies a checked receipt on `m` (the caller's transaction) and reads the
 * message back: the first message with this platform id, or `null`.
 * `when` is the receipt's time as a query parameter ({@link Dialect.dateParam}).
 */
export async function applyReceipt(
  m: EntityManager,
  dialect: Dialect,
  externalId: string,
  target: MessageStatus,
  when: Date | string,
): Promise<Message | null> {
  const change = statusChange(target, dialect);
  if (change) {
    await m
      .createQueryBuilder()
      .update(Message)
      .set({ ...change.set, updatedAt: () => dialect.now })
      .where('("facebook_message_id" = :ext OR "whatsapp_message_id" = :ext)', { ext: externalId })
      .andWhere(change.where)
      .setParameters({
        at: when,
        target,
        sent: MessageStatus.SENT,
        delivered: MessageStatus.DELIVERED,
        read: MessageStatus.READ,
        onPath: [...DELIVERY_PATH],
      })
      .execute();
  }
  return m
    .createQueryBuilder(Message, 'm')
    .where('(m.facebookMessageId = :ext OR m.whatsappMessageId = :ext)', { ext: externalId })
    .orderBy('m.id', 'ASC')
    .getOne();
}

/**
 * The SET and the WHERE of a receipt. The WHERE admits only rows the receipt
 * moves forward (or whose missing timestamps it fills), so a stale or repeated
 * receipt updates nothing, not even `updated_at`.
 */
function statusChange(
  target: MessageStatus,
  dialect: Dialect,
): { set: QueryDeepPartialEntity<Message>; where: string } | null {
  const at = dialect.timestampParam('at');
  switch (target) {
    case MessageStatus.DELIVERED:
      return {
        set: {
          status: () => `CASE WHEN "status" = :sent THEN :delivered ELSE "status" END`,
          deliveredAt: () => `COALESCE("delivered_at", ${at})`,
        },
        where: '"status" IN (:...onPath) AND ("status" = :sent OR "delivered_at" IS NULL)',
      };
    case MessageStatus.READ:
      return {
        set: {
          status: () => ':read',
          readAt: () => `COALESCE("read_at", ${at})`,
          deliveredAt: () => `COALESCE("delivered_at", ${at})`,
        },
        where: '"status" IN (:...onPath) AND ("status" <> :read OR "read_at" IS NULL OR "delivered_at" IS NULL)',
      };
    case MessageStatus.FAILED:
      return { set: { status: () => ':target' }, where: '"status" = :sent' };
    case MessageStatus.SENT:
      return null;
  }
}
