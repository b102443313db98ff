// Snippets of docs/guides/data-deletion.md (run by test/docs/guide-snippets.test.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from '@migochat/db';

// #region signed-request
/** The payload of Meta's `signed_request`, as its data deletion callback sends it. */
export interface DeletionRequest {
  /** The person's app-scoped id (not a page-scoped PSID). */
  user_id: string;
  algorithm: string;
  issued_at: number;
}

/**
 * Reads a `signed_request`: `<signature>.<payload>`, both base64url, the signature an
 * HMAC-SHA256 of the payload text with the app secret. `null` when it does not verify.
 */
export function parseSignedRequest(signedRequest: string, appSecret: string): DeletionRequest | null {
  const [signature = '', payload = ''] = signedRequest.split('.', 2);
  const expected = createHmac('sha256', appSecret).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (payload === '' || given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<DeletionRequest>;
  if (data.algorithm?.toUpperCase() !== 'HMAC-SHA256' || typeof data.user_id !== 'string') return null;
  return data as DeletionRequest;
}
// #endregion signed-request

// #region callback
/**
 * POST handler of the "Data deletion request URL" (form field `signed_request`). Meta expects
 * `{ url, confirmation_code }`: a page where the person can check the deletion, and its code.
 */
export async function dataDeletionCallback(
  db: Database,
  signedRequest: string,
  appSecret: string,
  psidOf: (appScopedId: string) => Promise<string | null>, // your mapping from app-scoped id to PSID
): Promise<{ status: 200; body: { url: string; confirmation_code: string } } | { status: 400 }> {
  const request = parseSignedRequest(signedRequest, appSecret);
  if (request === null) return { status: 400 };
  const psid = await psidOf(request.user_id);
  const user = psid === null ? null : await db.users.findByPsid(psid);
  // Nothing stored about them: there is nothing to erase, and the status page says so.
  let code = 'nothing-stored';
  if (user !== null) ({ confirmationCode: code } = await db.users.erase(user.id, { performedBy: 'meta-data-deletion-callback' }));
  return { status: 200, body: { url: `https://crm.example.com/data-deletion?code=${encodeURIComponent(code)}`, confirmation_code: code } };
}

/** GET handler of the status page the callback's `url` points at. */
export async function deletionStatusPage(db: Database, code: string): Promise<string> {
  const status = code.length > 0 && code.length <= 64 ? await db.users.erasureStatus(code) : null;
  return status ? `Your data was deleted on ${status.erasedAt.toISOString().slice(0, 10)}.` : 'We hold no data under this code.';
}
// #endregion callback

// #region by-phone
/** A WhatsApp customer asks an agent to delete their data: there is no Meta callback for that. */
export async function eraseWhatsAppCustomer(db: Database, phone: string, agentId: string): Promise<string | null> {
  const user = await db.users.findByPhone(phone); // any form: '+201001234567', the wa_id '201001234567', ...
  if (user === null) return null;
  const { confirmationCode } = await db.users.erase(user.id, { performedBy: agentId });
  return confirmationCode; // give it to the customer; erasureStatus(code) answers later
}
// #endregion by-phone
