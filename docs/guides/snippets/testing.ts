// Snippets of docs/guides/testing.md. `leadServiceTests` is a vitest suite:
// test/docs/guide-snippets.test.ts registers and runs it.
// #region suite
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LeadStage, type Database } from '@migochat/db';
import { createTestDatabase, makeConversation, makeUser } from '@migochat/db/testing';

/** The code under test: a service function of yours. */
async function qualifyLead(db: Database, userId: number) {
  return db.users.changeLeadStage(userId, LeadStage.QUALIFIED, { performedBy: 'lead-service' });
}

export function leadServiceTests(engine: 'sqlite' | 'postgres' = 'sqlite') {
  let db: Database;
  // SQLite: a migrated in-memory database. PostgreSQL: a fresh database on the
  // server of TEST_DATABASE_URL (its user may create databases), dropped by close().
  beforeAll(async () => {
    db = await createTestDatabase({ engine });
  });
  afterAll(() => db.close());

  it('qualifies a lead and records who did it', async () => {
    const lead = await makeUser(db, { firstName: 'Mona' }); // a unique psid each time
    await makeConversation(db, { userId: lead.id });

    const qualified = await qualifyLead(db, lead.id);

    expect(qualified.leadStage).toBe(LeadStage.QUALIFIED);
    const [entry] = (await db.leadActivities.listForUser(lead.id)).items;
    expect(entry).toMatchObject({ stageBefore: LeadStage.NEW, stageAfter: LeadStage.QUALIFIED, performedBy: 'lead-service' });
  });
}
// #endregion suite
