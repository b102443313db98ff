// The package's main job on the embedded default: open (and migrate) the
// SQLite file, seed a realistic CRM, play a few webhook flows, print reports.
// Run with `npm run demo`; DATABASE_URL picks another database.
import {
  databaseOptionsFromEnv,
  LeadStage,
  maskUrl,
  MessageSource,
  MessageStatus,
  openDatabase,
  type Database,
} from '@migochat/db';
import { seedDemoData } from '@migochat/db/testing';

async function playWebhookFlows(db: Database): Promise<void> {
  // A new lead writes on Messenger; the webhook may deliver it twice.
  const lead = await db.users.findOrCreateByPsid('demo_psid_live', { firstName: 'Salma', primarySource: MessageSource.MESSENGER });
  const inbound = { userId: lead.id, text: 'Hi! Is the blue dress still available?', source: MessageSource.MESSENGER, facebookMessageId: 'm_demo_live_1' };
  await db.messages.recordInbound(inbound);
  await db.messages.recordInbound(inbound); // duplicate delivery: counted once

  // The AI answers in 1.2 s; Messenger reports it read a minute later.
  await db.messages.recordOutbound({
    userId: lead.id,
    text: 'Yes, sizes S to XL, 450 EGP with free delivery.',
    source: MessageSource.MESSENGER,
    facebookMessageId: 'm_demo_live_2',
    isAiResponse: true,
    aiResponseTimeMs: 1200,
  });
  await db.messages.updateStatus('m_demo_live_2', MessageStatus.READ);

  // An agent qualifies the lead: the stage change and its audit entry are one transaction.
  await db.users.changeLeadStage(lead.id, LeadStage.QUALIFIED, { performedBy: 'agent-7', note: 'Asked for size M' });
}

async function main(): Promise<void> {
  const options = databaseOptionsFromEnv();
  console.log(`Opening ${maskUrl(options.url)} ...`);
  const db = await openDatabase({ ...options, migrate: true });
  try {
    if ((await db.users.raw.count()) === 0) {
      const seeded = await seedDemoData(db, { users: 40, messagesPerUser: 6, seed: 7 });
      console.log(`Seeded ${seeded.users} leads, ${seeded.messages} messages, ${seeded.posts} posts, ${seeded.adCampaigns} campaigns.`);
    } else {
      console.log('The database already has data: skipping the seed.');
    }
    await playWebhookFlows(db);

    console.log('\nInbox (newest first):');
    const inbox = await db.conversations.inbox({ limit: 8 });
    console.table(
      inbox.items.map((c) => ({
        lead: [c.user?.firstName, c.user?.lastName].filter(Boolean).join(' '),
        source: c.source,
        messages: c.messageCount,
        last: (c.lastMessageText ?? '').slice(0, 40),
        at: c.lastMessageAt?.toISOString().slice(0, 16),
      })),
    );

    console.log('Lead funnel:');
    console.table(Object.entries(await db.users.leadFunnel()).map(([stage, leads]) => ({ stage, leads })));

    console.log('Campaign performance:');
    const campaigns = await db.adCampaigns.list({ limit: 10 });
    const rows = [];
    for (const campaign of campaigns.items) {
      const p = await db.adCampaigns.performance(campaign.id);
      rows.push({
        campaign: p.name,
        spend: `${(p.spendMinor / 100).toFixed(2)} ${p.currency}`,
        ctr: p.ctr === null ? '-' : `${(p.ctr * 100).toFixed(2)}%`,
        cpc: p.cpcMinor === null ? '-' : `${(p.cpcMinor / 100).toFixed(2)}`,
        'cost/conv': p.costPerConversionMinor === null ? '-' : `${(p.costPerConversionMinor / 100).toFixed(2)}`,
        messages: p.attributedMessages,
      });
    }
    console.table(rows);

    console.log('AI response times:');
    const ai = await db.messages.aiResponseStats();
    console.table([{ replies: ai.count, meanMs: ai.meanMs === null ? '-' : Math.round(ai.meanMs), p50Ms: ai.p50Ms ?? '-', p95Ms: ai.p95Ms ?? '-' }]);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
