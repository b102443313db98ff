/**
 * Validates a Messenger `page` webhook body and turns it into a plan, before
 * anything is written. Every refusal names the path of the bad field.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import type { MessageAttachment } from '../entities/message.entity';
import { MessageKind, MessageSource } from '../enums';
import { array, fail, field, item, number, object, optionalBoolean, optionalId, optionalObject, optionalString, string, stringValue, type Json } from './payload-reader';
import type { PlannedCustomer, PlannedEvent, PlannedMessage, PlannedReferral } from './plan';
import { messengerTime } from './platform-time';

/** `users.psid` holds 64 characters; `messages.facebook_message_id` 255. */
const PSID_LENGTH = 64;
const MID_LENGTH = 255;
const TEXT_LENGTH = 20_000;

/** The event keys of `messaging[]` this parser records; any other is reported as unsupported. */
const EVENT_KEYS = ['message', 'postback', 'referral', 'read', 'delivery', 'reaction'] as const;

/** Attachment types that are a message kind of their own. */
const MEDIA_KINDS: Readonly<Record<string, MessageKind>> = { image: MessageKind.IMAGE, audio: MessageKind.AUDIO, video: MessageKind.VIDEO, file: MessageKind.FILE };

/** The whole body as a plan, in body order. */
export function planMessengerBody(body: unknown): PlannedEvent[] {
  const root = object(body, '');
  if (root['object'] !== 'page') fail('object', 'must be "page" for a Messenger webhook', root['object']);
  const entries = array(root, 'entry', '', true);
  const plan: PlannedEvent[] = [];
  entries.forEach((value, e) => {
    const path = item('entry', e);
    const entry = object(value, path);
    string(entry, 'id', path, MID_LENGTH);
    for (const key of ['standby', 'changes'] as const) {
      if (entry[key] !== undefined) plan.push({ type: 'ignored', path: field(path, key), reason: 'unsupported-event', detail: `entry.${key} is not recorded` });
    }
    array(entry, 'messaging', path, false).forEach((event, i) => plan.push(planEvent(object(event, item(field(path, 'messaging'), i)), item(field(path, 'messaging'), i))));
  });
  return plan;
}

function planEvent(event: Json, path: string): PlannedEvent {
  const sender = object(event['sender'], field(path, 'sender'));
  const recipient = object(event['recipient'], field(path, 'recipient'));
  const at = messengerTime(event, 'timestamp', path);
  const present = EVENT_KEYS.filter((k) => event[k] !== undefined);
  if (present.length === 0) {
    const keys = Object.keys(event).filter((k) => !['sender', 'recipient', 'timestamp'].includes(k));
    return { type: 'ignored', path, reason: 'unsupported-event', detail: `no message, postback, referral, read, delivery or reaction (${keys.join(', ') || 'nothing'})` };
  }
  if (present.length > 1) fail(path, `must hold one event, got ${present.join(' and ')}`);
  const message = optionalObject(event, 'message', path);
  // An echo is what the page sent: the customer is the recipient.
  const echo = message !== undefined && optionalBoolean(message, 'is_echo', field(path, 'message')) === true;
  const party = echo ? recipient : sender;
  const partyPath = field(path, echo ? 'recipient' : 'sender');
  if (party['id'] === undefined && party['user_ref'] !== undefined) {
    return { type: 'ignored', path, reason: 'unsupported-sender', detail: 'a chat-plugin guest (user_ref) has no page-scoped id yet' };
  }
  const customer: PlannedCustomer = { by: 'psid', psid: string(party, 'id', partyPath, PSID_LENGTH) };
  string(echo ? sender : recipient, 'id', field(path, echo ? 'sender' : 'recipient'), PSID_LENGTH);

  if (message !== undefined) return planMessage(message, field(path, 'message'), path, customer, echo, at);
  const postback = optionalObject(event, 'postback', path);
  if (postback !== undefined) return planPostback(postback, field(path, 'postback'), path, customer, at);
  const referral = optionalObject(event, 'referral', path);
  if (referral !== undefined) return { type: 'referral', path, customer, referral: planReferral(referral, field(path, 'referral')) };
  const read = optionalObject(event, 'read', path);
  if (read !== undefined) {
    return { type: 'watermark', path, customer, source: MessageSource.MESSENGER, status: 'read', at: messengerTime(read, 'watermark', field(path, 'read')), mids: [] };
  }
  const reaction = optionalObject(event, 'reaction', path);
  if (reaction !== undefined) return planReaction(reaction, field(path, 'reaction'), path, customer, at);
  const delivery = object(event['delivery'], field(path, 'delivery'));
  return planDelivery(delivery, field(path, 'delivery'), path, customer);
}

function planMessage(message: Json, at: string, path: string, customer: PlannedCustomer, echo: boolean, sentAt: Date): PlannedEvent {
  const mid = string(message, 'mid', at, MID_LENGTH);
  if (optionalBoolean(message, 'is_deleted', at) === true) return { type: 'ignored', path, reason: 'deleted-message', detail: `message ${mid} was unsent by the customer` };
  const text = optionalString(message, 'text', at, TEXT_LENGTH) ?? null;
  const attachments: MessageAttachment[] = [];
  let sticker = optionalId(message, 'sticker_id', at) !== undefined;
  let mediaKind: MessageKind | null = null;
  array(message, 'attachments', at, false).forEach((value, i) => {
    const apath = item(field(at, 'attachments'), i);
    const attachment = object(value, apath);
    const type = string(attachment, 'type', apath, 64);
    const payload = attachment['payload'] === null ? undefined : optionalObject(attachment, 'payload', apath);
    const url = payload === undefined ? optionalString(attachment, 'url', apath, 2048) : optionalString(payload, 'url', field(apath, 'payload'), 2048);
    if (payload !== undefined && optionalId(payload, 'sticker_id', field(apath, 'payload')) !== undefined) sticker = true;
    const title = optionalString(attachment, 'title', apath, 2048);
    mediaKind ??= MEDIA_KINDS[type] ?? null;
    attachments.push({ type, ...(url !== undefined ? { url } : {}), ...(title !== undefined ? { title } : {}), ...(payload !== undefined ? { payload } : {}) });
  });
  const quickReply = optionalObject(message, 'quick_reply', at);
  if (quickReply !== undefined) attachments.push({ type: 'quick_reply', payload: { payload: string(quickReply, 'payload', field(at, 'quick_reply'), 1000) } });
  const replyTo = optionalObject(message, 'reply_to', at);
  if (replyTo !== undefined) attachments.push({ type: 'reply_to', payload: { messageId: string(replyTo, 'mid', field(at, 'reply_to'), MID_LENGTH) } });
  const referral = optionalObject(message, 'referral', at);
  const kind = sticker ? MessageKind.STICKER : (mediaKind ?? (text !== null ? MessageKind.TEXT : MessageKind.UNSUPPORTED));
  return {
    type: 'message',
    path,
    customer,
    direction: echo ? 'outbound' : 'inbound',
    source: MessageSource.MESSENGER,
    kind,
    text,
    attachments: attachments.length > 0 ? attachments : null,
    platformId: mid,
    sentAt,
    referral: referral === undefined ? null : planReferral(referral, field(at, 'referral')),
  };
}

function planPostback(postback: Json, at: string, path: string, customer: PlannedCustomer, sentAt: Date): PlannedMessage {
  const title = optionalString(postback, 'title', at, 1000);
  const payload = optionalString(postback, 'payload', at, 1000);
  const mid = postback['mid'] === undefined ? null : string(postback, 'mid', at, MID_LENGTH);
  const referral = optionalObject(postback, 'referral', at);
  return {
    type: 'message',
    path,
    customer,
    direction: 'inbound',
    source: MessageSource.MESSENGER,
    kind: MessageKind.POSTBACK,
    text: title ?? payload ?? null,
    attachments: [{ type: 'postback', payload: { ...(title !== undefined ? { title } : {}), ...(payload !== undefined ? { payload } : {}) } }],
    // Older postbacks carry no mid: an id derived from the event keeps a redelivery idempotent.
    platformId: mid ?? derivedId('postback', customer, sentAt, payload ?? title ?? ''),
    sentAt,
    referral: referral === undefined ? null : planReferral(referral, field(at, 'referral')),
  };
}

function planReaction(reaction: Json, at: string, path: string, customer: PlannedCustomer, sentAt: Date): PlannedMessage {
  const action = reaction['action'];
  if (action !== 'react' && action !== 'unreact') fail(field(at, 'action'), 'must be "react" or "unreact"', action);
  const mid = string(reaction, 'mid', at, MID_LENGTH);
  const emoji = action === 'unreact' ? '' : (optionalString(reaction, 'emoji', at, 64) ?? optionalString(reaction, 'reaction', at, 64) ?? '');
  return {
    type: 'message',
    path,
    customer,
    direction: 'inbound',
    source: MessageSource.MESSENGER,
    kind: MessageKind.REACTION,
    text: null,
    attachments: [{ type: 'reaction', payload: { emoji, messageId: mid } }],
    // A reaction has no mid of its own: one derived from the event keeps a redelivery idempotent.
    platformId: derivedId('reaction', customer, sentAt, `${action}\n${mid}`),
    sentAt,
    referral: null,
  };
}

function planDelivery(delivery: Json, at: string, path: string, customer: PlannedCustomer): PlannedEvent {
  const watermark = messengerTime(delivery, 'watermark', at);
  const mids = array(delivery, 'mids', at, false).map((mid, i) => stringValue(mid, item(field(at, 'mids'), i), MID_LENGTH));
  return { type: 'watermark', path, customer, source: MessageSource.MESSENGER, status: 'delivered', at: watermark, mids };
}

function planReferral(referral: Json, at: string): PlannedReferral {
  const ads = optionalObject(referral, 'ads_context_data', at);
  return {
    source: optionalString(referral, 'source', at, 64) ?? null,
    adId: optionalId(referral, 'ad_id', at) ?? null,
    facebookPostId: ads === undefined ? null : (optionalId(ads, 'post_id', field(at, 'ads_context_data')) ?? null),
    ref: optionalString(referral, 'ref', at, 1000) ?? null,
    clickId: null,
  };
}

/** `<what>:<sha256 of the customer, time and detail>`: stable across redeliveries, 73 characters. */
function derivedId(what: string, customer: PlannedCustomer, at: Date, detail: string): string {
  const who = customer.by === 'psid' ? customer.psid : customer.phone;
  return `${what}:${createHash('sha256').update(`${who}\n${at.getTime()}\n${detail}`).digest('hex')}`;
}
