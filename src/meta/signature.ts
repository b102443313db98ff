import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks a Meta webhook's `X-Hub-Signature-256` header: `sha256=` and the
 * hex HMAC-SHA256 of the request body keyed with the app secret, compared in
 * constant time. Never throws: a missing, malformed or wrong header, or an
 * empty secret, is `false`.
 *
 * Compute it on the RAW request bytes, before `JSON.parse`: re-serialised
 * JSON differs from what Meta signed (Meta escapes non-ASCII as `\u00e9`,
 * `/` as `\/`), so a parsed-then-stringified body never verifies. In
 * Express, read the body with `express.raw({ type: 'application/json' })`.
 *
 * @param rawBody - The body exactly as received (a string is taken as UTF-8).
 * @param signatureHeader - The `X-Hub-Signature-256` header value, if any.
 * @param appSecret - The Meta app's secret (App settings, Basic).
 * @returns Whether the body was signed with this secret.
 * @example
 * ```ts
 * app.post('/webhook', express.raw({ type: 'application/json' }), async (req, res) => {
 *   if (!verifyWebhookSignature(req.body, req.get('x-hub-signature-256'), process.env.META_APP_SECRET!)) return res.sendStatus(401);
 *   await ingestMessengerWebhook(db, JSON.parse(req.body.toString('utf8')));
 *   res.sendStatus(200);
 * });
 * ```
 */
export function verifyWebhookSignature(rawBody: Buffer | string, signatureHeader: string | undefined, appSecret: string): boolean {
  try {
    if (typeof signatureHeader !== 'string' || typeof appSecret !== 'string' || appSecret === '') return false;
    if (typeof rawBody !== 'string' && !Buffer.isBuffer(rawBody)) return false;
    const match = HEADER.exec(signatureHeader.trim());
    if (match === null) return false;
    const given = Buffer.from(match[1]!, 'hex');
    const expected = createHmac('sha256', appSecret).update(rawBody).digest();
    return given.length === expected.length && timingSafeEqual(given, expected);
  } catch {
    return false;
  }
}
