/**
 * What a validated webhook body asks to write, event by event. Parsing
 * builds the whole plan before anything is written; applying it is one
 * transaction.
 *
 * @internal
 * @module
 */
import type { MessageAttachment } from '../entities/message.entity';
import type { MessageKind, MessageSource } from '../enums';
import type { ReceiptError } from '../repositories/message.types';
import type { WebhookIgnoredReason } from './results';

/** The customer an event is about: by Messenger page-scoped id, or by E.164 number (WhatsApp). */
export type PlannedCustomer = { by: 'psid'; psid: string } | { by: 'phone'; phone: string; name: string | null };

/** What a referral names, before it is matched to rows. */
export interface PlannedReferral {
  source: string | null;
  adId: string | null;
  facebookPostId: string | null;
  ref: string | null;
  clickId: string | null;
}

/** Record a message (idempotent by its platform id). */
export interface PlannedMessage {
  type: 'message';
  path: string;
  customer: PlannedCustomer;
  direction: 'inbound' | 'outbound';
  source: MessageSource;
  kind: MessageKind;
  text: string | null;
  attachments: MessageAttachment[] | null;
  platformId: string;
  sentAt: Date;
  referral: PlannedReferral | null;
}

/** Apply a Messenger watermark: every outbound message sent at or before `at` is delivered or read. */
export interface PlannedWatermark {
  type: 'watermark';
  path: string;
  customer: PlannedCustomer;
  source: MessageSource;
  status: 'delivered' | 'read';
  at: Date;
  /** Messenger `delivery.mids`: each also gets the status by id (it may be newer than the watermark says). */
  mids: string[];
}

/** Apply a status to one message by its platform id (a WhatsApp status, a Messenger delivery mid). */
export interface PlannedStatus {
  type: 'status';
  path: string;
  platformId: string;
  status: string;
  at: Date;
  errors: ReceiptError[] | undefined;
}

/** A referral on its own (Messenger `messaging_referrals`). */
export interface PlannedReferralEvent {
  type: 'referral';
  path: string;
  customer: PlannedCustomer;
  referral: PlannedReferral;
}

/** Nothing to write; reported as ignored. */
export interface PlannedIgnore {
  type: 'ignored';
  path: string;
  reason: WebhookIgnoredReason;
  detail: string;
}

/** One step of a plan. */
export type PlannedEvent = PlannedMessage | PlannedWatermark | PlannedStatus | PlannedReferralEvent | PlannedIgnore;
