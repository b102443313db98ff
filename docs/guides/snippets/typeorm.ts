// Snippets of docs/guides/nestjs-and-typeorm.md (run by test/docs/guide-snippets.test.ts).
import { DataSource } from 'typeorm';
import { attachDatabase, createDataSource, dataSourceOptions, LeadStage, User } from '@migochat/db';

export async function plainTypeorm(url: string) {
  // #region script
  const ds = createDataSource({ url }); // the library's entities, naming, migrations and engine settings
  await ds.initialize();
  await ds.runMigrations(); // createDataSource never synchronizes the schema
  const hot = await ds.getRepository(User).countBy({ leadStage: LeadStage.HOT });
  await ds.destroy();
  // #endregion script
  return hot;
}

export async function ownDataSource(url: string) {
  // #region own-data-source
  // Your own DataSource, from the same options (spread them, then add yours):
  const ds = new DataSource({ ...dataSourceOptions({ url, migrate: true }), logging: ['error'] });
  await ds.initialize(); // migrate: true became migrationsRun
  const db = attachDatabase(ds); // the library's repositories, transaction and health on it
  const user = await db.users.findOrCreateByPsid('psid-typeorm', { firstName: 'Mona' });
  const sameRow = await ds.getRepository(User).findOneByOrFail({ id: user.id });
  await db.close(); // closes the DataSource too
  // #endregion own-data-source
  return { user, sameRow };
}
