// A SQLite online backup restarts whenever another connection writes between
// two of its steps. Under a writer that never pauses it must still finish in
// bounded time, hold every row committed before it started, pass the
// integrity check, and never hold up the library's own calls for long.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase } from '../../src/operations/index';
import { killHard, ROOT } from './child';
import { useTestDatabase } from '../support/database';
import { seedManyMessages, seedVaried, useTempDir } from './support';

/** A second process writing a user every millisecond or so until killed; prints `ready` after its first commit. */
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: 5000 });
db.pragma('journal_mode = WAL');
const insert = db.prepare('INSERT INTO "users" ("psid") VALUES (?)');
let i = 0;
function write() {
  insert.run('proc-' + i++);
  if (i === 1) process.stdout.write('ready\\n');
  setTimeout(write, 1);
}
write();
`;

function startWriter(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', WRITER, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the writer exited with ${String(code)}`)));
  });
}

describe('a SQLite backup under writers that never stop', () => {
  const tmp = useTempDir();
  const file = join(tmp.dir, 'busy.db');
  const suite = useTestDatabase('sqlite', { sqliteFile: file });
  let writer: ChildProcess | undefined;

  beforeAll(async () => {
    await seedVaried(suite.db, 'busy', 20);
    await seedManyMessages(suite.db, 30_000);
  });
  afterAll(async () => {
    // Registered after useTestDatabase, so it runs before the database closes.
    if (writer) await killHard(writer);
  });

  it('finishes in bounded time with every row committed before it, while the writers keep writing', async () => {
    writer = await startWriter(file);
    // The library's own writes, through the same Database, the whole time.
    let stop = false;
    let libraryDone = 0;
    let libraryWrites = 0;
    const libraryWriter = (async () => {
      while (!stop) {
        await suite.db.users.findOrCreateByPsid(`lib-${libraryWrites++}`);
        libraryDone++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const reader = new BetterSqlite3(file, { readonly: true });
    const committed = reader.prepare('SELECT COUNT(*) AS n, MAX("id") AS maxId FROM "users"').get() as { n: number; maxId: number };
    const processRowsBefore = (reader.prepare(`SELECT COUNT(*) AS n FROM "users" WHERE "psid" LIKE 'proc-%'`).get() as { n: number }).n;
    reader.close();

    const target = join(tmp.dir, 'busy.backup');
    let restarts = 0;
    let lastDone = -1;
    const doneAtStart = libraryDone;
    const result = await backupDatabase(suite.db, target, {
      pagesPerStep: 1,
      onProgress: (done) => {
        if (done < lastDone) restarts++;
        lastDone = done;
      },
    });
    const doneDuring = libraryDone - doneAtStart;
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop = true;
    await libraryWriter;

    // It finished (the old code never did): small steps that restart, then the rest in one go.
    expect(restarts).toBeGreaterThan(0);

    // The writers kept going: the library's calls completed during the backup.
    expect(doneDuring).toBeGreaterThan(5);
    const check = new BetterSqlite3(file, { readonly: true });
    const processRowsAfter = (check.prepare(`SELECT COUNT(*) AS n FROM "users" WHERE "psid" LIKE 'proc-%'`).get() as { n: number }).n;
    check.close();
    expect(processRowsAfter).toBeGreaterThan(processRowsBefore);

    // A valid database holding everything committed before the backup started.
    const copy = new BetterSqlite3(result.file, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const before = copy.prepare('SELECT COUNT(*) AS n FROM "users" WHERE "id" <= ?').get(committed.maxId) as { n: number };
      expect(before.n).toBe(committed.n);
      expect((copy.prepare('SELECT COUNT(*) AS n FROM "messages"').get() as { n: number }).n).toBe(30_000 + 40);
    } finally {
      copy.close();
    }
  });
});
