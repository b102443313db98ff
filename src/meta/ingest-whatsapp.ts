import type { DatabaseScope } from '../scope';
import { applyPlan } from './apply-plan';
import { planWhatsAppBody } from './parse-whatsapp';
import type { WebhookEventResult, WebhookIngestOptions } from './results';
import type { WhatsAppWebhookBody } from './whatsapp-types';

/**
 * Records everything a WhatsApp Cloud API `whatsapp_business_account`
 * webhook body holds, idempotently, and says what each event did. The whole
 * body is validated first; then it is written in one transaction (joining
 * the caller's when `db` is a transaction's `tx`), so a bad body or a
 * failure writes nothing. Changes whose `field` is not `messages` are
 * reported as ignored.
 *
 * - `messages[]`: the customer is found or created by number (`from`, the
 *   WhatsApp id `201001234567`, stored as E.164 `+201001234567`), named
 *   from `contacts[].profile.name` when the user has no name yet; the
 *   message is recorded by its wamid (a redelivery is a `duplicate`), sent
 *   at `timestamp` (unix SECONDS, a string). Kinds: `text`; `image`,
 *   `audio`, `video`, `document` (kind `file`), `sticker` with the media
 *   object as the attachment's payload and the caption as text; `location`
 *   (`{ latitude, longitude, name?, address? }`); `contacts`; `reaction`
 *   (`{ emoji, messageId }`, empty emoji when removed; not counted in the
 *   conversation); `button` and `interactive` replies (kind `postback`);
 *   `unsupported` and any type WhatsApp adds later (kind `unsupported`, with
 *   the platform's errors). `system` messages are ignored. A `context.id`
 *   is kept as a `reply_to` attachment; `referral.source_id` is matched to
 *   an ad campaign (`source_type` `ad`) or a post (`post`).
 * - `statuses[]`: applied to the outbound message with that wamid; never
 *   backwards; a `failed` status stores its error; a status for a message
 *   not recorded yet is kept (`pending`) until `recordOutbound` writes it;
 *   a status outside sent/delivered/read/failed is `ignored`.
 *
 * @param db - The database, or a transaction's `tx`.
 * @param body - The parsed JSON body, checked to be a {@link WhatsAppWebhookBody}. Verify its signature on the raw bytes first ({@link verifyWebhookSignature}).
 * @returns One result per event, in body order (per change: its messages, then its statuses).
 * @throws {@link WebhookPayloadError} when the body is not in Meta's documented shape
 *   (`path` names the bad field, e.g. `entry[0].changes[0].value.messages[1].timestamp`); nothing is written.
 * @example
 * ```ts
 * const results = await ingestWhatsAppWebhook(db, JSON.parse(rawBody.toString('utf8')));
 * const fresh = results.filter((r) => r.kind === 'message' && r.outcome === 'created');
 * ```
 */
export async function ingestWhatsAppWebhook(db: DatabaseScope, body: unknown, options?: WebhookIngestOptions): Promise<WebhookEventResult[]> {
  const plan = planWhatsAppBody(body);
  return applyPlan(db, plan, options);
}
