// Temporary files of backups and exports hold every secret of the database:
// owner-only, named as ours, and removed by the next run when a kill -9 left
// them behind.
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, exportDatabase } from '../../src/operations/index';
import { removeStaleTempFiles, tempFileOwner, tempPathFor } from '../../src/operations/temp-files';
import { useTestDatabase } from '../support/database';
import { type EngineName, engines } from '../support/engines';
import { deadPid, killHard, startSlowOperation } from './child';
import { seedVaried, tempDir, useTempDir } from './support';

const mode = (path: string): number => statSync(path).mode & 0o777;
const ours = (dir: string): string[] => readdirSync(dir).filter((name) => tempFileOwner(name) !== null);

describe('temporary file names', () => {
  it('are hidden, in the target folder, and say host, pid and that they are ours', () => {
    const path = tempPathFor('/backups/crm.db');
    expect(path.startsWith('/backups/.crm.db.migochat-tmp.')).toBe(true);
    expect(tempFileOwner(basename(path))).toEqual({ host: expect.stringMatching(/^[0-9a-f]{4}$/), pid: process.pid });
    expect(tempFileOwner(`${basename(path)}-journal`)).toEqual({ host: expect.any(String), pid: process.pid });
  });

  it('recognise the names of version 0.1.0 and nothing else', () => {
    expect(tempFileOwner('.crm.db.4242.0badcafe.tmp')).toEqual({ host: undefined, pid: 4242 });
    for (const name of ['crm.db', '.crm.db.tmp', '.crm.db.4242.tmp', '.4242.0badcafe.tmp', '.crm.db.x42.0badcafe.tmp', '.crm.db.42.0BADCAFE.tmp', '.a.migochat-tmp.zz.1.0badcafe.tmp']) {
      expect(tempFileOwner(name), name).toBeNull();
    }
  });
});

describe('removing stale temporary files', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('removes ours of dead processes and abandoned ones, and keeps the rest', async () => {
    const dead = deadPid();
    const here = tempFileOwner(basename(tempPathFor(join(tmp.dir, 'crm.db'))))?.host ?? '';
    const elsewhere = here === 'ffff' ? '0000' : 'ffff';
    const name = (pid: number, host = here): string => `.crm.db.migochat-tmp.${host}.${pid}.0badcafe.tmp`;
    const files = {
      deadOurs: name(dead),
      deadJournal: `${name(dead)}-journal`,
      legacyDead: `.crm.db.${dead}.0badcafe.tmp`,
      liveParent: name(process.ppid),
      mine: name(process.pid),
      otherHostFresh: name(dead, elsewhere),
      otherHostOld: name(dead + 1, elsewhere),
      unrelated: '.crm.db.backup.tmp',
    };
    for (const file of Object.values(files)) writeFileSync(join(tmp.dir, file), 'secret');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(join(tmp.dir, files.otherHostOld), twoDaysAgo, twoDaysAgo);

    const removed = await removeStaleTempFiles(tmp.dir);
    expect(removed.sort()).toEqual([files.deadOurs, files.deadJournal, files.legacyDead, files.otherHostOld].sort());
    expect(readdirSync(tmp.dir).sort()).toEqual([files.liveParent, files.mine, files.otherHostFresh, files.unrelated].sort());
  });

  it('never throws for a folder it cannot read', async () => {
    expect(await removeStaleTempFiles(join(tmp.dir, 'missing'))).toEqual([]);
  });
});

/** The operations a child can be killed in, per engine (pg_dump is a process of its own, so PostgreSQL kills the export). */
function killCases(): Array<[EngineName, 'export' | 'backup']> {
  return engines().flatMap((engine): Array<[EngineName, 'export' | 'backup']> => (engine === 'sqlite' ? [[engine, 'export'], [engine, 'backup']] : [[engine, 'export']]));
}

describe.each(killCases())('a %s %s killed with SIGKILL', (engine, op) => {
  const tmp = useTempDir();
  const out = useTempDir();
  const suite = useTestDatabase(engine, { sqliteFile: join(tmp.dir, 'crm.db') });

  beforeAll(async () => {
    await seedVaried(suite.db, 'kill', 8);
  });

  it('leaves only an owner-only temporary file, which the next run removes', async () => {
    const target = join(out.dir, op === 'export' ? 'crm.ndjson' : 'crm.backup');
    const child = await startSlowOperation({ op, url: suite.db.options.url, target });
    let left: string[];
    try {
      const deadline = Date.now() + 10_000;
      while ((left = ours(out.dir)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(left.length).toBeGreaterThan(0);
    } finally {
      await killHard(child);
    }
    left = ours(out.dir);
    expect(left.length).toBeGreaterThan(0);
    for (const name of left) {
      expect(tempFileOwner(name)?.pid).toBe(child.pid);
      expect(mode(join(out.dir, name)).toString(8)).toBe('600');
    }
    expect(existsSync(target)).toBe(false);

    const result = op === 'export' ? await exportDatabase(suite.db, target) : await backupDatabase(suite.db, target);
    expect(result.file).toBe(target);
    expect(mode(target).toString(8)).toBe('600');
    expect(ours(out.dir)).toEqual([]);
    expect(readdirSync(out.dir)).toEqual([basename(target)]);
  });
});
