// A backup or export onto a disk that fills up fails with a typed error that
// says so, leaves the older file under the target name intact, no temporary
// file behind, and the database as it was. Needs root (a real 2 MB tmpfs).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from '../../src/entities/user.entity';
import { BackupError, isMigochatDbError } from '../../src/errors';
import { backupDatabase, exportDatabase } from '../../src/operations/index';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { counts, seedManyMessages, useTempDir } from './support';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot).each(engines())('a full disk under a %s backup or export', (engine) => {
  const tmp = useTempDir();
  const disk = join(tmp.dir, 'disk');
  let mounted = false;
  afterAll(() => {
    if (mounted) execFileSync('umount', [disk]);
  });
  const suite = useTestDatabase(engine, { sqliteFile: join(tmp.dir, 'crm.db') });
  let before: Record<string, number>;

  beforeAll(async () => {
    await seedManyMessages(suite.db, 20_000);
    // Incompressible too, so that pg_dump's compressed archive outgrows the disk as well.
    for (let i = 0; i < 4; i++) {
      await suite.db.manager.insert(
        User,
        Array.from({ length: 100 }, (_, k) => ({ psid: `noise-${i}-${k}`, notes: randomBytes(6000).toString('base64') })),
      );
    }
    before = await counts(suite.db);
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]);
    mounted = true;
  });

  it.each([
    ['backup', 'crm.backup', (file: string) => backupDatabase(suite.db, file)],
    ['export', 'crm.ndjson', (file: string) => exportDatabase(suite.db, file)],
  ] as const)('%s: fails typed, the old %s intact, nothing else left, the database unchanged', async (_op, name, run) => {
    const target = join(disk, name);
    writeFileSync(target, 'the previous good copy');
    const files = readdirSync(disk).sort();
    const error = await run(target).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackupError);
    expect(isMigochatDbError(error)).toBe(true);
    expect((error as Error).message).toMatch(/disk is full|No space left on device|SQLITE_FULL|database or disk is full/i);
    expect(readFileSync(target, 'utf8')).toBe('the previous good copy');
    expect(readdirSync(disk).sort()).toEqual(files);
    expect(await counts(suite.db)).toEqual(before);
    await suite.db.users.findOrCreateByPsid(`after-full-${name}`);
    before = await counts(suite.db);
  });
});
