// Snippets of docs/guides/transactions.md (run by test/docs/guide-snippets.test.ts).
import { LeadStage, MessageSource, type Database } from '@migochat/db';

export async function convertLead(db: Database, userId: number) {
  // #region transaction
  // Everything inside commits together or not at all. Use the callback's `tx`,
  // never `db`, inside it: on SQLite a call on `db` would wait for the
  // transaction it is in (it fails with TRANSACTION_SCOPE instead).
  const user = await db.transaction(async (tx) => {
    const closed = await tx.users.changeLeadStage(userId, LeadStage.CLOSED_WON, { performedBy: 'agent-7' });
    await tx.leadActivities.addNote(userId, 'paid deposit', 'agent-7');
    await tx.messages.recordOutbound({ userId, source: MessageSource.WHATSAPP, text: 'Thank you for your order!' });
    return closed; // the transaction's result is the callback's
  });
  // #endregion transaction
  return user;
}

export async function rolledBack(db: Database, userId: number) {
  // #region rollback
  try {
    await db.transaction(async (tx) => {
      await tx.users.changeLeadStage(userId, LeadStage.NEGOTIATION);
      throw new Error('the payment provider said no'); // rolls back the stage change and its audit entry
    });
  } catch (e) {
    console.log((e as Error).message); // the callback's error, rethrown as it was
  }
  // #endregion rollback
  return db.users.getById(userId);
}

export async function serializable(db: Database, userId: number) {
  // #region options
  // Serialization failures and deadlocks (and a busy SQLite file) are retried
  // with backoff, `retries` times (default 5), then TRANSACTION_CONFLICT.
  // The callback may therefore run more than once: keep HTTP calls and queue
  // messages out of it.
  const score = await db.transaction(
    async (tx) => {
      const user = await tx.users.getById(userId);
      return (await tx.users.adjustScore(user.id, user.leadScore < 50 ? 10 : 0)).leadScore;
    },
    { isolation: 'SERIALIZABLE', retries: 3 },
  );
  // #endregion options
  return score;
}
