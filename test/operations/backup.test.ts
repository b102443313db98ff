import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database';
import { LeadActivity } from '../../src/entities/lead-activity.entity';
import { User } from '../../src/entities/user.entity';
import { LeadActivityType, MessageSource } from '../../src/enums';
import type { LiveEvent } from '../../src/events/types';
import { BackupError, isMigochatDbError } from '../../src/errors';
import { backupDatabase, restoreDatabase } from '../../src/operations/index';
import { makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines, openTestDb } from '../support/engines';
import { seedManyMessages, seedVaried, snapshot, tempDir, useTempDir } from './support';

/** Writes made after a backup, which a restore must undo. */
async function writeMore(db: Database): Promise<void> {
  await makeUser(db, { psid: 'after-backup' });
  await db.manager.update(User, { id: 1 }, { firstName: 'changed after backup' });
  await db.manager.delete(LeadActivity, { id: 1 });
}

async function expectBackupError(promise: Promise<unknown>, message: RegExp): Promise<BackupError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackupError);
  expect(isMigochatDbError(error) && error.code).toBe('BACKUP_ERROR');
  expect((error as Error).message).toMatch(message);
  return error as BackupError;
}

describe.each(engines())('backup and restore on %s', (engine) => {
  const tmp = useTempDir();
  const suite = useTestDatabase(engine, { sqliteFile: join(tmp.dir, 'crm.db') });
  const backupFile = join(tmp.dir, 'crm.backup');
  let atBackup: Record<string, unknown[]>;

  beforeAll(async () => {
    await seedVaried(suite.db);
    atBackup = await snapshot(suite.db);
    await backupDatabase(suite.db, backupFile);
  });

  it('writes the backup under the final name only, and reports its size and engine', async () => {
    const progress: Array<[number, number]> = [];
    const file = join(tmp.dir, 'second.backup');
    const result = await backupDatabase(suite.db, file, { onProgress: (done, total) => progress.push([done, total]) });
    expect(result).toEqual({ file, bytes: readFileSync(file).length, engine, durationMs: expect.any(Number) });
    expect(result.bytes).toBeGreaterThan(0);
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('restores every row and value as they were at the backup, undoing later writes', async () => {
    await writeMore(suite.db);
    expect(await snapshot(suite.db)).not.toEqual(atBackup);
    await restoreDatabase(suite.db, backupFile);
    expect(await snapshot(suite.db)).toEqual(atBackup);
  });

  it('keeps working after a restore, handing out ids after the restored rows', async () => {
    await restoreDatabase(suite.db, backupFile);
    const maxId = Math.max(...(atBackup['users'] as User[]).map((u) => u.id));
    const user = await suite.db.users.getById(1);
    expect(user.id).toBe(1);
    const created = await makeUser(suite.db, { psid: 'after-restore' });
    expect(created.id).toBeGreaterThan(maxId);
    expect((await suite.db.health()).status).toBe('healthy');
  });

  it('tells live subscribers the database was restored, then goes on delivering its events', async () => {
    const seen: LiveEvent[] = [];
    const stop = suite.db.events.subscribe({}, (e) => {
      seen.push(e);
    });
    try {
      await suite.db.events.ready();
      await restoreDatabase(suite.db, backupFile);
      const user = await makeUser(suite.db, { psid: 'live-after-restore' });
      await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'still there?', facebookMessageId: 'm_after_restore' });
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.map((e) => (e.type === 'gap' ? `gap:${e.reason}` : e.type))).toEqual(['gap:restored', 'conversation.opened', 'message.recorded']);
    } finally {
      stop();
    }
  });

  it('refuses a truncated backup and leaves the database exactly as it was', async () => {
    await restoreDatabase(suite.db, backupFile);
    await writeMore(suite.db);
    const before = await snapshot(suite.db);
    const truncated = join(tmp.dir, 'truncated.backup');
    const bytes = readFileSync(backupFile);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectBackupError(restoreDatabase(suite.db, truncated), /truncated\.backup/);
    expect(await snapshot(suite.db)).toEqual(before);
  });

  it('refuses a file of random bytes and leaves the database exactly as it was', async () => {
    const before = await snapshot(suite.db);
    const random = join(tmp.dir, 'random.backup');
    writeFileSync(random, randomBytes(64 * 1024));
    await expectBackupError(restoreDatabase(suite.db, random), /random\.backup/);
    expect(await snapshot(suite.db)).toEqual(before);
  });

  it('refuses a valid backup of a database that is not ours', async () => {
    const foreignDir = tempDir();
    const foreign =
      engine === 'sqlite'
        ? await openDatabase({ url: `sqlite:${join(foreignDir.dir, 'other.db')}` })
        : await openTestDb(engine);
    try {
      if (engine === 'postgres') await foreign.dataSource.dropDatabase();
      await foreign.manager.query('CREATE TABLE "inventory" ("id" integer PRIMARY KEY, "sku" varchar(20))');
      const file = join(foreignDir.dir, 'other.backup');
      await backupDatabase(foreign, file);
      const before = await snapshot(suite.db);
      await expectBackupError(restoreDatabase(suite.db, file), /not a @migochat\/db database: it has no "migrations" table/);
      expect(await snapshot(suite.db)).toEqual(before);
    } finally {
      await foreign.close();
      foreignDir.remove();
    }
  });

  it('refuses a missing backup file with a clear error', async () => {
    await expectBackupError(restoreDatabase(suite.db, join(tmp.dir, 'nope.backup')), /Cannot read the backup .*nope\.backup/);
  });

  it('leaves no file under the final name when the backup fails', async () => {
    const target = join(tmp.dir, 'missing-folder', 'crm.backup');
    await expectBackupError(backupDatabase(suite.db, target), /Backup to .*crm\.backup failed|pg_dump failed/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(join(tmp.dir, 'missing-folder'))).toBe(false);
  });
});

describe.runIf(engines().includes('postgres'))('backup on PostgreSQL without the client tools', () => {
  const tmp = useTempDir();
  const suite = useTestDatabase('postgres');

  it('says pg_dump is missing and how to install it, leaving no file behind', async () => {
    const file = join(tmp.dir, 'crm.dump');
    const error = await expectBackupError(backupDatabase(suite.db, file, { pgDumpPath: join(tmp.dir, 'no-such-bin', 'pg_dump') }), /pg_dump was not found/);
    expect(error.message).toMatch(/install the PostgreSQL client tools/);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('never puts the password on the pg_dump command line, only in PGPASSWORD', async () => {
    // A role with a password found nowhere else, and a fake pg_dump that records what it got.
    const role = `migochat_bk_${randomBytes(4).toString('hex')}`;
    const password = `Pw-${randomBytes(8).toString('hex')}`;
    await suite.db.manager.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
    const url = new URL(suite.db.options.url);
    url.username = role;
    url.password = password;
    const asRole = await openDatabase({ url: url.toString(), poolSize: 1 });
    try {
      const fake = join(tmp.dir, 'fake-pg_dump');
      const record = join(tmp.dir, 'args.txt');
      writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\necho "PGPASSWORD=$PGPASSWORD" >> ${record}\nexit 3\n`, { mode: 0o755 });
      await expectBackupError(backupDatabase(asRole, join(tmp.dir, 'x.dump'), { pgDumpPath: fake }), /pg_dump failed \(exit code 3\)/);
      const [args = '', env = ''] = readFileSync(record, 'utf8').split('PGPASSWORD=');
      expect(args.split('\n')).toEqual(expect.arrayContaining(['--format=custom', '--username', role, '--dbname']));
      expect(args).not.toContain(password);
      expect(env.trim()).toBe(password);
    } finally {
      await asRole.close();
      await suite.db.manager.query(`DROP ROLE "${role}"`);
    }
  });
});

describe('SQLite-only backup and restore', () => {
  const tmp = useTempDir();

  it('refuses to restore an in-memory database in place', async () => {
    const file = join(tmp.dir, 'mem.backup');
    const mem = await openDatabase({ url: 'sqlite::memory:', migrate: true });
    try {
      await seedVaried(mem);
      const result = await backupDatabase(mem, file);
      expect(result.bytes).toBeGreaterThan(0);
      const before = await snapshot(mem);
      await expectBackupError(restoreDatabase(mem, file), /in-memory SQLite database .* cannot be restored in place/);
      expect(await snapshot(mem)).toEqual(before);
    } finally {
      await mem.close();
    }
  });

  describe('a backup taken while another connection keeps writing', () => {
    const path = join(tmp.dir, 'busy.db');
    const busy = useTestDatabase('sqlite', { sqliteFile: path });
    let writer: BetterSqlite3.Database;
    beforeAll(async () => {
      await seedVaried(busy.db, 'busy', 40);
      await seedManyMessages(busy.db, 5000);
      writer = new BetterSqlite3(path, { timeout: 5000 });
    });
    afterAll(() => {
      writer?.close();
    });

    it('is consistent: integrity ok and every written user has its activity, none half-written', async () => {
      // Each write is one transaction: a user and its audit row. A torn copy would hold one without the other.
      const insertUser = writer.prepare('INSERT INTO "users" ("psid") VALUES (?)');
      const insertActivity = writer.prepare(`INSERT INTO "lead_activities" ("user_id", "activity_type", "performed_by") VALUES (?, '${LeadActivityType.NOTE}', 'writer')`);
      const write = writer.transaction((i: number) => {
        const { lastInsertRowid } = insertUser.run(`writer-${i}`);
        insertActivity.run(lastInsertRowid);
      });
      let written = 0;
      let stop = false;
      const writing = (async () => {
        while (!stop && written < 150) {
          write(written++);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      const file = join(tmp.dir, 'busy.backup');
      let steps = 0;
      let writtenAtStart = -1;
      const result = await backupDatabase(busy.db, file, {
        pagesPerStep: 1,
        onProgress: () => {
          if (steps++ === 0) writtenAtStart = written;
        },
      });
      const writtenDuringBackup = written;
      stop = true;
      await writing;
      expect(result.bytes).toBeGreaterThan(0);
      expect(steps).toBeGreaterThan(10);
      expect(writtenDuringBackup).toBeGreaterThan(writtenAtStart);

      const copy = new BetterSqlite3(file, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        const users = copy.prepare(`SELECT COUNT(*) AS n FROM "users" WHERE "psid" LIKE 'writer-%'`).get() as { n: number };
        const activities = copy.prepare(`SELECT COUNT(*) AS n FROM "lead_activities" WHERE "performed_by" = 'writer'`).get() as { n: number };
        const orphans = copy
          .prepare(`SELECT COUNT(*) AS n FROM "users" u WHERE u."psid" LIKE 'writer-%' AND NOT EXISTS (SELECT 1 FROM "lead_activities" a WHERE a."user_id" = u."id")`)
          .get() as { n: number };
        expect(users.n).toBe(activities.n);
        expect(orphans.n).toBe(0);
        expect(users.n).toBeLessThanOrEqual(written);
        const seeded = copy.prepare(`SELECT COUNT(*) AS n FROM "users" WHERE "psid" LIKE 'busy-%' OR "psid" IS NULL OR "psid" = 'bulk-user'`).get() as { n: number };
        expect(seeded.n).toBe(41);
      } finally {
        copy.close();
      }
    });
  });
});
