// Snippets of docs/guides/backup-and-moving.md (run by test/docs/guide-snippets.test.ts).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backupDatabase, exportDatabase, importDatabase, openDatabase, restoreDatabase, type Database } from '@migochat/db';

export async function backupAndRestore(db: Database, folder: string) {
  // #region backup
  await mkdir(folder, { recursive: true, mode: 0o700 }); // the library writes into an existing folder (the CLI creates it)
  const backup = await backupDatabase(db, join(folder, `crm-${new Date().toISOString().slice(0, 10)}.db`));
  console.log(`${backup.bytes} bytes in ${backup.file}`); // owner-only (0600), checked before it is renamed into place
  // later, to roll back (the same engine only):
  const restored = await restoreDatabase(db, backup.file);
  // #endregion backup
  return { backup, restored };
}

/** SQLite to PostgreSQL (or any engine to any engine), in code. */
export async function moveDatabase(fromUrl: string, toUrl: string, file: string) {
  // #region move
  const source = await openDatabase({ url: fromUrl });
  const exported = await exportDatabase(source, file); // NDJSON, gzip for .gz; one consistent snapshot
  await source.close();

  const target = await openDatabase({ url: toUrl, migrate: true }); // must be empty
  const imported = await importDatabase(target, file); // one transaction: a bad line changes nothing
  await target.close();
  // #endregion move
  return { exported, imported };
}
