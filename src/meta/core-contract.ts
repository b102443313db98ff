/**
 * The message-repository and phone pieces that ingestion builds on, in one
 * place: the receipts API (`markDeliveredUpTo`, `markReadUpTo`,
 * `applyStatus`), message kinds and phone normalisation.
 *
 * @internal
 * @module
 */
import { E164_PATTERN } from '../entities/user.entity';
import type { MessageSource } from '../enums';
import type { Message } from '../entities/message.entity';
import type { DatabaseScope } from '../scope';
import { fail } from './payload-reader';

/** What `messages.applyStatus` answers. */
export interface StatusOutcome {
  outcome: 'applied' | 'unchanged' | 'pending' | 'ignored';
  message: Message | null;
  reason?: string;
}

interface ReceiptsApi {
  markDeliveredUpTo(userId: number, watermark: Date, source: MessageSource): Promise<number>;
  markReadUpTo(userId: number, watermark: Date, source: MessageSource): Promise<number>;
  applyStatus(input: { messageId: string; status: string; at: Date; errors?: Array<{ code: number; title: string; message?: string }> }): Promise<StatusOutcome>;
}

function receipts(tx: DatabaseScope): ReceiptsApi {
  const api = tx.messages as unknown as Partial<ReceiptsApi>;
  if (typeof api.applyStatus !== 'function' || typeof api.markReadUpTo !== 'function' || typeof api.markDeliveredUpTo !== 'function') {
    throw new Error('receipts need messages.applyStatus, markReadUpTo and markDeliveredUpTo');
  }
  return api as ReceiptsApi;
}

/** Marks every outbound message of the user on `source` sent at or before `at`; the count changed. */
export function applyWatermark(tx: DatabaseScope, userId: number, status: 'delivered' | 'read', at: Date, source: MessageSource): Promise<number> {
  const api = receipts(tx);
  return status === 'read' ? api.markReadUpTo(userId, at, source) : api.markDeliveredUpTo(userId, at, source);
}

/** Applies a platform status to the message with this platform id (kept as pending when it is not recorded yet). */
export function applyPlatformStatus(
  tx: DatabaseScope,
  input: { messageId: string; status: string; at: Date; errors?: Array<{ code: number; title: string; message?: string }> },
): Promise<StatusOutcome> {
  return receipts(tx).applyStatus(input);
}

/** A WhatsApp id (`201001234567`, the number's digits without `+`) as E.164. */
export function phoneOfWaId(waId: string, path: string): string {
  const phone = `+${waId}`;
  if (!E164_PATTERN.test(phone)) fail(path, 'must be a WhatsApp id: 8 to 15 digits of an international number, without "+"', waId);
  return phone;
}

/** The message input with its kind (`messages.kind`). */
export function withKind<T extends object>(input: T, kind: string): T {
  void kind; // stored once messages.kind exists
  return input;
}
