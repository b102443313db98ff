/**
 * Message kinds: the default kind of a message, and what each kind needs
 * (text, an attachment, or its own typed attachment), checked before any SQL.
 *
 * @internal
 * @module
 */
import type { MessageAttachment } from '../../entities/message.entity';
import { MessageKind } from '../../enums';
import { describeValue, invalid } from '../../validation';
import { checkMaxLength, checkText } from '../support/checks';
import { EXTERNAL_ID_LENGTH } from './receipts';

/** Kinds that need text or at least one attachment, as every message did before kinds existed. */
const TEXT_OR_ATTACHMENTS: ReadonlySet<MessageKind> = new Set([
  MessageKind.IMAGE,
  MessageKind.AUDIO,
  MessageKind.VIDEO,
  MessageKind.FILE,
  MessageKind.POSTBACK,
]);

const KIND_VALUES: ReadonlySet<string> = new Set(Object.values(MessageKind));

/** The longest reaction emoji kept, in code points (a flag or a family emoji is several). */
export const MAX_EMOJI_LENGTH = 32;
/** The longest location name or address, in code points. */
export const MAX_PLACE_TEXT_LENGTH = 1000;
/** The most contact cards one contacts message holds. */
export const MAX_SHARED_CONTACTS = 100;

/** The kind of a message that names none: `text` with text, else its first attachment's type when that is a kind, else `file`. */
export function defaultKind(hasText: boolean, attachments: readonly MessageAttachment[] | null | undefined): MessageKind {
  if (hasText) return MessageKind.TEXT;
  const type: unknown = Array.isArray(attachments) ? (attachments[0] as { type?: unknown } | undefined)?.type : undefined;
  return typeof type === 'string' && KIND_VALUES.has(type) ? (type as MessageKind) : MessageKind.FILE;
}

/**
 * Refuses a message whose content does not fit its kind: `text` needs text
 * (rule `textOrAttachments`), the media kinds and `postback` text or an
 * attachment (`textOrAttachments`), `sticker` an attachment (`attachmentRequired`),
 * `reaction`, `location` and `contacts` an attachment of their own type in
 * their shape (`kindPayload`); `unsupported` needs nothing.
 */
export function checkKindContent(kind: MessageKind, hasText: boolean, attachments: unknown): void {
  const list: readonly unknown[] = Array.isArray(attachments) ? attachments : [];
  switch (kind) {
    case MessageKind.TEXT:
      if (!hasText) invalid('Message', 'text', 'textOrAttachments', 'a message of kind text needs text');
      return;
    case MessageKind.STICKER:
      if (list.length === 0) invalid('Message', 'attachments', 'attachmentRequired', 'a message of kind sticker needs its sticker as an attachment');
      return;
    case MessageKind.REACTION:
    case MessageKind.LOCATION:
    case MessageKind.CONTACTS:
      checkTypedAttachments(kind, list);
      return;
    case MessageKind.UNSUPPORTED:
      return;
    default:
      if (TEXT_OR_ATTACHMENTS.has(kind) && !hasText && list.length === 0) {
        invalid('Message', 'text', 'textOrAttachments', `a message of kind ${kind} needs text or at least one attachment`);
      }
  }
}

/** A kind with a typed payload needs at least one attachment of its type; each of them must have the kind's shape. */
function checkTypedAttachments(kind: MessageKind.REACTION | MessageKind.LOCATION | MessageKind.CONTACTS, list: readonly unknown[]): void {
  let found = false;
  list.forEach((item, i) => {
    if (!isPlainObject(item) || item['type'] !== kind) return;
    found = true;
    const where = `attachments[${i}].payload`;
    const payload = item['payload'];
    if (!isPlainObject(payload)) invalid('Message', where, 'kindPayload', `${where} of a ${kind} must be an object, got ${describeValue(payload)}`);
    if (kind === MessageKind.REACTION) checkReaction(where, payload);
    else if (kind === MessageKind.LOCATION) checkLocation(where, payload);
    else checkContacts(where, payload);
  });
  if (!found) invalid('Message', 'attachments', 'kindPayload', `a message of kind ${kind} needs an attachment { type: '${kind}', payload } (${SHAPES[kind]})`);
}

const SHAPES: Readonly<Record<string, string>> = {
  [MessageKind.REACTION]: 'payload: { emoji, messageId }',
  [MessageKind.LOCATION]: 'payload: { latitude, longitude, name?, address? }',
  [MessageKind.CONTACTS]: 'payload: { contacts: [...] }',
};

function checkReaction(where: string, payload: Record<string, unknown>): void {
  const { emoji, messageId } = payload;
  if (typeof emoji !== 'string') invalid('Message', `${where}.emoji`, 'isString', `${where}.emoji must be a string ('' when the reaction was removed), got ${describeValue(emoji)}`);
  checkMaxLength('Message', `${where}.emoji`, emoji, MAX_EMOJI_LENGTH);
  if (typeof messageId !== 'string' || messageId === '') {
    invalid('Message', `${where}.messageId`, 'isNotEmpty', `${where}.messageId must be the reacted-to message's mid or wamid, got ${describeValue(messageId)}`);
  }
  checkMaxLength('Message', `${where}.messageId`, messageId, EXTERNAL_ID_LENGTH);
  checkText('Message', `${where}.messageId`, messageId);
}

function checkLocation(where: string, payload: Record<string, unknown>): void {
  for (const [key, limit] of [
    ['latitude', 90],
    ['longitude', 180],
  ] as const) {
    const value = payload[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) {
      invalid('Message', `${where}.${key}`, 'range', `${where}.${key} must be a number of degrees from -${limit} to ${limit}, got ${describeValue(value)}`);
    }
  }
  for (const key of ['name', 'address'] as const) {
    const value = payload[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') invalid('Message', `${where}.${key}`, 'isString', `${where}.${key} must be a string, got ${describeValue(value)}`);
    checkMaxLength('Message', `${where}.${key}`, value, MAX_PLACE_TEXT_LENGTH);
  }
}

function checkContacts(where: string, payload: Record<string, unknown>): void {
  const contacts = payload['contacts'];
  if (!Array.isArray(contacts) || contacts.length === 0 || contacts.length > MAX_SHARED_CONTACTS) {
    invalid('Message', `${where}.contacts`, 'arrayLength', `${where}.contacts must be an array of 1 to ${MAX_SHARED_CONTACTS} contact cards, got ${describeValue(contacts)}`);
  }
  contacts.forEach((card: unknown, i) => {
    if (!isPlainObject(card)) invalid('Message', `${where}.contacts[${i}]`, 'isObject', `${where}.contacts[${i}] must be an object, got ${describeValue(card)}`);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
