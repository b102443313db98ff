// Snippets of docs/guides/migrations.md (run by test/docs/guide-snippets.test.ts).
import { databaseOptionsFromEnv, openDatabase, type Database } from '@migochat/db';

/** A deploy step that migrates, then exits: run it once, before the new version takes traffic. */
export async function migrateStep(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  // #region deploy-step
  const db = await openDatabase(databaseOptionsFromEnv(env)); // without migrate: true
  try {
    const ran = await db.migrate(); // each pending migration in its own transaction
    console.log(ran.length ? `applied ${ran.join(', ')}` : 'schema up to date');
    return ran;
  } finally {
    await db.close();
  }
  // #endregion deploy-step
}

/** A service that refuses to start on a schema older than its code. */
export async function refuseWhenBehind(db: Database): Promise<void> {
  // #region check
  const pending = await db.pendingMigrations();
  if (pending.length > 0) {
    throw new Error(`pending migrations: ${pending.map((m) => m.name).join(', ')}; run npx migochat-db migrate`);
  }
  // #endregion check
}
