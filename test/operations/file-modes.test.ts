// Backups, exports and their temporary files hold every secret of the
// database: they are created owner-only (0600) on both engines, whatever the
// umask, and a restore keeps the database file's own mode.
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, exportDatabase, restoreDatabase } from '../../src/operations/index';
import { tempFileOwner } from '../../src/operations/temp-files';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { seedVaried, useTempDir } from './support';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe.each(engines())('file modes on %s', (engine) => {
  const tmp = useTempDir();
  const out = useTempDir();
  const suite = useTestDatabase(engine, { sqliteFile: join(tmp.dir, 'crm.db') });
  let umask: number;

  beforeAll(async () => {
    await seedVaried(suite.db, 'modes', 4);
  });
  beforeEach(() => {
    // A umask that takes nothing away: the modes must come from the library, not from the environment.
    umask = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(umask);
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
    await backupDatabase(suite.db, target, { onProgress: watch.onProgress, pagesPerStep: 1 });
    expect(mode(target)).toBe('600');
    expect(watch.seen.length).toBeGreaterThan(0);
    expect(new Set(watch.seen.map((s) => s.split(':')[1]))).toEqual(new Set(['600']));
  });

  it.each(['crm.ndjson', 'crm.ndjson.gz'])('writes an export (%s) 0600, through a 0600 temporary file', async (name) => {
    const target = join(out.dir, name);
    const watch = watchTemps();
    await exportDatabase(suite.db, target, { onProgress: watch.onProgress, pageSize: 1 });
    expect(mode(target)).toBe('600');
    expect(watch.seen.length).toBeGreaterThan(0);
    expect(new Set(watch.seen.map((s) => s.split(':')[1]))).toEqual(new Set(['600']));
  });
});

describe('a SQLite restore keeps the database file mode', () => {
  const tmp = useTempDir();
  const suite = useTestDatabase('sqlite', { sqliteFile: join(tmp.dir, 'crm.db') });

  it('restores a 0600 backup into a 0640 database file, which stays 0640', async () => {
    await seedVaried(suite.db, 'restore', 2);
    chmodSync(join(tmp.dir, 'crm.db'), 0o640);
    const backup = join(tmp.dir, 'crm.backup');
    await backupDatabase(suite.db, backup);
    expect(mode(backup)).toBe('600');
    await restoreDatabase(suite.db, backup);
    expect(mode(join(tmp.dir, 'crm.db'))).toBe('640');
    expect(readdirSync(tmp.dir).filter((n) => tempFileOwner(n))).toEqual([]);
  });
});
