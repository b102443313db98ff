import type { DatabaseScope } from '../scope';
import { applyPlan } from './apply-plan';
import type { MessengerWebhookBody } from './messenger-types';
import { planMessengerBody } from './parse-messenger';
import type { WebhookEventResult, WebhookIngestOptions } from './results';

/**
 * Records everything a Messenger `page` webhook body holds, idempotently, and
 * says what each event did. The whole body is validated first; then it is
 * written in one transaction (joining the caller's when `db` is a
 * transaction's `tx`), so a bad body or a failure writes nothing.
 *
 * - `message`: the customer is found or created by PSID (`sender.id`), the
 *   message recorded by its `mid` (a redelivery is a `duplicate`), sent at
 *   `timestamp` (milliseconds), with its kind (text, image, audio, video,
 *   file, sticker, ...) and attachments as sent; a quick reply and the
 *   replied-to mid are kept as attachments of type `quick_reply` and
 *   `reply_to`. An echo (`is_echo`, what the page sent) is recorded as
 *   outbound to the customer in `recipient.id`.
 * - `postback`: a message of kind `postback` (text: the button's title).
 * - `reaction`: a message of kind `reaction` whose attachment is
 *   `{ type: 'reaction', payload: { emoji, messageId } }` (empty emoji when
 *   removed); it does not count in the conversation.
 * - `referral` (on a message, a postback, or on its own): `ad_id` is matched
 *   to an ad campaign (see {@link WebhookIngestOptions.campaignOfAd}) and
 *   `ads_context_data.post_id` to a post; what matched is stored on the
 *   message, and the result says what did not.
 * - `read` and `delivery`: every outbound message to the customer sent at or
 *   before `watermark` is marked read or delivered, and each of
 *   `delivery.mids` by id. Receipts from unknown customers are ignored.
 *
 * Reactions, and postbacks without a `mid`, have no id of their own: they
 * are recorded under one derived from the customer, time and content
 * (`reaction:<sha256>`), so redeliveries stay idempotent.
 *
 * @param db - The database, or a transaction's `tx`.
 * @param body - The parsed JSON body, checked to be a {@link MessengerWebhookBody}. Verify its signature on the raw bytes first ({@link verifyWebhookSignature}).
 * @returns One result per event in body order (a delivery with mids: one per mid, then the watermark).
 * @throws {@link WebhookPayloadError} when the body is not in Meta's documented shape
 *   (`path` names the bad field, e.g. `entry[0].messaging[0].timestamp`); nothing is written.
 * @example
 * ```ts
 * const results = await ingestMessengerWebhook(db, JSON.parse(rawBody.toString('utf8')));
 * for (const r of results) if (r.kind === 'message' && r.outcome === 'created' && r.direction === 'inbound') await reply(r.userId);
 * ```
 */
export async function ingestMessengerWebhook(db: DatabaseScope, body: unknown, options?: WebhookIngestOptions): Promise<WebhookEventResult[]> {
  const plan = planMessengerBody(body);
  return applyPlan(db, plan, options);
}
