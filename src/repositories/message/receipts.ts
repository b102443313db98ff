/**
 * Delivery and read receipts: the conditional `UPDATE`s behind
 * `MessageRepository.updateStatus`, `applyStatus` and the watermark methods,
 * which move a message's status forward on the path sent, delivered, read (or
 * to failed from sent) and never back, and the pending receipts of messages
 * not recorded yet.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect } from '../../dialect/index';
import { Message } from '../../entities/message.entity';
import { MessageDirection, MessageStatus, type MessageSource } from '../../enums';
import { statement, writeReturning } from '../sql';

/** Column length of `facebook_message_id` and `whatsapp_message_id`. */
export const EXTERNAL_ID_LENGTH = 255;

/** Column length of `error_title`: longer titles are cut to it. */
export const ERROR_TITLE_LENGTH = 255;

/** How long a pending receipt is kept for a message that is not recorded yet. */
export const PENDING_RECEIPT_DAYS = 7;

/** Rank of each status on the way sent, delivered, read (failed is off that path). */
const DELIVERY_PATH: readonly MessageStatus[] = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ];

/** The error a failed status stores on its message. */
export interface ReceiptFailure {
  code: number | null;
  title: string | null;
}

/** A checked receipt: the status, its time as a query parameter ({@link Dialect.dateParam} or stored text), and a failure's error. */
export interface CheckedReceipt {
  target: MessageStatus;
  when: Date | string;
  failure: ReceiptFailure | null;
}

/**
 * Applies a checked receipt on `m` (the caller's transaction) and reads the
 * message back: the first message with this platform id, or `null`; and
 * whether the receipt changed it.
 */
export async function applyReceipt(
  m: EntityManager,
  dialect: Dialect,
  externalId: string,
  receipt: CheckedReceipt,
): Promise<{ message: Message | null; changed: boolean }> {
  const change = statusChange(receipt.target, dialect);
  let changed = false;
  if (change) {
    const result = await m
      .createQueryBuilder()
      .update(Message)
      .set({ ...change.set, updatedAt: () => dialect.now })
      .where('("facebook_message_id" = :ext OR "whatsapp_message_id" = :ext)', { ext: externalId })
      .andWhere(change.where)
      .setParameters(receiptParameters(receipt))
      .execute();
    changed = (result.affected ?? 0) > 0;
  }
  const message = await m
    .createQueryBuilder(Message, 'm')
    .where('(m.facebookMessageId = :ext OR m.whatsappMessageId = :ext)', { ext: externalId })
    .orderBy('m.id', 'ASC')
    .getOne();
  return { message, changed };
}

/**
 * Applies a `delivered` or `read` watermark: every outbound message of the
 * user on `source` sent at or before `when` moves forward, in one `UPDATE`
 * (read through `IDX_messages_user_sent`). Returns how many rows changed.
 */
export async function applyWatermark(
  m: EntityManager,
  dialect: Dialect,
  userId: number,
  source: MessageSource,
  target: MessageStatus.DELIVERED | MessageStatus.READ,
  when: Date | string,
  returning: boolean,
): Promise<{ count: number; moved: MovedMessage[] }> {
  const change = statusChange(target, dialect)!;
  const update = m
    .createQueryBuilder()
    .update(Message)
    .set({ ...change.set, updatedAt: () => dialect.now })
    .where('"user_id" = :userId AND "source" = :source AND "direction" = :outbound', { userId, source, outbound: MessageDirection.OUTBOUND })
    .andWhere(`"sent_at" <= ${dialect.timestampParam('at')}`)
    .andWhere(change.where)
    .setParameters(receiptParameters({ target, when, failure: null }));
  if (!returning) return { count: (await update.execute()).affected ?? 0, moved: [] };
  const rows = await writeReturning(m, dialect, update, ['id', 'conversation_id', 'user_id', 'status']);
  // RETURNING order is not promised: by id, the order they were sent in.
  const moved = rows
    .map((row) => ({ messageId: Number(row['id']), conversationId: Number(row['conversation_id']), userId: Number(row['user_id']), status: row['status'] as MessageStatus }))
    .sort((a, b) => a.messageId - b.messageId);
  return { count: moved.length, moved };
}

/** A message a watermark moved: its ids and its new status. */
export interface MovedMessage {
  messageId: number;
  conversationId: number;
  userId: number;
  status: MessageStatus;
}

function receiptParameters(receipt: CheckedReceipt): Record<string, unknown> {
  return {
    at: receipt.when,
    target: receipt.target,
    sent: MessageStatus.SENT,
    delivered: MessageStatus.DELIVERED,
    read: MessageStatus.READ,
    onPath: [...DELIVERY_PATH],
    errorCode: receipt.failure?.code ?? null,
    errorTitle: receipt.failure?.title ?? null,
  };
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
      // CAST: PostgreSQL cannot type a bare NULL parameter inside SET.
      return {
        set: {
          status: () => ':target',
          errorCode: () => 'CAST(:errorCode AS integer)',
          errorTitle: () => 'CAST(:errorTitle AS varchar)',
        },
        where: '"status" = :sent',
      };
    case MessageStatus.SENT:
      return null;
  }
}

/**
 * Keeps a receipt for a message not recorded yet: one row per platform id and
 * status (a repeated one changes nothing), and drops the rows older than
 * {@link PENDING_RECEIPT_DAYS} days, so the table stays small.
 */
export async function keepPendingReceipt(m: EntityManager, dialect: Dialect, externalId: string, receipt: CheckedReceipt): Promise<void> {
  const ts = dialect.timestampPlaceholder;
  const prune = statement(dialect, 'pending-receipts:prune', () => `DELETE FROM "pending_receipts" WHERE "created_at" < ${ts}`);
  await dialect.queryRows(m, prune, [dialect.dateParam(new Date(Date.now() - PENDING_RECEIPT_DAYS * 86_400_000))]);
  const insert = statement(
    dialect,
    'pending-receipts:insert',
    () =>
      `INSERT INTO "pending_receipts" ("external_id", "status", "occurred_at", "error_code", "error_title", "created_at") ` +
      `VALUES (?, ?, ${ts}, CAST(? AS integer), CAST(? AS varchar), ${dialect.now}) ON CONFLICT DO NOTHING`,
  );
  await dialect.queryRows(m, insert, [externalId, receipt.target, receipt.when, receipt.failure?.code ?? null, receipt.failure?.title ?? null]);
}

/**
 * Applies, then deletes, the receipts kept for a message just recorded under
 * any of `externalIds`, in the caller's transaction: oldest first, each
 * forward-only as if it had come after the message. Returns the message as
 * it is after them, or `null` when none was kept.
 */
export async function applyPendingReceipts(m: EntityManager, dialect: Dialect, externalIds: readonly string[]): Promise<Message | null> {
  if (externalIds.length === 0) return null;
  const sql = statement(
    dialect,
    `pending-receipts:take:${externalIds.length}`,
    () =>
      `DELETE FROM "pending_receipts" WHERE "external_id" IN (${externalIds.map(() => '?').join(', ')}) ` +
      `RETURNING "external_id", "status", "occurred_at", "error_code", "error_title"`,
  );
  const rows = await dialect.queryRows(m, sql, externalIds);
  if (rows.length === 0) return null;
  const rank = (status: unknown): number => (status === MessageStatus.FAILED ? 0 : DELIVERY_PATH.indexOf(status as MessageStatus));
  const receipts = rows
    .map((row) => {
      const occurred = row['occurred_at'];
      const when = occurred instanceof Date ? dialect.dateParam(occurred) : String(occurred);
      const at = occurred instanceof Date ? occurred.getTime() : Date.parse(`${String(occurred).replace(' ', 'T')}Z`);
      return { row, when, at };
    })
    // By time, then along the path, so `delivered` lands before a `read` of the same instant.
    .sort((a, b) => a.at - b.at || rank(a.row['status']) - rank(b.row['status']));
  let message: Message | null = null;
  for (const { row, when } of receipts) {
    const code = row['error_code'];
    const title = row['error_title'];
    const failure = code === null && title === null ? null : { code: code === null ? null : Number(code), title: title === null ? null : String(title) };
    ({ message } = await applyReceipt(m, dialect, String(row['external_id']), { target: row['status'] as MessageStatus, when, failure }));
  }
  return message;
}
