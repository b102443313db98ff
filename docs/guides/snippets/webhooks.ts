// Snippets of docs/guides/webhooks.md (run by test/docs/guide-snippets.test.ts).
import { LeadStage, MessageKind, MessageSource, MessageStatus, type Database, type User } from '@migochat/db';
import { ingestMessengerWebhook, ingestWhatsAppWebhook, verifyWebhookSignature, type WebhookEventResult } from '@migochat/db/meta';

// #region handler
/** The part of a Messenger webhook event this handler reads. */
export interface MessengerEvent {
  sender: { id: string };
  message: { mid: string; text: string };
}

/** Handles one delivery. Messenger may deliver an event twice, so it must be idempotent. */
export async function handleMessengerEvent(
  db: Database,
  event: MessengerEvent,
  reply: (text: string) => Promise<string>,
): Promise<{ user: User; replied: boolean }> {
  // 1. Find or create the user: two deliveries at once still create one user.
  const user = await db.users.findOrCreateByPsid(event.sender.id, { primarySource: MessageSource.MESSENGER });

  // 2. Record the message. A mid already recorded is recognised: nothing is written.
  const inbound = await db.messages.recordInboundDetailed({
    userId: user.id,
    source: MessageSource.MESSENGER,
    text: event.message.text,
    facebookMessageId: event.message.mid,
  });
  if (!inbound.created) return { user, replied: false }; // a redelivery: do not answer twice

  // 3. Answer, and record the answer with the AI's response time.
  const started = performance.now();
  const text = await reply(event.message.text);
  await db.messages.recordOutbound({
    userId: user.id,
    source: MessageSource.MESSENGER,
    text,
    facebookMessageId: `${event.message.mid}_reply`, // the mid the Send API returned
    isAiResponse: true,
    aiResponseTimeMs: Math.round(performance.now() - started),
  });

  // 4. A new lead we answered is now contacted (the change and its audit entry in one transaction).
  const updated =
    user.leadStage === LeadStage.NEW ? await db.users.changeLeadStage(user.id, LeadStage.CONTACTED, { performedBy: 'webhook' }) : user;
  return { user: updated, replied: true };
}
// #endregion handler

/** Delivery and read receipts. */
export async function receipts(db: Database, userId: number) {
  // #region receipts
  // One message by its platform id (a Messenger delivery `mids[]` entry, a WhatsApp wamid):
  // forward only, so a late "delivered" after "read" keeps "read"; null for an unknown id.
  const delivered = await db.messages.updateStatus('m_1_reply', MessageStatus.DELIVERED);
  const unknown = await db.messages.updateStatus('m_unknown', MessageStatus.READ);

  // Messenger's read and delivery events carry a watermark, "everything sent before this":
  // every outbound message of the user on that channel up to it, in one UPDATE.
  const watermark = new Date(); // new Date(event.read.watermark): Messenger sends milliseconds
  const readCount = await db.messages.markReadUpTo(userId, watermark, MessageSource.MESSENGER);
  const deliveredCount = await db.messages.markDeliveredUpTo(userId, watermark, MessageSource.MESSENGER); // 0: read stays read

  // A WhatsApp status (an entry of statuses[]) says what it did. Its timestamp is unix SECONDS.
  const s = { id: 'wamid.sent-1', status: 'read', timestamp: '1717172217' };
  const at = new Date(Number(s.timestamp) * 1000);
  const applied = await db.messages.applyStatus({ messageId: s.id, status: s.status, at }); // 'applied'
  const again = await db.messages.applyStatus({ messageId: s.id, status: 'delivered', at }); // 'unchanged': read is past delivered
  const early = await db.messages.applyStatus({ messageId: 'wamid.not-yet', status: 'delivered', at }); // 'pending': kept until recordOutbound writes that id
  const odd = await db.messages.applyStatus({ messageId: s.id, status: 'deleted', at }); // 'ignored' with a reason, never an error
  // #endregion receipts
  return { delivered, unknown, readCount, deliveredCount, outcomes: [applied, again, early, odd].map((r) => r.outcome), odd };
}

/** Reactions, and other kinds of message. */
export async function reactions(db: Database, userId: number) {
  // #region kinds
  const photo = await db.messages.recordInbound({
    userId,
    source: MessageSource.WHATSAPP,
    kind: MessageKind.IMAGE, // the default is text with text, else the first attachment's type
    text: 'this one?', // the caption
    attachments: [{ type: 'image', payload: { id: '1479537139650973', mime_type: 'image/jpeg' } }],
    whatsappMessageId: 'wamid.photo-1',
  });
  // A reaction is stored, idempotently, but does not count: the conversation's message_count,
  // preview and last_message_at (and the user's) stay as they were.
  const reaction = await db.messages.recordInboundDetailed({
    userId,
    source: MessageSource.WHATSAPP,
    kind: MessageKind.REACTION,
    attachments: [{ type: 'reaction', payload: { emoji: '\u{1F44D}', messageId: 'wamid.photo-1' } }], // '' removes it
    whatsappMessageId: 'wamid.reaction-1',
  });
  // #endregion kinds
  return { photo, reaction };
}

/** WhatsApp customers by phone number. */
export async function customersByNumber(db: Database) {
  // #region phone
  // WhatsApp names the customer by wa_id, the number's digits without "+". Every phone
  // input and lookup is normalised to E.164 first, so these are one user:
  const fromWebhook = await db.users.findOrCreateByPhone('201001234567', { primarySource: MessageSource.WHATSAPP });
  const typedByAgent = await db.users.findByPhone('+20 100 123 4567');
  const withPrefix = await db.users.findByPhone('0020 100 123-4567');
  // fromWebhook.phoneNumber === '+201001234567'; a number without its country code
  // ('01001234567') throws EntityValidationError (rule isPhoneNumber): the country cannot be guessed.
  // #endregion phone
  return { fromWebhook, typedByAgent, withPrefix };
}

/** Whole webhook bodies, from the raw request to the results. */
export async function handleWebhookBody(
  db: Database,
  request: { rawBody: Buffer; signature: string | undefined; appSecret: string },
  reply: (userId: number) => Promise<void>,
): Promise<{ status: 200 | 401; results: WebhookEventResult[] }> {
  // #region whole-body
  const { rawBody, signature, appSecret } = request; // express.raw({ type: 'application/json' }), header X-Hub-Signature-256
  // 1. The signature is over the bytes Meta sent: check it before JSON.parse, never on re-serialised JSON.
  if (!verifyWebhookSignature(rawBody, signature, appSecret)) return { status: 401, results: [] };

  // 2. The body says which platform it is from; the whole body is checked, then written in one transaction.
  const body: unknown = JSON.parse(rawBody.toString('utf8'));
  const isWhatsApp = typeof body === 'object' && body !== null && 'object' in body && body.object === 'whatsapp_business_account';
  const results = isWhatsApp ? await ingestWhatsAppWebhook(db, body) : await ingestMessengerWebhook(db, body);

  // 3. One result per event. Answer only what is new: a redelivered body gives `duplicate`.
  for (const r of results) {
    if (r.kind === 'message' && r.outcome === 'created' && r.direction === 'inbound') await reply(r.userId);
    if (r.kind === 'ignored') console.log(`${r.path}: ${r.reason} (${r.detail})`);
  }
  return { status: 200, results }; // answer 200 quickly: Meta redelivers what is not acknowledged
  // #endregion whole-body
}

/** A backlog of events in batches. */
export async function backlog(db: Database, userId: number) {
  // #region batch
  // Importing a backlog (a replay of the platform's history): the same rules as
  // recordInbound, a handful of statements per batch instead of five per message.
  const results = await db.messages.recordInboundBatch([
    { userId, source: MessageSource.WHATSAPP, text: 'Salam', whatsappMessageId: 'wamid.1' },
    { userId, source: MessageSource.WHATSAPP, text: 'Is it available?', whatsappMessageId: 'wamid.2' },
    { userId, source: MessageSource.WHATSAPP, text: 'Salam', whatsappMessageId: 'wamid.1' }, // a duplicate
  ]);
  const written = results.filter((r) => r.created).length; // 2
  // #endregion batch
  return { results, written };
}
