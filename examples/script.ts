// A one-off script with its own TypeORM queries: entities and enums come from
// '@migochat/db/entities' (no driver loaded), the DataSource from createDataSource
// (same naming, migrations and SQLite settings as the library).
// Run: npx tsx examples/script.ts  (in-memory SQLite; DATABASE_URL overrides)
import { createDataSource } from '@migochat/db';
import { Governorate, LeadStage, MessageSource, User } from '@migochat/db/entities';
import { In } from 'typeorm';

async function main(): Promise<void> {
  const dataSource = createDataSource({ url: process.env.DATABASE_URL || 'sqlite::memory:' });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' }); // createDataSource never synchronizes
    const users = dataSource.getRepository(User);

    // An empty database (the in-memory default) gets a few leads to query.
    if ((await users.count()) === 0) {
      await users.save([
        users.create({ psid: 'script_1', firstName: 'Omar', governorate: Governorate.CAIRO, leadStage: LeadStage.HOT, leadScore: 80, primarySource: MessageSource.MESSENGER }),
        users.create({ phoneNumber: '+201001234567', firstName: 'Mona', governorate: Governorate.CAIRO, leadStage: LeadStage.QUALIFIED, leadScore: 55, primarySource: MessageSource.WHATSAPP }),
        users.create({ psid: 'script_3', firstName: 'Hany', governorate: Governorate.ALEXANDRIA, leadStage: LeadStage.NEW, leadScore: 10, primarySource: MessageSource.MESSENGER }),
      ]);
    }

    // Find API: the warm leads, best first.
    const warm = await users.find({
      where: { leadStage: In([LeadStage.QUALIFIED, LeadStage.HOT]) },
      order: { leadScore: 'DESC', id: 'ASC' },
      take: 20,
    });
    console.log('Warm leads:');
    console.table(warm.map((u) => ({ id: u.id, name: u.firstName, stage: u.leadStage, score: u.leadScore })));

    // QueryBuilder: property paths, named parameters; portable across SQLite and PostgreSQL.
    const rows = await users
      .createQueryBuilder('u')
      .select('u.governorate', 'governorate')
      .addSelect('COUNT(*)', 'leads')
      .addSelect('AVG(u.leadScore)', 'avgScore')
      .where('u.isActive = :active', { active: true })
      .groupBy('u.governorate')
      .orderBy('leads', 'DESC')
      .getRawMany<{ governorate: string | null; leads: string | number; avgScore: string | number }>();
    console.log('Leads by governorate:');
    // PostgreSQL returns COUNT and AVG as strings: convert at the boundary.
    console.table(rows.map((r) => ({ governorate: r.governorate ?? '-', leads: Number(r.leads), avgScore: Math.round(Number(r.avgScore)) })));
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
