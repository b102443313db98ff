// Storage faults injected for real under an open SQLite database: a full
// filesystem (a 2 MB tmpfs), a read-only folder (a read-only bind mount), a
// corrupt file, a file deleted or replaced while open. Afterwards every
// acknowledged write is there, nothing unacknowledged is, counters equal
// counts and integrity_check is ok; every failure is a typed error.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import { isMigochatDbError } from '../../src/errors';
import { engines, pgUrl } from '../support/engines';
import { emptyDatabase } from '../support/pg-cluster';
import { conversationCounters } from './fixtures/invariants';

const isRoot = process.getuid?.() === 0;

/** Open file descriptors of this process. */
const openFds = (): number => readdirSync('/proc/self/fd').length;

function codeOf(error: unknown): string {
  return isMigochatDbError(error) ? error.code : `untyped ${(error as Error)?.name}: ${(error as Error)?.message}`;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

async function storedIds(db: Database): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await db.dataSource.query('SELECT "facebook_message_id" AS "id" FROM "messages"');
  return new Set(rows.map((r) => r.id));
}

async function integrity(db: Database): Promise<unknown> {
  return db.dataSource.query('PRAGMA integrity_check');
}

describe.runIf(isRoot)('a SQLite database on a filesystem that fills up', () => {
  let mount: string;

  // A fresh 2 MB filesystem for each test.
  beforeEach(() => {
    mount = mkdtempSync(join(tmpdir(), 'migochat-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
  });

  afterEach(() => {
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('stores exactly the acknowledged messages, fails the rest with STORAGE_FULL, and works again once space is freed', async () => {
    const file = join(mount, 'crm.db');
    // Space to free later, so the same Database can be shown to recover.
    writeFileSync(join(mount, 'ballast'), Buffer.alloc(256 * 1024));
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    const acknowledged = new Set<string>();
    const codes = new Map<string, number>();
    const user = await db.users.findOrCreateByPsid('full-disk');
    const record = async (id: string) => {
      try {
        await db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: `${id} ${'x'.repeat(3000)}`, facebookMessageId: id });
        acknowledged.add(id);
        return true;
      } catch (error) {
        codes.set(codeOf(error), (codes.get(codeOf(error)) ?? 0) + 1);
        return false;
      }
    };
    let consecutiveFailures = 0;
    for (let i = 0; i < 2000 && consecutiveFailures < 50; i++) consecutiveFailures = (await record(`m${i}`)) ? 0 : consecutiveFailures + 1;
    expect(consecutiveFailures).toBe(50);
    expect([...codes.keys()]).toEqual(['STORAGE_FULL']);

    unlinkSync(join(mount, 'ballast'));
    expect(await record('after-space-freed')).toBe(true);
    await db.close();

    const reopened = await openDatabase({ url: `sqlite:${file}` });
    try {
      expect(await integrity(reopened)).toEqual([{ integrity_check: 'ok' }]);
      const stored = await storedIds(reopened);
      expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
      expect([...stored].filter((id) => !acknowledged.has(id))).toEqual([]);
      expect(stored.has('after-space-freed')).toBe(true);
      for (const c of await conversationCounters(reopened)) expect(c.messageCount).toBe(c.rows);
    } finally {
      await reopened.close();
    }
  });

  it('keeps a transaction that fails on a full disk from swallowing the transactions after it', async () => {
    const file = join(mount, 'tx.db');
    writeFileSync(join(mount, 'ballast'), Buffer.alloc(128 * 1024));
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    const committed: string[] = [];
    let failures = 0;
    for (let i = 0; i < 400 && failures < 20; i++) {
      const psids = [0, 1, 2, 3].map((j) => `t${i}-${j}`);
      try {
        await db.transaction(async (tx) => {
          for (const psid of psids) await tx.users.create({ psid, notes: 'n'.repeat(1000) });
        });
        committed.push(...psids);
      } catch (error) {
        expect(codeOf(error)).toBe('STORAGE_FULL');
        failures++;
      }
    }
    expect(failures).toBe(20);
    unlinkSync(join(mount, 'ballast'));
    await db.transaction(async (tx) => {
      await tx.users.create({ psid: 'late' });
    });
    committed.push('late');
    await db.close();

    const reopened = await openDatabase({ url: `sqlite:${file}` });
    try {
      const rows: Array<{ psid: string }> = await reopened.dataSource.query('SELECT "psid" FROM "users" ORDER BY "id"');
      expect(rows.map((r) => r.psid)).toEqual(committed);
    } finally {
      await reopened.close();
    }
  });
});

describe('a SQLite file that is corrupt, read-only, deleted or replaced', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'migochat-storage-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const mounts: string[] = [];
  afterEach(() => {
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  });

  it('refuses to open a file that is not a database with DATABASE_CORRUPT, and leaves no file descriptor open', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, Buffer.alloc(16 * 1024, 7));
    const before = openFds();
    const error = await rejection(openDatabase({ url: `sqlite:${file}`, migrate: true }));
    expect(codeOf(error)).toBe('DATABASE_CORRUPT');
    expect(openFds()).toBe(before);
  });

  it('fails writes on a file corrupted under the open database with DATABASE_CORRUPT, and health says unhealthy', async () => {
    const file = join(dir, 'corrupted.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    try {
      for (let i = 0; i < 40; i++) await db.users.create({ psid: `c${i}`, notes: 'n'.repeat(800) });
      await db.dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
      // Overwrite the pages after the first (the first holds the header) with garbage.
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(4096 * 4, 0xff), 0, 4096 * 4, 4096);
      closeSync(fd);
      // Read the pages from the file again rather than from SQLite's page cache, as a fresh process would.
      await db.dataSource.query('PRAGMA cache_size = 0');
      expect(codeOf(await rejection(db.users.create({ psid: 'after-corruption' })))).toBe('DATABASE_CORRUPT');
      expect((await db.health({ timeoutMs: 2000 })).status).toBe('unhealthy');
    } finally {
      await db.close();
    }
  });

  it.runIf(isRoot)('refuses a database in a read-only folder with DATABASE_READ_ONLY, naming the folder, and leaves no file descriptor open', async () => {
    const source = join(dir, 'ro-source');
    mkdirSync(source);
    const db = await openDatabase({ url: `sqlite:${join(source, 'crm.db')}`, migrate: true });
    await db.users.create({ psid: 'before-read-only' });
    await db.close();
    const readOnly = join(dir, 'ro-view');
    mkdirSync(readOnly);
    execFileSync('mount', ['--bind', source, readOnly]);
    mounts.push(readOnly);
    execFileSync('mount', ['-o', 'remount,bind,ro', readOnly]);
    const before = openFds();
    const error = await rejection(openDatabase({ url: `sqlite:${join(readOnly, 'crm.db')}` }));
    expect(codeOf(error)).toBe('DATABASE_READ_ONLY');
    expect((error as Error).message).toContain(readOnly);
    expect(openFds()).toBe(before);
  });

  it('fails every call after the file is deleted under the open database, instead of acknowledging writes into the deleted file', async () => {
    const file = join(dir, 'deleted.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    try {
      await db.users.create({ psid: 'before-delete' });
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      const write = await rejection(db.users.create({ psid: 'after-delete' }));
      expect(codeOf(write)).toBe('STORAGE_ERROR');
      expect((write as Error).message).toContain('deleted');
      expect(codeOf(await rejection(db.users.findByPsid('before-delete')))).toBe('STORAGE_ERROR');
      const report = await db.health({ timeoutMs: 2000 });
      expect(report.status).toBe('unhealthy');
    } finally {
      await db.close();
    }
  });

  it('fails reads too once the file is deleted under the open database, even with no write in between', async () => {
    const file = join(dir, 'deleted-read.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    try {
      await db.users.create({ psid: 'kept' });
      expect(await db.users.findByPsid('kept')).not.toBeNull();
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      // Reads learn of the change from a watch on the file, delivered by the event loop.
      let outcome: unknown = null;
      for (let turn = 0; turn < 200 && codeOf(outcome) !== 'STORAGE_ERROR'; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        outcome = await db.users.findByPsid('kept').catch((error: unknown) => error);
      }
      expect(codeOf(outcome)).toBe('STORAGE_ERROR');
      expect((outcome as Error).message).toContain('deleted');
    } finally {
      await db.close();
    }
  });

  it('fails every call after the file is replaced by another one under the open database', async () => {
    const file = join(dir, 'replaced.db');
    const other = join(dir, 'other.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    try {
      await db.users.create({ psid: 'original' });
      await db.dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
      copyFileSync(file, other);
      renameSync(other, file);
      const error = await rejection(db.users.create({ psid: 'into-the-old-inode' }));
      expect(codeOf(error)).toBe('STORAGE_ERROR');
      expect((error as Error).message).toContain('replaced');
    } finally {
      await db.close();
    }
    const reopened = await openDatabase({ url: `sqlite:${file}` });
    try {
      expect(await reopened.users.findByPsid('into-the-old-inode')).toBeNull();
      expect(await reopened.users.findByPsid('original')).not.toBeNull();
    } finally {
      await reopened.close();
    }
  });
});

describe.runIf(isRoot && engines().includes('postgres'))('a PostgreSQL tablespace on a filesystem that fills up', () => {
  let mount: string;
  let target: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    mount = mkdtempSync(join(tmpdir(), 'migochat-pgfull-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount]);
    execFileSync('chown', ['postgres:postgres', mount]);
    target = await emptyDatabase(pgUrl());
  });

  afterAll(async () => {
    await target?.drop();
    const admin = await openDatabase({ url: pgUrl() });
    await admin.dataSource.query('DROP TABLESPACE IF EXISTS "migochat_full"').catch(() => undefined);
    await admin.close();
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('stores exactly the acknowledged messages and fails the rest with STORAGE_FULL', async () => {
    const db = await openDatabase({ url: target.url, migrate: true });
    const acknowledged = new Set<string>();
    const codes = new Map<string, number>();
    try {
      await db.dataSource.query(`CREATE TABLESPACE "migochat_full" LOCATION '${mount}'`);
      await db.dataSource.query('ALTER TABLE "messages" SET TABLESPACE "migochat_full"');
      const user = await db.users.findOrCreateByPsid('pg-full-disk');
      let consecutiveFailures = 0;
      for (let i = 0; i < 3000 && consecutiveFailures < 20; i++) {
        const id = `pg${i}`;
        try {
          await db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: `${id} ${'y'.repeat(1500)}`, facebookMessageId: id });
          acknowledged.add(id);
          consecutiveFailures = 0;
        } catch (error) {
          codes.set(codeOf(error), (codes.get(codeOf(error)) ?? 0) + 1);
          consecutiveFailures++;
        }
      }
      expect(consecutiveFailures).toBe(20);
      expect([...codes.keys()]).toEqual(['STORAGE_FULL']);
      const stored = await storedIds(db);
      expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
      expect([...stored].filter((id) => !acknowledged.has(id))).toEqual([]);
      for (const c of await conversationCounters(db)) expect(c.messageCount).toBe(c.rows);
      // Reads still work on a full disk.
      expect((await db.users.findByPsid('pg-full-disk'))?.id).toBe(user.id);
    } finally {
      await db.dataSource.query('DROP TABLE IF EXISTS "messages" CASCADE').catch(() => undefined);
      await db.close();
    }
  });
});

describe('a SQLite writer whose file-size limit (ulimit -f) is reached', () => {
  it('stores exactly the acknowledged messages and fails the rest typed, without root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migochat-ulimit-'));
    try {
      const file = join(dir, 'crm.db');
      const writer = join(__dirname, 'fixtures', 'size-limited-writer.cjs');
      // 1024-byte blocks: 1.5 MB per file; SIGXFSZ ignored so a write past the limit fails with EFBIG instead of killing the process.
      const out = execFileSync('bash', ['-c', `trap '' XFSZ; ulimit -f 1536; exec "${process.execPath}" "${writer}" "${file}" 2000`], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      const lines = out.trim().split('\n');
      expect(lines.at(-1)).toBe('done');
      const acknowledged = new Set(lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)));
      const codes = new Set(lines.filter((l) => l.startsWith('fail ')).map((l) => l.slice(5)));
      expect(acknowledged.size).toBeGreaterThan(0);
      expect([...codes]).toEqual(['STORAGE_FULL']);

      const db = await openDatabase({ url: `sqlite:${file}` });
      try {
        expect(await integrity(db)).toEqual([{ integrity_check: 'ok' }]);
        const stored = await storedIds(db);
        expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
        expect([...stored].filter((id) => !acknowledged.has(id))).toEqual([]);
        for (const c of await conversationCounters(db)) expect(c.messageCount).toBe(c.rows);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
