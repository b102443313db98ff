/**
 * The events of the write paths, made from what they wrote.
 *
 * @internal
 * @module
 */
import type { Message } from '../entities/message.entity';
import type { RepositoryContext } from '../repositories/context';
import type { DatabaseScope } from '../scope';
import { EVENT_PREVIEW_LENGTH, type MessageRecordedEvent, type MessageStatusEvent } from './types';

/** The event of a message just recorded. */
export function messageRecorded(message: Message): MessageRecordedEvent {
  return {
    type: 'message.recorded',
    messageId: message.id,
    conversationId: message.conversationId,
    userId: message.userId,
    direction: message.direction,
    source: message.source,
    kind: message.kind,
    sentAt: message.sentAt ?? message.createdAt,
    preview: message.text === null ? null : Array.from(message.text).slice(0, EVENT_PREVIEW_LENGTH).join(''),
  };
}

/** The event of a message whose status just moved. */
export function messageStatus(message: Message): MessageStatusEvent {
  return { type: 'message.status', messageId: message.id, conversationId: message.conversationId, userId: message.userId, status: message.status };
}

/** A transaction's `tx` as the context its repositories run on (every scope the library makes is one). */
export function contextOf(tx: DatabaseScope): RepositoryContext {
  return tx as unknown as RepositoryContext;
}
