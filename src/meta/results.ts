/**
 * What ingesting a webhook body did, one result per event, and the options
 * of the ingest functions.
 *
 * @module
 */

import type { MessageKind } from '../enums';

/**
 * Where a message's customer came from, read from the platform's referral
 * and matched against this database's ad campaigns and posts.
 */
export interface WebhookAttribution {
  /** The platform's name for the origin: Messenger `referral.source` (`ADS`, `SHORTLINK`, ...), WhatsApp `referral.source_type` (`ad`, `post`). */
  source: string | null;
  /** The ad's id: Messenger `referral.ad_id`, WhatsApp `referral.source_id` of an `ad`. */
  adId: string | null;
  /** The post's Facebook id: Messenger `ads_context_data.post_id`, WhatsApp `referral.source_id` of a `post`. */
  facebookPostId: string | null;
  /** The `ref` parameter of a Messenger ad or m.me link. */
  ref: string | null;
  /** WhatsApp's click-to-WhatsApp click id (`ctwa_clid`), for the Conversions API. */
  clickId: string | null;
  /** The matched `ad_campaigns.id`, stored on the message; `null` when none matched. */
  adCampaignId: number | null;
  /** The matched `posts.id`, stored on the message; `null` when none matched. */
  postId: number | null;
  /**
   * `matched`: a campaign or a post of this database was found and stored on
   * the message. `unknown`: the referral names an ad or a post this database
   * does not have, so the message was recorded without attribution (add the
   * campaign or post, or map ads to campaigns with
   * {@link WebhookIngestOptions.campaignOfAd}). `none`: the referral names
   * neither (an m.me link, a chat plugin).
   */
  status: 'matched' | 'unknown' | 'none';
}

/** A message recorded (or found already recorded) from a webhook event. */
export interface WebhookMessageResult {
  /** Discriminant. */
  kind: 'message';
  /** `created`: recorded now. `duplicate`: its platform id was already recorded, nothing changed. */
  outcome: 'created' | 'duplicate';
  /** `messages.id`. */
  messageId: number;
  /** The customer's `users.id`. */
  userId: number;
  /** `inbound` from the customer, `outbound` for a Messenger echo of what the page sent. */
  direction: 'inbound' | 'outbound';
  /** What the message holds: `text`, `image`, `reaction`, `postback`, ... */
  messageKind: MessageKind;
  /** The Messenger mid or WhatsApp wamid it is recorded under. */
  platformId: string;
  /** Where the customer came from, when the event carried a referral. */
  attribution: WebhookAttribution | null;
  /** The event in the body, e.g. `entry[0].messaging[1]`. */
  path: string;
}

/** A delivery or read receipt, or a WhatsApp status, applied to outbound messages. */
export interface WebhookReceiptResult {
  /** Discriminant. */
  kind: 'receipt';
  /**
   * `applied`: at least one message changed. `unchanged`: the messages were
   * already at that status or past it (a repeated receipt). `pending`: the
   * message is not recorded yet; the status is kept and applied when
   * `recordOutbound` writes that id.
   */
  outcome: 'applied' | 'unchanged' | 'pending';
  /** The status reported: `delivered`, `read`, `failed`, `sent`. */
  status: string;
  /** How many messages changed. */
  count: number;
  /** The message, for a receipt naming one (a WhatsApp status, a Messenger delivery mid); `null` for a watermark or a pending one. */
  messageId: number | null;
  /** The platform id the receipt names, or `null` for a watermark. */
  platformId: string | null;
  /** For a watermark: every outbound message sent at or before it was counted. */
  watermark: Date | null;
  /** The event in the body, e.g. `entry[0].changes[0].value.statuses[2]`. */
  path: string;
}

/** A Messenger referral on its own: the customer opened an existing thread from an ad or a link. */
export interface WebhookReferralResult {
  /** Discriminant. */
  kind: 'referral';
  /** The customer's `users.id` (created when new). */
  userId: number;
  /** Where they came from. No message carries it: store it if later messages should count for the ad. */
  attribution: WebhookAttribution;
  /** The event in the body. */
  path: string;
}

/** Why an event was not recorded. */
export type WebhookIgnoredReason =
  /** A receipt from a customer this database does not know. */
  | 'unknown-user'
  /** A WhatsApp status outside sent, delivered, read and failed (e.g. `deleted`). */
  | 'unknown-status'
  /** An event type the CRM does not record (opt-ins, handovers, message edits, standby, feed changes). */
  | 'unsupported-event'
  /** A WhatsApp change whose `field` is not `messages` (template or account updates). */
  | 'unsupported-field'
  /** A Messenger message the customer unsent. */
  | 'deleted-message'
  /** A WhatsApp system message (the customer changed numbers). */
  | 'system-message'
  /** Errors the platform reports about the webhook itself (`value.errors`). */
  | 'platform-error'
  /** A sender with no page-scoped id (a chat-plugin guest's `user_ref`). */
  | 'unsupported-sender';

/** An event that was valid but not recorded, and why. */
export interface WebhookIgnoredResult {
  /** Discriminant. */
  kind: 'ignored';
  /** Why, as a stable code. */
  reason: WebhookIgnoredReason;
  /** Why, in words (may name the event type or status). */
  detail: string;
  /** The event in the body. */
  path: string;
}

/** What one event of a webhook body did; `kind` tells which. */
export type WebhookEventResult = WebhookMessageResult | WebhookReceiptResult | WebhookReferralResult | WebhookIgnoredResult;

/** Options of `ingestMessengerWebhook` and `ingestWhatsAppWebhook`. */
export interface WebhookIngestOptions {
  /**
   * Maps the id of an ad (what referrals carry) to the Facebook id of its
   * campaign (`ad_campaigns.facebook_campaign_id`), e.g. from a Marketing API
   * cache. Called before the transaction opens. Without it, or when it
   * answers `null`/`undefined`, the ad id itself is looked up as a campaign's
   * Facebook id (for CRMs that store each ad as a campaign).
   */
  campaignOfAd?: (adId: string) => string | null | undefined | Promise<string | null | undefined>;
}
