// Snippets of docs/guides/getting-started.md. Type-checked by `npm run typecheck`
// and run on SQLite and PostgreSQL by test/docs/guide-snippets.test.ts.
// #region service
import { databaseOptionsFromEnv, LeadStage, MessageSource, openDatabase, type Database } from '@migochat/db';

/** Opens the database once, when the service starts. */
export async function startService(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  // DATABASE_URL and the DB_* settings; migrate: true applies pending migrations first.
  const db = await openDatabase({ ...databaseOptionsFromEnv(env), migrate: true });
  // Close on shutdown: close() waits for the calls already made, then closes.
  process.once('SIGTERM', () => void db.close());
  return db;
}
// #endregion service

/** The calls a first handler makes, on the service's `db`. */
export async function firstCalls(db: Database) {
  // #region first-calls
  const user = await db.users.findOrCreateByPsid('psid-1', { firstName: 'Ahmed', primarySource: MessageSource.MESSENGER });
  await db.messages.recordInbound({ userId: user.id, text: 'Hi', source: MessageSource.MESSENGER, facebookMessageId: 'm_1' });
  await db.users.changeLeadStage(user.id, LeadStage.QUALIFIED, { performedBy: 'agent-7' }); // + an audit entry, atomically
  const inbox = await db.conversations.inbox({ limit: 20 }); // active conversations, newest first
  const funnel = await db.users.leadFunnel(); // { new: 0, qualified: 1, ... }
  const report = await db.health(); // { status: 'healthy' | 'degraded' | 'unhealthy', ... }
  // #endregion first-calls
  return { user, inbox, funnel, report };
}
