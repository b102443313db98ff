// The built CLI against a SQLite file and a fresh PostgreSQL database: every
// command, its exit code, and output fit for a pipe.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../support/engines';
import { createTarget, hasScript, runCliOnTty, useCliCopy, ESCAPE, exportWithoutTimestamps, rowCounts, type CliTarget } from './run-cli';

interface MigrationStatus {
  migrations: Array<{ migration: string; status: 'executed' | 'pending' }>;
  pending: number;
}

let removeCopy: () => void = () => undefined;
beforeAll(async () => {
  removeCopy = await useCliCopy();
});
afterAll(() => removeCopy());

describe.each(engines())('the migochat-db CLI on %s', (engine) => {
  let db: CliTarget;

  beforeEach(async () => {
    db = await createTarget(engine);
  });

  afterEach(async () => {
    await db.dispose();
  });

  describe('migrate, migrate:status and migrate:revert', () => {
    it('migrate runs the pending migrations and exits 0', async () => {
      const result = await db.run(['migrate']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Ran 1 migration\(s\):\n\s+InitialSchema\d+/);
      expect(result.stderr).toBe('');
    });

    it('migrate a second time says there is nothing to do', async () => {
      await db.run(['migrate']);
      const result = await db.run(['migrate']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Nothing to migrate');
    });

    it('migrate:status lists a pending migration on an empty database', async () => {
      const result = await db.run(['migrate:status']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/InitialSchema\d+\s+pending/);
    });

    it('migrate:status --json reports every migration as executed after migrate', async () => {
      await db.run(['migrate']);
      const result = await db.run(['migrate:status', '--json']);
      expect(result.code).toBe(0);
      const status = JSON.parse(result.stdout) as MigrationStatus;
      expect(status.pending).toBe(0);
      expect(status.migrations.length).toBeGreaterThan(0);
      expect(status.migrations.every((m) => m.status === 'executed')).toBe(true);
    });

    it('migrate:revert undoes the last migration, which becomes pending again', async () => {
      await db.run(['migrate']);
      const revert = await db.run(['migrate:revert']);
      expect(revert.code).toBe(0);
      expect(revert.stdout).toContain('Reverted the last migration');
      const status = JSON.parse((await db.run(['migrate:status', '--json'])).stdout) as MigrationStatus;
      expect(status.pending).toBe(1);
    });
  });

  describe('health', () => {
    it('exits 0 and prints the status of a migrated database', async () => {
      await db.run(['migrate']);
      const result = await db.run(['health']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('status: healthy');
      expect(result.stdout).toContain(`engine: ${engine}`);
    });

    it('--json prints a parseable healthy report', async () => {
      await db.run(['migrate']);
      const result = await db.run(['health', '--json']);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { status: string; engine: string; missingTables: string[] };
      expect(report).toMatchObject({ status: 'healthy', engine, missingTables: [] });
    });

    it('exits 1 on a database that has not been migrated', async () => {
      const result = await db.run(['health', '--json']);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as { status: string; pendingMigrations: string[] };
      expect(report.status).not.toBe('healthy');
      expect(report.pendingMigrations.length).toBeGreaterThan(0);
    });
  });

  describe('seed and stats', () => {
    it('seed --users N creates N leads and exits 0', async () => {
      const result = await db.run(['seed', '--users', '4', '--seed', '3']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Seeded 4 users, \d+ messages/);
      expect((await rowCounts(db))['users']).toBe(4);
    });

    it('seed prints no progress bar or escape codes when stdout is a pipe', async () => {
      const result = await db.run(['seed', '--users', '3']);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(ESCAPE);
      expect(result.stderr).toBe('');
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
    });

    it('the same --seed gives the same data, a different one different data', async () => {
      const second = await createTarget(engine);
      const third = await createTarget(engine);
      try {
        await db.run(['seed', '--users', '5', '--seed', '42']);
        await second.run(['seed', '--users', '5', '--seed', '42']);
        await third.run(['seed', '--users', '5', '--seed', '43']);
        const files = [join(db.dir, 'a.ndjson'), join(second.dir, 'b.ndjson'), join(third.dir, 'c.ndjson')];
        await db.run(['export', files[0]!]);
        await second.run(['export', files[1]!]);
        await third.run(['export', files[2]!]);
        const [a, b, c] = files.map(exportWithoutTimestamps);
        expect(a!.length).toBeGreaterThan(5);
        expect(b).toEqual(a);
        expect(c).not.toEqual(a);
      } finally {
        await second.dispose();
        await third.dispose();
      }
    });

    it('stats prints the row count per table and the lead funnel', async () => {
      await db.run(['seed', '--users', '3']);
      const result = await db.run(['stats']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^users\s+3$/m);
      expect(result.stdout).toMatch(/^stage\s+leads$/m);
    });

    it('stats --json gives the tables and a funnel that adds up to the users', async () => {
      await db.run(['seed', '--users', '6']);
      const result = await db.run(['stats', '--json']);
      expect(result.code).toBe(0);
      const stats = JSON.parse(result.stdout) as { tables: Array<{ name: string; rows: number }>; funnel: Record<string, number> };
      expect(stats.tables.find((t) => t.name === 'users')?.rows).toBe(6);
      expect(Object.values(stats.funnel).reduce((sum, n) => sum + n, 0)).toBe(6);
    });
  });

  it('stats on a database that has not been migrated says to run migrate, exiting 1', async () => {
    const result = await db.run(['stats']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('run migochat-db migrate first');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  describe('backup and restore', () => {
    it('backup writes a file and restore --yes brings the data back', async () => {
      await db.run(['seed', '--users', '3']);
      const before = await rowCounts(db);
      const file = join(db.dir, 'backup.bin');
      const backup = await db.run(['backup', file]);
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(/^Backed up to .+ \(\d+ bytes\)\.\n$/);
      expect(backup.stdout).not.toMatch(ESCAPE);
      expect(statSync(file).size).toBeGreaterThan(0);

      expect((await db.run(['rebuild', '--yes'])).code).toBe(0);
      expect((await rowCounts(db))['users']).toBe(0);

      const restore = await db.run(['restore', file, '--yes']);
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain('Restored from');
      expect(await rowCounts(db)).toEqual(before);
    });

    it('restore without --yes and without a TTY refuses with exit 1 and changes nothing', async () => {
      await db.run(['seed', '--users', '3']);
      const file = join(db.dir, 'backup.bin');
      await db.run(['backup', file]);
      await db.run(['rebuild', '--yes']);

      const result = await db.run(['restore', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--yes');
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect((await rowCounts(db))['users']).toBe(0);
    });

    it('backup into a folder that does not exist fails with exit 1', async () => {
      await db.run(['migrate']);
      const result = await db.run(['backup', join(db.dir, 'missing', 'deeper', 'backup.bin')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });
  });

  describe('export and import', () => {
    it('export then import into an empty database copies every row', async () => {
      await db.run(['seed', '--users', '4']);
      const file = join(db.dir, 'export.ndjson.gz');
      const exported = await db.run(['export', file]);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(/^Exported \d+ rows to /);
      expect(exported.stdout).not.toMatch(ESCAPE);

      const copy = await createTarget(engine);
      try {
        const imported = await copy.run(['import', file]);
        expect(imported.code).toBe(0);
        expect(imported.stdout).toMatch(/^Imported \d+ rows from /);
        expect(imported.stdout).not.toMatch(ESCAPE);
        expect(await rowCounts(copy)).toEqual(await rowCounts(db));
      } finally {
        await copy.dispose();
      }
    });

    it('import of a file that does not exist fails with exit 1', async () => {
      const result = await db.run(['import', join(db.dir, 'nope.ndjson')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error/);
    });
  });

  describe('rebuild', () => {
    it('rebuild --yes drops every row and leaves a migrated database', async () => {
      await db.run(['seed', '--users', '3']);
      const result = await db.run(['rebuild', '--yes']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Rebuilt');
      expect(Object.values(await rowCounts(db)).every((n) => n === 0)).toBe(true);
      expect((await db.run(['health'])).code).toBe(0);
    });

    it('rebuild without --yes is refused with exit 1 and keeps the data', async () => {
      await db.run(['seed', '--users', '3']);
      const result = await db.run(['rebuild']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--yes');
      expect((await rowCounts(db))['users']).toBe(3);
    });

    it.each(['production', 'Production', 'PRODUCTION', 'prod', ' production '])('rebuild --yes is refused when NODE_ENV=%j and keeps the data', async (nodeEnv) => {
      await db.run(['seed', '--users', '3']);
      const result = await db.run(['rebuild', '--yes'], { NODE_ENV: nodeEnv });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('production');
      expect(result.stderr).toContain('--force');
      expect((await rowCounts(db))['users']).toBe(3);
    });

    it('rebuild --yes --force runs even when NODE_ENV=production', async () => {
      await db.run(['seed', '--users', '3']);
      const result = await db.run(['rebuild', '--yes', '--force'], { NODE_ENV: 'production' });
      expect(result.code).toBe(0);
      expect((await rowCounts(db))['users']).toBe(0);
    });
  });

  it('--url picks the database when DATABASE_URL points elsewhere', async () => {
    const result = await db.run(['--url', db.url, 'migrate'], { DATABASE_URL: 'bogus://nowhere' });
    expect(result.code).toBe(0);
    expect((await db.run(['health'])).code).toBe(0);
  });

  if (engine === 'sqlite') {
    it('works on a SQLite file that did not exist yet', async () => {
      const path = db.url.slice('sqlite:'.length);
      expect(existsSync(path)).toBe(false);
      expect((await db.run(['migrate'])).code).toBe(0);
      expect(existsSync(path)).toBe(true);
    });
  }
});

if (engines().includes('postgres')) {
  describe('moving from SQLite to PostgreSQL with the CLI', () => {
    it('export from a SQLite file and import into PostgreSQL keeps every row and the seeded content', async () => {
      const sqlite = await createTarget('sqlite');
      const postgres = await createTarget('postgres');
      try {
        expect((await sqlite.run(['seed', '--users', '5', '--seed', '9'])).code).toBe(0);
        const file = join(sqlite.dir, 'move.ndjson.gz');
        expect((await sqlite.run(['export', file])).code).toBe(0);
        const imported = await postgres.run(['import', file]);
        expect(imported.code).toBe(0);
        expect(await rowCounts(postgres)).toEqual(await rowCounts(sqlite));
        const back = join(postgres.dir, 'back.ndjson');
        expect((await postgres.run(['export', back])).code).toBe(0);
        const again = join(sqlite.dir, 'again.ndjson');
        expect((await sqlite.run(['export', again])).code).toBe(0);
        expect(exportWithoutTimestamps(back)).toEqual(exportWithoutTimestamps(again));
      } finally {
        await sqlite.dispose();
        await postgres.dispose();
      }
    });
  });
}

// `script` (util-linux) gives the CLI a terminal; without it only the pipe behaviour is tested above.
if (hasScript()) {
  describe('on a terminal', () => {
    it('seed draws a progress bar and still prints its result', async () => {
      const db = await createTarget('sqlite');
      try {
        const result = await runCliOnTty(['seed', '--users', '20'], { DATABASE_URL: db.url });
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(ESCAPE);
        expect(result.stdout).toMatch(/seed \[.*\] \d+% \| \d+\/\d+/);
        expect(result.stdout).toContain('Seeded 20 users');
      } finally {
        await db.dispose();
      }
    });

    it('restore asks first, and answering no changes nothing and exits 1', async () => {
      const db = await createTarget('sqlite');
      try {
        await db.run(['seed', '--users', '3']);
        const file = join(db.dir, 'backup.db');
        await db.run(['backup', file]);
        await db.run(['rebuild', '--yes']);
        const result = await runCliOnTty(['restore', file], { DATABASE_URL: db.url }, 'n\n');
        expect(result.stdout).toContain('[y/N]');
        expect(result.stdout).toContain('Restore cancelled; nothing changed.');
        expect(result.code).toBe(1);
        expect((await rowCounts(db))['users']).toBe(0);
      } finally {
        await db.dispose();
      }
    });

    it('restore asks first, and answering yes restores', async () => {
      const db = await createTarget('sqlite');
      try {
        await db.run(['seed', '--users', '3']);
        const file = join(db.dir, 'backup.db');
        await db.run(['backup', file]);
        await db.run(['rebuild', '--yes']);
        const result = await runCliOnTty(['restore', file], { DATABASE_URL: db.url }, 'y\n');
        expect(result.stdout).toContain('[y/N]');
        expect(result.stdout).toContain('Restored from');
        expect(result.code).toBe(0);
        expect((await rowCounts(db))['users']).toBe(3);
      } finally {
        await db.dispose();
      }
    });
  });
}
