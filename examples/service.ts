// A webhook handler as a service would write it: one Messenger event in,
// one reply out, everything the CRM needs recorded on the way.
// Run: npx tsx examples/service.ts  (in-memory SQLite; DATABASE_URL overrides)
import {
  databaseOptionsFromEnv,
  LeadStage,
  MessageSource,
  openDatabase,
  type Database,
  type User,
} from '@migochat/db';

/** The part of a Messenger webhook event this handler reads. */
interface MessengerEvent {
  sender: { id: string };
  message: { mid: string; text: string };
}

/** Stand-in for the AI that writes the answer. */
async function generateReply(text: string): Promise<string> {
  return text.toLowerCase().includes('price') ? 'It is 450 EGP, delivery included.' : 'Thanks! How can we help?';
}

/** Handles one delivery; Messenger may deliver the same event twice, so it must be idempotent. */
async function handleMessengerEvent(db: Database, event: MessengerEvent): Promise<{ user: User; replied: boolean }> {
  // 1. Find or create the user (race-safe: two deliveries at once create one user).
  const user = await db.users.findOrCreateByPsid(event.sender.id, { primarySource: MessageSource.MESSENGER });

  // 2. Record the inbound message; a repeated mid is recognised and nothing is written.
  const inbound = await db.messages.recordInboundDetailed({
    userId: user.id,
    source: MessageSource.MESSENGER,
    text: event.message.text,
    facebookMessageId: event.message.mid,
  });
  if (!inbound.created) return { user, replied: false }; // already handled: do not answer twice

  // 3. Reply, timing the AI, and record the outbound message with its response time.
  const started = performance.now();
  const reply = await generateReply(event.message.text);
  const aiResponseTimeMs = Math.round(performance.now() - started);
  // (send `reply` through the Graph API here; it returns the outbound mid)
  await db.messages.recordOutbound({
    userId: user.id,
    source: MessageSource.MESSENGER,
    text: reply,
    facebookMessageId: `${event.message.mid}_reply`,
    isAiResponse: true,
    aiResponseTimeMs,
  });

  // 4. Move the lead along: a new lead we answered is now contacted (stage change + audit entry, one transaction).
  const current = await db.users.getById(user.id);
  const updated =
    current.leadStage === LeadStage.NEW
      ? await db.users.changeLeadStage(user.id, LeadStage.CONTACTED, { performedBy: 'webhook' })
      : current;
  return { user: updated, replied: true };
}

async function main(): Promise<void> {
  const db = await openDatabase({
    ...databaseOptionsFromEnv(),
    url: process.env.DATABASE_URL || 'sqlite::memory:',
    migrate: true,
  });
  try {
    const event: MessengerEvent = { sender: { id: 'psid_example_1' }, message: { mid: 'm_example_1', text: 'What is the price?' } };
    const first = await handleMessengerEvent(db, event);
    const again = await handleMessengerEvent(db, event); // duplicate delivery
    console.log(`first delivery replied: ${first.replied}, duplicate replied: ${again.replied}`);
    console.log(`lead ${first.user.id} is now '${first.user.leadStage}'`);

    const history = await db.messages.listForUser(first.user.id);
    console.table(history.items.map((m) => ({ direction: m.direction, text: m.text, aiMs: m.aiResponseTimeMs ?? '-' })));
    if (history.items.length !== 2 || again.replied || first.user.leadStage !== LeadStage.CONTACTED) {
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
