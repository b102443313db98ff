// Reading back what the message repository wrote, shared by the tests of
// src/repositories/message.repository.ts and message-ingest.ts.
import type { Database } from '../../src/database';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message } from '../../src/entities/message.entity';
import { MessageSource } from '../../src/enums';
import type { RecordInboundInput } from '../../src/repositories/message.types';

/** An inbound Messenger "Hi" from `userId`; `extra` replaces any field. */
export function inbound(userId: number, extra: Partial<RecordInboundInput> = {}): RecordInboundInput {
  return { userId, text: 'Hi', source: MessageSource.MESSENGER, ...extra };
}

/** The stored messages of a user, oldest first. */
export function messagesOf(db: Database, userId: number): Promise<Message[]> {
  return db.manager.find(Message, { where: { userId }, order: { id: 'ASC' } });
}

/** The stored conversations of a user, oldest first. */
export function conversationsOf(db: Database, userId: number): Promise<Conversation[]> {
  return db.manager.find(Conversation, { where: { userId }, order: { id: 'ASC' } });
}
