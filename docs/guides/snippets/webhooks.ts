// Snippets of docs/guides/webhooks.md (run by test/docs/guide-snippets.test.ts).
import { LeadStage, MessageSource, MessageStatus, type Database, type User } from '@migochat/db';

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
export async function receipts(db: Database) {
  // #region receipts
  // Messenger's delivery/read webhooks name the message by its mid (WhatsApp: its wamid).
  const delivered = await db.messages.updateStatus('m_1_reply', MessageStatus.DELIVERED);
  const read = await db.messages.updateStatus('m_1_reply', MessageStatus.READ);
  // null when no message has that id. A repeated receipt changes nothing: the first one's time is kept.
  const unknown = await db.messages.updateStatus('m_unknown', MessageStatus.READ);
  // #endregion receipts
  return { delivered, read, unknown };
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
