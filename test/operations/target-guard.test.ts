// A backup or export aimed at the live SQLite database (or its -wal/-shm/
// -journal files), under any spelling of the path, a symbolic link or a hard
// link, is refused before anything is touched (src/operations/target-guard.ts).
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupError, isMigochatDbError } from '../../src/errors';
import { backupDatabase, exportDatabase } from '../../src/operations/index';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { counts, seedVaried, useTempDir } from './support';

const hash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Everything about the database's files a write could change. */
function fingerprint(dir: string): Record<string, { ino: number; size: number; sha: string }> {
  const out: Record<string, { ino: number; size: number; sha: string }> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const info = statSync(path);
    if (info.isFile()) out[name] = { ino: info.ino, size: info.size, sha: hash(path) };
  }
  return out;
}

describe('refusing to write over the live SQLite database', () => {
  const tmp = useTempDir();
  const dbDir = join(tmp.dir, 'data');
  const dbFile = join(dbDir, 'crm.db');
  beforeAll(() => {
    mkdirSync(dbDir);
    mkdirSync(join(tmp.dir, 'links'));
  });
  const suite = useTestDatabase('sqlite', { sqliteFile: dbFile });
  let rowsBefore: Record<string, number>;

  beforeAll(async () => {
    await seedVaried(suite.db, 'live', 4);
    rowsBefore = await counts(suite.db);
    expect(existsSync(`${dbFile}-wal`)).toBe(true);
    expect(existsSync(`${dbFile}-shm`)).toBe(true);
    symlinkSync(dbFile, join(tmp.dir, 'links', 'symlink.db'));
    symlinkSync(join('..', 'data', 'crm.db-wal'), join(tmp.dir, 'links', 'relative-symlink-to-wal'));
    symlinkSync(join(dbDir, 'crm.db-journal'), join(tmp.dir, 'links', 'dangling-to-journal'));
    symlinkSync(dbDir, join(tmp.dir, 'links', 'folder'));
    linkSync(dbFile, join(tmp.dir, 'links', 'hardlink.db'));
  });

  const spellings: Array<[string, () => string]> = [
    ['the path itself', () => dbFile],
    ['a path through ..', () => join(dbDir, '..', 'data', '.', 'crm.db')],
    ['a relative path', () => relative(process.cwd(), dbFile)],
    ['its -wal file', () => `${dbFile}-wal`],
    ['its -shm file', () => `${dbFile}-shm`],
    ['its -journal file (absent in WAL mode)', () => `${dbFile}-journal`],
    ['a symbolic link to it', () => join(tmp.dir, 'links', 'symlink.db')],
    ['a relative symbolic link to its -wal', () => join(tmp.dir, 'links', 'relative-symlink-to-wal')],
    ['a dangling symbolic link to its -journal', () => join(tmp.dir, 'links', 'dangling-to-journal')],
    ['a path through a linked folder', () => join(tmp.dir, 'links', 'folder', 'crm.db-shm')],
    ['a hard link to it', () => join(tmp.dir, 'links', 'hardlink.db')],
  ];

  describe.each([
    ['export', (target: string) => exportDatabase(suite.db, target)],
    ['backup', (target: string) => backupDatabase(suite.db, target)],
  ] as const)('%s', (_op, run) => {
    it.each(spellings)('is refused onto %s, naming the file, touching nothing', async (_what, target) => {
      const before = fingerprint(dbDir);
      const linksBefore = readdirSync(join(tmp.dir, 'links')).sort();
      const error = await run(target()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackupError);
      expect(isMigochatDbError(error)).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(target());
      expect(message).toMatch(/ refused: it is the live database('s [a-z-]+ [a-z]+| file) .*crm\.db/);
      expect(message).toContain(basename(dbFile));
      expect(fingerprint(dbDir)).toEqual(before);
      expect(readdirSync(join(tmp.dir, 'links')).sort()).toEqual(linksBefore);
      expect(await counts(suite.db)).toEqual(rowsBefore);
    });
  });

  it('still writes to a file next to the database, and the database keeps working', async () => {
    const result = await backupDatabase(suite.db, join(dbDir, 'crm.db.backup'));
    expect(result.bytes).toBeGreaterThan(0);
    await exportDatabase(suite.db, join(dbDir, 'crm.db-export.ndjson'));
    await suite.db.users.findOrCreateByPsid('after-refusals');
    expect((await counts(suite.db))['users']).toBe((rowsBefore['users'] ?? 0) + 1);
  });
});

describe.runIf(engines().includes('postgres'))('PostgreSQL has no database file to protect', () => {
  const tmp = useTempDir();
  const suite = useTestDatabase('postgres');

  it('exports to any file name', async () => {
    const result = await exportDatabase(suite.db, join(tmp.dir, 'crm.db'));
    expect(result.rows).toBe(0);
  });
});
