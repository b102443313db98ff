/**
 * `@migochat/db/meta`: Meta webhooks in. The typed bodies of the Messenger
 * Platform (`page`) and WhatsApp Cloud API (`whatsapp_business_account`)
 * webhooks, {@link ingestMessengerWebhook} and {@link ingestWhatsAppWebhook}
 * that record a whole body idempotently in one transaction, and
 * {@link verifyWebhookSignature} for the `X-Hub-Signature-256` header.
 *
 * @example
 * ```ts
 * import { openDatabase } from '@migochat/db';
 * import { ingestWhatsAppWebhook, verifyWebhookSignature } from '@migochat/db/meta';
 *
 * // rawBody: the request body as received (a Buffer), before JSON.parse
 * if (!verifyWebhookSignature(rawBody, headers['x-hub-signature-256'], appSecret)) return 401;
 * const results = await ingestWhatsAppWebhook(db, JSON.parse(rawBody.toString('utf8')));
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
