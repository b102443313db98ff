// Backups, exports and their temporary files hold every secret of the
// database: they are created owner-only (0600) on both engines, whatever the
// umask, and a restore keeps the database file's own mode.
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { backupDatabase, exportDatabase, restoreDatabase } from '../../src/operations/index';
import { tempFileOwner } from '../../src/operations/temp-files';
import { createTestDatabase } from '../../src/testing';
import { engines, pgUrl, type EngineName } from '../support/engines';
import { seedVaried, tempDir } from './support';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

function openOwnDb(engine: EngineName, dir: string): Promise<Database> {
  return engine === 'sqlite' ? createTestDatabase({ engine, url: `sqlite:${join(dir, 'crm.db')}` }) : createTestDatabase({ engine, url: pgUrl() });
}

describe.each(engines())('file modes on %s', (engine) => {
  const tmp = tempDir();
  const out = tempDir();
  let db: Database;
  let umask: number;

  beforeAll(async () => {
    db = await openOwnDb(engine, tmp.dir);
    await seedVaried(db, 'modes', 4);
  });
  beforeEach(() => {
    // A umask that takes nothing away: the modes must come from the library, not from the environment.
    umask = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(umask);
  });
  afterAll(async () => {
    await db?.close();
    tmp.remove();
    out.remove();
  });

  /** The modes of our temporary files in `out`, as seen at each progress step. */
  function watchTemps(): { seen: string[]; onProgress: () => void } {
    const seen: string[] = [];
    return {
      seen,
      onProgress: () => {
        for (const name of readdirSync(out.dir)) if (tempFileOwner(name)) seen.push(`${name.endsWith('.tmp') ? 'tmp' : name.slice(-8)}:${mode(join(out.dir, name))}`);
      },
    };
  }

  it('writes a backup 0600, through a 0600 temporary file, replacing a world-readable file', async () => {
    const target = join(out.dir, 'crm.backup');
    writeFileSync(target, 'old', { mode: 0o644 });
    chmodSync(target, 0o644);
    const watch = watchTemps();
    await backupDatabase(db, target, { onProgress: watch.onProgress, pagesPerStep: 1 });
    expect(mode(target)).toBe('600');
    expect(watch.seen.length).toBeGreaterThan(0);
    expect(new Set(watch.seen.map((s) => s.split(':')[1]))).toEqual(new Set(['600']));
  });

  it.each(['crm.ndjson', 'crm.ndjson.gz'])('writes an export (%s) 0600, through a 0600 temporary file', async (name) => {
    const target = join(out.dir, name);
    const watch = watchTemps();
    await exportDatabase(db, target, { onProgress: watch.onProgress, pageSize: 1 });
    expect(mode(target)).toBe('600');
    expect(watch.seen.length).toBeGreaterThan(0);
    expect(new Set(watch.seen.map((s) => s.split(':')[1]))).toEqual(new Set(['600']));
  });
});

describe('a SQLite restore keeps the database file mode', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('restores a 0600 backup into a 0640 database file, which stays 0640', async () => {
    const db = await openOwnDb('sqlite', tmp.dir);
    try {
      await seedVaried(db, 'restore', 2);
      chmodSync(join(tmp.dir, 'crm.db'), 0o640);
      const backup = join(tmp.dir, 'crm.backup');
      await backupDatabase(db, backup);
      expect(mode(backup)).toBe('600');
      await restoreDatabase(db, backup);
      expect(mode(join(tmp.dir, 'crm.db'))).toBe('640');
      expect(readdirSync(tmp.dir).filter((n) => tempFileOwner(n))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
