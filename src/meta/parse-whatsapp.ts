/**
 * Validates a WhatsApp Cloud API `whatsapp_business_account` webhook body
 * and turns it into a plan, before anything is written. Every refusal names
 * the path of the bad field.
 *
 * @internal
 * @module
 */
import type { MessageAttachment } from '../entities/message.entity';
import { MessageKind, MessageSource } from '../enums';
import { isMigochatDbError } from '../errors';
import { normalizePhoneNumber } from '../phone-number';
import { array, fail, field, item, number, object, optionalObject, optionalString, string, stringValue, type Json } from './payload-reader';
import type { ReceiptError } from '../repositories/message.types';
import type { PlannedCustomer, PlannedEvent, PlannedMessage, PlannedReferral, PlannedStatus } from './plan';
import { whatsAppTime } from './platform-time';

const ID_LENGTH = 255;
const TEXT_LENGTH = 20_000;
/** WhatsApp media types and the message kind each is recorded as. */
const MEDIA: Readonly<Record<string, MessageKind>> = {
  image: MessageKind.IMAGE,
  audio: MessageKind.AUDIO,
  video: MessageKind.VIDEO,
  document: MessageKind.FILE,
  sticker: MessageKind.STICKER,
};
/** Profile names go into `users.first_name` (100 characters). */
const NAME_LENGTH = 100;

/** The whole body as a plan, in body order: per change its messages, then its statuses. */
export function planWhatsAppBody(body: unknown): PlannedEvent[] {
  const root = object(body, '');
  if (root['object'] !== 'whatsapp_business_account') fail('object', 'must be "whatsapp_business_account" for a WhatsApp webhook', root['object']);
  const plan: PlannedEvent[] = [];
  array(root, 'entry', '', true).forEach((value, e) => {
    const path = item('entry', e);
    const entry = object(value, path);
    string(entry, 'id', path, ID_LENGTH);
    array(entry, 'changes', path, true).forEach((change, c) => plan.push(...planChange(object(change, item(field(path, 'changes'), c)), item(field(path, 'changes'), c))));
  });
  return plan;
}

function planChange(change: Json, path: string): PlannedEvent[] {
  const name = string(change, 'field', path, 128);
  const valuePath = field(path, 'value');
  const value = object(change['value'], valuePath);
  if (name !== 'messages') return [{ type: 'ignored', path, reason: 'unsupported-field', detail: `field "${name}" holds no messages` }];
  if (value['messaging_product'] !== 'whatsapp') fail(field(valuePath, 'messaging_product'), 'must be "whatsapp"', value['messaging_product']);
  const metadata = object(value['metadata'], field(valuePath, 'metadata'));
  string(metadata, 'phone_number_id', field(valuePath, 'metadata'), ID_LENGTH);

  const names = new Map<string, string | null>();
  const contacts = array(value, 'contacts', valuePath, false);
  contacts.forEach((contact, i) => {
    const cpath = item(field(valuePath, 'contacts'), i);
    const c = object(contact, cpath);
    const waId = string(c, 'wa_id', cpath, 32);
    const profile = optionalObject(c, 'profile', cpath);
    const profileName = profile === undefined ? undefined : optionalString(profile, 'name', field(cpath, 'profile'), 1000);
    names.set(waId, profileName === undefined || profileName.trim() === '' ? null : Array.from(profileName.trim()).slice(0, NAME_LENGTH).join(''));
  });
  // `from` is normally a contact's wa_id; with a single contact, its name is the sender's.
  const nameOf = (from: string): string | null => names.get(from) ?? (names.size === 1 ? [...names.values()][0]! : null);

  const plan: PlannedEvent[] = [];
  array(value, 'messages', valuePath, false).forEach((message, i) => {
    const mpath = item(field(valuePath, 'messages'), i);
    plan.push(planMessage(object(message, mpath), mpath, nameOf));
  });
  array(value, 'statuses', valuePath, false).forEach((status, i) => {
    const spath = item(field(valuePath, 'statuses'), i);
    plan.push(planStatus(object(status, spath), spath));
  });
  const errors = array(value, 'errors', valuePath, false);
  if (errors.length > 0) {
    const listed = errors.map((error, i) => describeError(planError(object(error, item(field(valuePath, 'errors'), i)), item(field(valuePath, 'errors'), i))));
    plan.push({ type: 'ignored', path: field(valuePath, 'errors'), reason: 'platform-error', detail: listed.join('; ') });
  }
  return plan;
}

function planMessage(message: Json, path: string, nameOf: (from: string) => string | null): PlannedEvent {
  const from = string(message, 'from', path, 32);
  const id = string(message, 'id', path, ID_LENGTH);
  const sentAt = whatsAppTime(message, 'timestamp', path);
  const type = string(message, 'type', path, 64);
  const customer: PlannedCustomer = { by: 'phone', phone: phoneOfWaId(from, field(path, 'from')), name: nameOf(from) };
  if (type === 'system') return { type: 'ignored', path, reason: 'system-message', detail: `system message ${id} (e.g. a changed number) is not a customer message` };

  const content = planContent(message, type, path);
  const attachments = content.attachments;
  const context = optionalObject(message, 'context', path);
  const repliedTo = context === undefined ? undefined : optionalString(context, 'id', field(path, 'context'), ID_LENGTH);
  if (repliedTo !== undefined && repliedTo !== '' && content.kind !== MessageKind.REACTION) attachments.push({ type: 'reply_to', payload: { messageId: repliedTo } });
  const referral = optionalObject(message, 'referral', path);
  return {
    type: 'message',
    path,
    customer,
    direction: 'inbound',
    source: MessageSource.WHATSAPP,
    kind: content.kind,
    text: content.text,
    attachments: attachments.length > 0 ? attachments : null,
    platformId: id,
    sentAt,
    referral: referral === undefined ? null : planReferral(referral, field(path, 'referral')),
  };
}

interface Content {
  kind: MessageKind;
  text: string | null;
  attachments: MessageAttachment[];
}

/** The kind, text and attachments of a message of `type`. */
function planContent(message: Json, type: string, path: string): Content {
  const at = field(path, type);
  if (type === 'text') return { kind: MessageKind.TEXT, text: string(object(message['text'], at), 'body', at, TEXT_LENGTH), attachments: [] };
  const media = MEDIA[type];
  if (media !== undefined) {
    const m = object(message[type], at);
    string(m, 'id', at, ID_LENGTH);
    const caption = optionalString(m, 'caption', at, TEXT_LENGTH);
    return { kind: media, text: caption === undefined || caption === '' ? null : caption, attachments: [{ type: media, payload: { ...m } }] };
  }
  switch (type) {
    case 'location': {
      const l = object(message['location'], at);
      const latitude = number(l, 'latitude', at, true);
      const longitude = number(l, 'longitude', at, true);
      if (latitude < -90 || latitude > 90) fail(field(at, 'latitude'), 'must be from -90 to 90', latitude);
      if (longitude < -180 || longitude > 180) fail(field(at, 'longitude'), 'must be from -180 to 180', longitude);
      const name = optionalString(l, 'name', at, 1000);
      const address = optionalString(l, 'address', at, 1000);
      const url = optionalString(l, 'url', at, 2048);
      const payload = { latitude, longitude, ...(name !== undefined ? { name } : {}), ...(address !== undefined ? { address } : {}), ...(url !== undefined ? { url } : {}) };
      return { kind: MessageKind.LOCATION, text: null, attachments: [{ type: 'location', payload }] };
    }
    case 'contacts': {
      const cards = array(message, 'contacts', path, true);
      if (cards.length === 0) fail(at, 'must hold at least one contact card');
      cards.forEach((card, i) => {
        const cpath = item(at, i);
        string(object(object(card, cpath)['name'], field(cpath, 'name')), 'formatted_name', field(cpath, 'name'), 1000);
      });
      return { kind: MessageKind.CONTACTS, text: null, attachments: [{ type: 'contacts', payload: { contacts: cards } }] };
    }
    case 'reaction': {
      const r = object(message['reaction'], at);
      const messageId = string(r, 'message_id', at, ID_LENGTH);
      // An absent or empty emoji is WhatsApp's way of removing the reaction.
      const emoji = optionalString(r, 'emoji', at, 64) ?? '';
      return { kind: MessageKind.REACTION, text: null, attachments: [{ type: 'reaction', payload: { emoji, messageId } }] };
    }
    case 'button': {
      const b = object(message['button'], at);
      const text = string(b, 'text', at, 1000);
      const payload = optionalString(b, 'payload', at, 1000);
      return { kind: MessageKind.POSTBACK, text, attachments: [{ type: 'postback', payload: { title: text, ...(payload !== undefined ? { payload } : {}) } }] };
    }
    case 'interactive': {
      const i = object(message['interactive'], at);
      const kind = string(i, 'type', at, 64);
      const reply = kind === 'button_reply' || kind === 'list_reply' ? object(i[kind], field(at, kind)) : undefined;
      if (reply === undefined) return { kind: MessageKind.UNSUPPORTED, text: null, attachments: [{ type: 'unsupported', payload: { type: `interactive.${kind}` } }] };
      const title = string(reply, 'title', field(at, kind), 1000);
      const description = optionalString(reply, 'description', field(at, kind), 1000);
      const payload = { title, payload: string(reply, 'id', field(at, kind), 1000), ...(description !== undefined ? { description } : {}) };
      return { kind: MessageKind.POSTBACK, text: title, attachments: [{ type: 'postback', payload }] };
    }
    case 'unsupported': {
      const errors = array(message, 'errors', path, false).map((e, k) => planError(object(e, item(field(path, 'errors'), k)), item(field(path, 'errors'), k)));
      return { kind: MessageKind.UNSUPPORTED, text: null, attachments: [{ type: 'unsupported', payload: { type, errors } }] };
    }
    default:
      // order, request_welcome and types WhatsApp adds later: kept as unsupported, not lost.
      return { kind: MessageKind.UNSUPPORTED, text: null, attachments: [{ type: 'unsupported', payload: { type } }] };
  }
}

function planStatus(status: Json, path: string): PlannedStatus {
  const platformId = string(status, 'id', path, ID_LENGTH);
  const value = string(status, 'status', path, 64);
  const at = whatsAppTime(status, 'timestamp', path);
  string(status, 'recipient_id', path, 32);
  const raw = array(status, 'errors', path, false);
  const errors = raw.map((e, i) => planError(object(e, item(field(path, 'errors'), i)), item(field(path, 'errors'), i)));
  return { type: 'status', path, platformId, status: value, at, errors: errors.length > 0 ? errors : undefined };
}

function planError(error: Json, path: string): ReceiptError {
  const code = number(error, 'code', path, true);
  if (!Number.isSafeInteger(code)) fail(field(path, 'code'), 'must be a whole number', code);
  const title = optionalString(error, 'title', path, 1000);
  const message = optionalString(error, 'message', path, 1000);
  const details = optionalObject(error, 'error_data', path);
  const detail = details === undefined ? undefined : optionalString(details, 'details', field(path, 'error_data'), 1000);
  const text = message ?? detail;
  return { code, title: title ?? message ?? `error ${code}`, ...(text !== undefined ? { message: text } : {}) };
}

function describeError(error: { code: number; title: string }): string {
  return `${error.code} ${error.title}`;
}

function planReferral(referral: Json, at: string): PlannedReferral {
  const source = optionalString(referral, 'source_type', at, 64) ?? null;
  const id = referral['source_id'] === undefined ? null : stringValue(referral['source_id'], field(at, 'source_id'), ID_LENGTH);
  return {
    source,
    adId: source === 'ad' ? id : null,
    facebookPostId: source === 'post' ? id : null,
    ref: null,
    clickId: optionalString(referral, 'ctwa_clid', at, 1000) ?? null,
  };
}

/** A WhatsApp id (`201001234567`: the number's digits without `+`) as E.164, through the repositories' one normalisation. */
function phoneOfWaId(waId: string, path: string): string {
  try {
    return normalizePhoneNumber(waId, 'from');
  } catch (error) {
    if (isMigochatDbError(error) && error.code === 'ENTITY_VALIDATION_ERROR') {
      fail(path, 'must be a WhatsApp id: the digits of an international number with its country code, without "+"', waId);
    }
    throw error;
  }
}
