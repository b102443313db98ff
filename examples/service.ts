// A webhook handler as a service would write it: the raw request body in
// (signature checked, parsed, every event recorded), one reply out,
// everything the CRM needs recorded on the way.
// Run: npx tsx examples/service.ts  (in-memory SQLite; DATABASE_URL overrides)
import { createHmac } from 'node:crypto';
import {
  databaseOptionsFromEnv,
  isMigochatDbError,
  LeadStage,
  MessageSource,
  openDatabase,
  type Database,
  } from '@migochat/db';
import { ingestMessengerWebhook, verifyWebhookSignature, type WebhookEventResult } from '@migochat/db/meta';

/** The Meta app secret (App settings > Basic); a stand-in here. */
const APP_SECRET = process.env.META_APP_SECRET || 'example-app-secret';

/** Stand-in for the AI that writes the answer. */
async function generateReply(text: string): Promise<string> {
  return text.toLowerCase().includes('price') ? 'It is 450 EGP, delivery included.' : 'Thanks! How can we help?';
}

/** What the HTTP layer answers Meta. */
interface WebhookResponse {
  status: 200 | 400 | 401;
  results: WebhookEventResult[];
}

/**
 * Handles one POST of the Messenger webhook: `rawBody` exactly as received
 * (e.g. `express.raw({ type: 'application/json' })`), never re-serialised
 * JSON, since the signature covers the bytes. Meta may deliver a body twice:
 * ingestion is idempotent, and only messages `created` now get a reply.
 */
async function handleMessengerWebhook(db: Database, rawBody: Buffer, signature: string | undefined): Promise<WebhookResponse> {
  // 1. The signature, on the raw bytes, before anything else.
  if (!verifyWebhookSignature(rawBody, signature, APP_SECRET)) return { status: 401, results: [] };

  // 2. Parse and record the whole body in one transaction (users by PSID, messages by mid, receipts, referrals).
  let results: WebhookEventResult[];
  try {
    results = await ingestMessengerWebhook(db, JSON.parse(rawBody.toString('utf8')) as unknown);
  } catch (error) {
    // A body not in Meta's shape: nothing was written, and e.path names the bad field.
    if (error instanceof SyntaxError || (isMigochatDbError(error) && error.code === 'INVALID_WEBHOOK_PAYLOAD')) return { status: 400, results: [] };
    throw error;
  }

  // 3. Reply to each new inbound message, timing the AI, and record the reply.
  for (const result of results) {
    if (result.kind !== 'message' || result.outcome !== 'created' || result.direction !== 'inbound') continue;
    const inbound = await db.messages.getById(result.messageId);
    const started = performance.now();
    const reply = await generateReply(inbound.text ?? '');
    const aiResponseTimeMs = Math.round(performance.now() - started);
    // (send `reply` through the Graph API here; it returns the outbound mid)
    await db.messages.recordOutbound({
      userId: result.userId,
      source: MessageSource.MESSENGER,
      text: reply,
      facebookMessageId: `${result.platformId}_reply`,
      isAiResponse: true,
      aiResponseTimeMs,
    });
    // 4. Move the lead along: a new lead we answered is now contacted (stage change + audit entry, one transaction).
    const user = await db.users.getById(result.userId);
    if (user.leadStage === LeadStage.NEW) await db.users.changeLeadStage(user.id, LeadStage.CONTACTED, { performedBy: 'webhook' });
  }
  return { status: 200, results };
}

/** A Messenger webhook body as Meta sends it, and its X-Hub-Signature-256 header. */
function exampleDelivery(): { rawBody: Buffer; signature: string } {
  const now = Date.now();
  const body = {
    object: 'page',
    entry: [
      {
        id: '104582317890123',
        time: now,
        messaging: [
          { sender: { id: 'psid_example_1' }, recipient: { id: '104582317890123' }, timestamp: now, message: { mid: 'm_example_1', text: 'What is the price?' } },
        ],
      },
    ],
  };
  const rawBody = Buffer.from(JSON.stringify(body));
  return { rawBody, signature: `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}` };
}

async function main(): Promise<void> {
  const db = await openDatabase({
    ...databaseOptionsFromEnv(),
    url: process.env.DATABASE_URL || 'sqlite::memory:',
    migrate: true,
  });
  try {
    const { rawBody, signature } = exampleDelivery();
    const first = await handleMessengerWebhook(db, rawBody, signature);
    const again = await handleMessengerWebhook(db, rawBody, signature); // duplicate delivery
    const forged = await handleMessengerWebhook(db, rawBody, 'sha256=' + '0'.repeat(64));
    console.log(`first: ${first.status} ${first.results.map((r) => r.kind === 'message' ? r.outcome : r.kind).join(', ')}; duplicate: ${again.results.map((r) => r.kind === 'message' ? r.outcome : r.kind).join(', ')}; forged: ${forged.status}`);

    const user = (await db.users.findByPsid('psid_example_1'))!;
    console.log(`lead ${user.id} is now '${user.leadStage}'`);
    const history = await db.messages.listForUser(user.id);
    console.table(history.items.map((m) => ({ direction: m.direction, kind: m.kind, text: m.text, aiMs: m.aiResponseTimeMs ?? '-' })));
    const created = first.results[0];
    if (history.items.length !== 2 || created?.kind !== 'message' || created.outcome !== 'created' || again.results[0]?.kind !== 'message' ||
      again.results[0].outcome !== 'duplicate' || forged.status !== 401 || user.leadStage !== LeadStage.CONTACTED) {
      throw new Error('the webhook flow did not record what it should have');
    }
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
