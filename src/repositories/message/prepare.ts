/**
 * Input checks of the message repository's record methods: a
 * {@link RecordInboundInput} or {@link RecordOutboundInput} becomes an
 * unsaved, validated {@link Message} before any SQL runs.
 *
 * @internal
 * @module
 */
import { Message } from '../../entities/message.entity';
import { MessageDirection, MessageKind, MessageSource, MessageStatus } from '../../enums';
import { invalid, validateEntity } from '../../validation';
import { RECORD_BATCH_MAX, type RecordInboundInput, type RecordOutboundInput } from '../message.types';
import { checkEnum, checkId, checkObject, checkPlatformTime } from '../support/checks';
import { checkKindContent, defaultKind } from './kinds';

const INBOUND_KEYS: ReadonlySet<string> = new Set<keyof RecordInboundInput>([
  'userId',
  'source',
  'kind',
  'text',
  'attachments',
  'facebookMessageId',
  'whatsappMessageId',
  'postId',
  'adCampaignId',
  'sentAt',
]);
const OUTBOUND_KEYS: ReadonlySet<string> = new Set<string>([...INBOUND_KEYS, 'isAiResponse', 'aiResponseTimeMs', 'status']);

/** Inputs validated between two turns of the event loop, so a large batch never blocks it for long. */
const PREPARED_PER_TURN = 250;

/**
 * Validates a batch of inbound inputs into unsaved Messages, in input order
 * (nothing touches the database): an array of at most {@link RECORD_BATCH_MAX}.
 */
export async function prepareInboundBatch(inputs: readonly RecordInboundInput[]): Promise<Message[]> {
  if (!Array.isArray(inputs)) invalid('Message', 'inputs', 'isArray', 'expected an array of inbound messages');
  if (inputs.length > RECORD_BATCH_MAX) {
    invalid('Message', 'inputs', 'arrayMaxSize', `at most ${RECORD_BATCH_MAX} messages per batch, got ${inputs.length}`);
  }
  const messages: Message[] = [];
  for (let i = 0; i < inputs.length; i++) {
    // Validation resolves in microtasks: give timers and I/O a turn now and then.
    if (i > 0 && i % PREPARED_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    messages.push(await prepareMessage(inputs[i], MessageDirection.INBOUND));
  }
  return messages;
}

/** Validates input into an unsaved Message (nothing touches the database). */
export async function prepareMessage(input: unknown, direction: MessageDirection): Promise<Message> {
  checkObject('Message', 'input', input);
  const allowed = direction === MessageDirection.INBOUND ? INBOUND_KEYS : OUTBOUND_KEYS;
  const values = input as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (values[key] !== undefined && !allowed.has(key)) {
      const quoted = key.length > 32 ? `${key.slice(0, 32)}...` : key;
      invalid('Message', quoted, 'unknownProperty', `${quoted} is not a field of a ${direction} message`);
    }
  }
  const given = values as unknown as RecordOutboundInput;
  checkId('Message', 'userId', given.userId);
  const source = checkEnum(MessageSource, 'MessageSource', given.source);
  const status = given.status === undefined ? MessageStatus.SENT : checkEnum(MessageStatus, 'MessageStatus', given.status);
  for (const key of ['facebookMessageId', 'whatsappMessageId'] as const) {
    if (given[key] === '') invalid('Message', key, 'isNotEmpty', `${key} must not be empty`);
  }
  for (const key of ['postId', 'adCampaignId'] as const) {
    if (given[key] !== undefined && given[key] !== null) checkId('Message', key, given[key]);
  }
  const hasText = typeof given.text === 'string' && given.text !== '';
  const explicitKind = given.kind === undefined ? undefined : checkEnum(MessageKind, 'MessageKind', given.kind);
  if (given.sentAt !== undefined) checkPlatformTime('Message', 'sentAt', given.sentAt);
  const message = Object.assign(new Message(), {
    userId: given.userId,
    // A placeholder that passes validation: the conversation is found inside the transaction.
    conversationId: 0,
    facebookMessageId: given.facebookMessageId ?? null,
    whatsappMessageId: given.whatsappMessageId ?? null,
    kind: explicitKind ?? MessageKind.TEXT,
    text: given.text ?? null,
    attachments: given.attachments ?? null,
    direction,
    status,
    source,
    isAiResponse: given.isAiResponse ?? false,
    aiResponseTimeMs: given.aiResponseTimeMs ?? null,
    postId: given.postId ?? null,
    adCampaignId: given.adCampaignId ?? null,
    sentAt: given.sentAt ?? new Date(),
    deliveredAt: null,
    readAt: null,
    errorCode: null,
    errorTitle: null,
  });
  await validateEntity(message);
  // After validation: the attachments are known to be bounded plain JSON by now.
  message.kind = explicitKind ?? defaultKind(hasText, message.attachments);
  checkKindContent(message.kind, hasText, message.attachments);
  return message;
}
