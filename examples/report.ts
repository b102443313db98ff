// A report: the lead funnel and campaign performance, printed as tables.
// Run: npx tsx examples/report.ts  (in-memory SQLite with demo data; DATABASE_URL overrides)
import { databaseOptionsFromEnv, openDatabase, type Database } from '@migochat/db';
import { seedDemoData } from '@migochat/db/testing';

/** Minor units (piastres, cents) to a display amount. */
function money(minor: number | null, currency = ''): string {
  return minor === null ? '-' : `${(minor / 100).toFixed(2)}${currency ? ` ${currency}` : ''}`;
}

function percent(ratio: number | null): string {
  return ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`;
}

async function printFunnel(db: Database): Promise<void> {
  const funnel = await db.users.leadFunnel(); // every stage, zero included, in pipeline order
  const total = Object.values(funnel).reduce((sum, n) => sum + n, 0);
  console.log(`Lead funnel (${total} leads):`);
  console.table(Object.entries(funnel).map(([stage, leads]) => ({ stage, leads, share: percent(total ? leads / total : null) })));
}

async function printCampaigns(db: Database): Promise<void> {
  const rows = [];
  let cursor: string | undefined;
  do {
    const page = await db.adCampaigns.list({ limit: 50, cursor });
    for (const campaign of page.items) {
      const p = await db.adCampaigns.performance(campaign.id);
      rows.push({
        campaign: p.name,
        spend: money(p.spendMinor, p.currency),
        impressions: p.impressions,
        clicks: p.clicks,
        ctr: percent(p.ctr),
        cpc: money(p.cpcMinor),
        conversions: p.conversions,
        'cost/conv': money(p.costPerConversionMinor),
        messages: p.attributedMessages,
      });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  console.log('Campaign performance:');
  console.table(rows);
}

async function main(): Promise<void> {
  const db = await openDatabase({
    ...databaseOptionsFromEnv(),
    url: process.env.DATABASE_URL || 'sqlite::memory:',
    migrate: true,
  });
  try {
    if ((await db.users.raw.count()) === 0) await seedDemoData(db, { users: 30, messagesPerUser: 4, seed: 3 });
    await printFunnel(db);
    await printCampaigns(db);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
