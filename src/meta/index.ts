/**
 * `@migochat/db/meta`: Meta webhooks in. {@link ingestWhatsAppWebhook} and
 * {@link ingestMessengerWebhook} record a whole WhatsApp Cloud API
 * (`whatsapp_business_account`) or Messenger Platform (`page`) webhook body
 * idempotently, in one transaction, and answer one result per event
 * ({@link WebhookEventResult}); {@link verifyWebhookSignature} checks the
 * `X-Hub-Signature-256` header on the raw body first. A body not in Meta's
 * documented shape throws {@link WebhookPayloadError} naming the field, and
 * nothing is written. The typed bodies ({@link WhatsAppWebhookBody},
 * {@link MessengerWebhookBody} and their parts) follow Meta's webhook
 * reference. WhatsApp numbers become E.164 with {@link normalizePhoneNumber}
 * (from `@migochat/db`). The guide: [recording webhook traffic](../../docs/guides/webhooks.md).
 *
 * @example
 * ```ts
 * import { ingestWhatsAppWebhook, verifyWebhookSignature } from '@migochat/db/meta';
 *
 * app.post('/webhooks/whatsapp', express.raw({ type: 'application/json' }), async (req, res) => {
 *   // The signature is over the bytes Meta sent: check it before JSON.parse.
 *   if (!verifyWebhookSignature(req.body, req.get('x-hub-signature-256'), process.env.META_APP_SECRET!)) return res.sendStatus(401);
 *   const results = await ingestWhatsAppWebhook(db, JSON.parse(req.body.toString('utf8')));
 *   res.sendStatus(200);
 *   for (const r of results) if (r.kind === 'message' && r.outcome === 'created') await reply(r.userId);
 * });
 * ```
 *
 * @module @migochat/db/meta
 */
import 'reflect-metadata';

export type * from './messenger-types';
export type * from './whatsapp-types';
export type * from './results';
export { ingestMessengerWebhook } from './ingest-messenger';
export { ingestWhatsAppWebhook } from './ingest-whatsapp';
export { verifyWebhookSignature } from './signature';
export { WebhookPayloadError } from '../errors';
