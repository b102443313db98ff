// Snippets of docs/guides/lead-funnel.md (run by test/docs/guide-snippets.test.ts).
import { CustomerLabel, LeadStage, type Database, type LeadActivity } from '@migochat/db';

export async function moveLead(db: Database, userId: number) {
  // #region changes
  // Each change writes the user and one audit entry in one transaction, and
  // returns the user as it now is. The same value again writes nothing.
  await db.users.changeLeadStage(userId, LeadStage.QUALIFIED, { performedBy: 'agent-7', note: 'asked for a quote' });
  await db.users.changeLabel(userId, CustomerLabel.HOT, { performedBy: 'ai' });
  const user = await db.users.adjustScore(userId, +15, { performedBy: 'ai' }); // clamped to 0..100
  await db.leadActivities.recordContact(userId, { note: 'called, visits on Sunday', performedBy: 'agent-7' });
  await db.leadActivities.addNote(userId, 'prefers WhatsApp', 'agent-7');
  // #endregion changes
  return user;
}

export async function funnelAndTrail(db: Database, userId: number) {
  // #region report
  const funnel = await db.users.leadFunnel(); // every stage, in funnel order, with 0 for empty ones
  for (const stage of Object.values(LeadStage)) console.log(stage.padEnd(12), funnel[stage]);

  const hot = await db.users.search({ stage: LeadStage.QUALIFIED, label: CustomerLabel.HOT, limit: 20 });

  // The audit trail of one lead, newest first, paged like every list.
  const trail: LeadActivity[] = (await db.leadActivities.listForUser(userId, { limit: 50 })).items;
  for (const a of trail) console.log(a.activityType, a.stageBefore, '->', a.stageAfter, a.performedBy, a.note);
  // #endregion report
  return { funnel, hot, trail };
}
