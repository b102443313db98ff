// The built CLI against a SQLite file and a fresh PostgreSQL database: every
// command, its exit code, and output fit for a pipe.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/config';
import { MIGRATIONS } from '../../src/migrations/all';
import { engines } from '../support/engines';
import {
  canTestOnTty,
  createTarget,
  cursorVisibleAfter,
  runCliOnTty,
  runShell,
  startCliOnTty,
  useCliCopy,
  ESCAPE,
  exportWithoutTimestamps,
  HIDE_CURSOR,
  rowCounts,
  type CliTarget,
} from './run-cli';

/** The migration migrate:revert undoes first: the newest. */
const LAST = MIGRATIONS[MIGRATIONS.length - 1]!.name;
const FIRST = MIGRATIONS[0]!.name;

const STACK_LINE = /^\s+at /m;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

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
      expect(result.stdout).toMatch(new RegExp(`Ran ${MIGRATIONS.length} migration\\(s\\):\\n\\s+${FIRST}`));
      expect(result.stderr).toBe('');
    });

    it('migrate a second time says there is nothing to do', async () => {
      await db.run(['migrate']);
      const result = await db.run(['migrate']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Nothing to migrate');
    });

    it('migrate:status lists a pending migration on an empty database', async () => {
      db.createEmpty();
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

    it('migrate:revert undoes the last migration of an empty database, which becomes pending again', async () => {
      await db.run(['migrate']);
      const revert = await db.run(['migrate:revert']);
      expect(revert.code).toBe(0);
      expect(revert.stdout).toBe(`Reverted ${LAST}.\n`);
      const status = JSON.parse((await db.run(['migrate:status', '--json'])).stdout) as MigrationStatus;
      expect(status.pending).toBe(1);
    });

    it('migrate:revert on a database holding data is refused without --yes (no terminal to ask on), exits 1 and keeps the data', async () => {
      await db.run(['seed', '--users', '3']);
      const before = await rowCounts(db);
      const result = await db.run(['migrate:revert']);
      expect(result.code).toBe(1);
      expect(result.stderr.startsWith(`error [CONFIG_ERROR]: --yes: migrate:revert undoes ${LAST}, which can drop tables`)).toBe(true);
      expect(result.stderr).toContain('users: 3');
      expect(result.stderr).toContain('pass --yes to confirm');
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(await rowCounts(db)).toEqual(before);
    });

    it('migrate:revert --yes on a database holding data reverts', async () => {
      await db.run(['seed', '--users', '3']);
      const result = await db.run(['migrate:revert', '--yes']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`Reverted ${LAST}.\n`);
      const status = JSON.parse((await db.run(['migrate:status', '--json'])).stdout) as MigrationStatus;
      expect(status.pending).toBe(1);
    });

    it('migrate:revert with nothing executed says so', async () => {
      await db.run(['migrate']);
      for (let i = 0; i < MIGRATIONS.length; i++) await db.run(['migrate:revert']);
      const result = await db.run(['migrate:revert']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('Nothing to revert.\n');
    });
  });

  describe('output into a pipe that closes (| head -1, | true)', () => {
    it.each([[['stats']], [['stats', '--json']], [['health']], [['health', '--json']], [['migrate:status']], [['migrate:status', '--json']]])(
      '%j exits with its own code, without EPIPE or a stack trace',
      async (args) => {
        await db.run(['seed', '--users', '2']);
        const result = await db.run(args, {}, { closeStdout: true });
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
      },
    );

    it('stats | head -1 prints the first line and the CLI exits 0', async () => {
      await db.run(['seed', '--users', '2']);
      const result = await runShell('$CLI stats | head -1; echo "exit=${PIPESTATUS[0]}"', { DATABASE_URL: db.url });
      expect(result.stdout).toBe(`database: ${engine === 'sqlite' ? db.url : maskUrl(db.url)}\nexit=0\n`);
      expect(result.stderr).toBe('');
    });

    it('an unhealthy database into a closed pipe still exits 1, quietly', async () => {
      db.createEmpty();
      const result = await db.run(['health'], {}, { closeStdout: true });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('');
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

    it('says which database it read, with the password masked', async () => {
      await db.run(['migrate']);
      const shown = engine === 'sqlite' ? db.url : maskUrl(db.url);
      if (engine === 'postgres') expect(shown).toContain(':****@');
      const text = await db.run(['health']);
      expect(text.stdout).toContain(`\ndatabase: ${shown}\n`);
      const json = JSON.parse((await db.run(['health', '--json'])).stdout) as { database: string };
      expect(json.database).toBe(shown);
      if (engine === 'postgres') expect(text.stdout + JSON.stringify(json)).not.toContain(new URL(db.url).password + '@');
    });

    it('exits 1 on a database that has not been migrated', async () => {
      db.createEmpty();
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

    it('stats says which database it read, with the password masked', async () => {
      await db.run(['seed', '--users', '2']);
      const shown = engine === 'sqlite' ? db.url : maskUrl(db.url);
      const text = await db.run(['stats']);
      expect(text.stdout.split('\n')[0]).toBe(`database: ${shown}`);
      const json = JSON.parse((await db.run(['stats', '--json'])).stdout) as { database: string };
      expect(json.database).toBe(shown);
    });

    it('seed writes its leads in batches: a few transactions of multi-row inserts, not one per row', async () => {
      const result = await db.run(['seed', '--users', '1200'], { DB_LOGGING: 'query' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Seeded 1200 users, 7200 messages');
      const queries = result.stdout.split('\n').filter((line) => line.startsWith('query:'));
      const transactions = queries.filter((line) => /^query: (BEGIN|START TRANSACTION)/.test(line));
      // The migration, the demo posts and campaigns, and 3 batches of leads (one row at a time: 10,000+).
      expect(transactions.length).toBeLessThan(30);
      expect(queries.length).toBeLessThan(400);
      expect((await rowCounts(db))['users']).toBe(1200);
    });

    it('seed keeps the conversations consistent with the batch-written messages', async () => {
      await db.run(['seed', '--users', '4', '--messages-per-user', '5']);
      const file = join(db.dir, 'seed.ndjson');
      await db.run(['export', file]);
      const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> });
      const messages = lines.filter((l) => l.table === 'messages').map((l) => l.row);
      const conversations = lines.filter((l) => l.table === 'conversations').map((l) => l.row);
      expect(messages).toHaveLength(20);
      expect(conversations).toHaveLength(4);
      for (const c of conversations) {
        const own = messages.filter((m) => m['conversation_id'] === c['id']).sort((a, b) => String(a['sent_at']).localeCompare(String(b['sent_at'])));
        expect(c['message_count']).toBe(own.length);
        expect(c['last_message_text']).toBe(own.at(-1)?.['text']);
        expect(new Date(String(c['last_message_at'])).getTime()).toBe(new Date(String(own.at(-1)?.['sent_at'])).getTime());
      }
      const outbound = messages.filter((m) => m['direction'] === 'outbound');
      expect(outbound.length).toBe(8);
      expect(outbound.every((m) => m['status'] === 'delivered' || m['status'] === 'read')).toBe(true);
      expect(outbound.every((m) => m['delivered_at'] !== null)).toBe(true);
    });

    it('seed a second time with the same seed adds nothing and says so', async () => {
      await db.run(['seed', '--users', '3']);
      const before = await rowCounts(db);
      const again = await db.run(['seed', '--users', '3']);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('Seeded 0 users, 0 messages');
      expect(again.stdout).toContain('3 lead(s) of seed 1 were already there');
      expect(await rowCounts(db)).toEqual(before);
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
    db.createEmpty();
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
      expect(backup.stdout).toMatch(/^Backed up to .+ \(\d+(\.\d)? (B|kB|MB)\)\.\n$/);
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

    it('backup ./backups/x.db (the README snippet) makes the missing folder, owner-only', async () => {
      await db.run(['seed', '--users', '2']);
      const result = await db.run(['backup', './backups/x.db'], {}, { cwd: db.dir });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(statSync(join(db.dir, 'backups', 'x.db')).size).toBeGreaterThan(0);
      expect(statSync(join(db.dir, 'backups')).mode & 0o777).toBe(0o700);
    });

    it('backup into nested folders that do not exist makes them all', async () => {
      await db.run(['migrate']);
      const file = join(db.dir, 'missing', 'deeper', 'backup.bin');
      const result = await db.run(['backup', file]);
      expect(result.code).toBe(0);
      expect(existsSync(file)).toBe(true);
    });

    it('backup refuses to replace an existing file without --force, and replaces it with --force', async () => {
      await db.run(['seed', '--users', '2']);
      const file = join(db.dir, 'keep.bin');
      writeFileSync(file, 'an older backup');
      const hash = sha256(file);
      const refused = await db.run(['backup', file]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${file} already exists; pass --force`);
      expect(refused.stderr).not.toMatch(STACK_LINE);
      expect(sha256(file)).toBe(hash);
      const forced = await db.run(['backup', file, '--force']);
      expect(forced.code).toBe(0);
      expect(sha256(file)).not.toBe(hash);
    });

    it('restore of an export file says it is an export and suggests import, changing nothing', async () => {
      await db.run(['seed', '--users', '3']);
      const before = await rowCounts(db);
      for (const name of ['dump.ndjson', 'dump.ndjson.gz']) {
        const file = join(db.dir, name);
        expect((await db.run(['export', file])).code).toBe(0);
        const result = await db.run(['restore', file, '--yes']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`${file} is an export (NDJSON), not a backup: load it with "migochat-db import ${file}"`);
        expect(result.stderr).not.toMatch(STACK_LINE);
        // Said before --yes is even asked for.
        expect((await db.run(['restore', file])).stderr).toContain('migochat-db import');
      }
      expect(await rowCounts(db)).toEqual(before);
    });

    it('import of a backup file says it is a backup and suggests restore', async () => {
      await db.run(['seed', '--users', '2']);
      const file = join(db.dir, 'backup.bin');
      expect((await db.run(['backup', file])).code).toBe(0);
      const copy = await createTarget(engine);
      try {
        const result = await copy.run(['import', file]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`${file} is a backup, not an export: put it back with "migochat-db restore ${file}"`);
      } finally {
        await copy.dispose();
      }
    });

    it('restore of a file that does not exist says so before anything else', async () => {
      await db.run(['migrate']);
      const result = await db.run(['restore', join(db.dir, 'nope.bin')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('does not exist');
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
      expect(result.stderr).toContain('does not exist');
    });

    it('export refuses to replace an existing file without --force, and replaces it with --force', async () => {
      await db.run(['seed', '--users', '2']);
      const file = join(db.dir, 'keep.ndjson');
      writeFileSync(file, 'an older export');
      const hash = sha256(file);
      const refused = await db.run(['export', file]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${file} already exists; pass --force`);
      expect(sha256(file)).toBe(hash);
      const forced = await db.run(['export', file, '--force']);
      expect(forced.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('migochat-db-export');
    });

    it('export into a folder that does not exist makes it', async () => {
      await db.run(['seed', '--users', '2']);
      const result = await db.run(['export', './exports/x.ndjson.gz'], {}, { cwd: db.dir });
      expect(result.code).toBe(0);
      expect(existsSync(join(db.dir, 'exports', 'x.ndjson.gz'))).toBe(true);
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

describe('seed --users 20000 on SQLite', () => {
  it('takes seconds, not minutes (it took 5 minutes at one row per transaction)', { timeout: 240_000 }, async () => {
    const db = await createTarget('sqlite');
    try {
      const started = Date.now();
      const result = await db.run(['seed', '--users', '20000']);
      const seconds = (Date.now() - started) / 1000;
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('Seeded 20000 users, 120000 messages, 6 posts, 3 campaigns.\n');
      // About 10 s of CPU on this machine; generous for a busy CI runner.
      expect(seconds).toBeLessThan(120);
      expect((await rowCounts(db))['messages']).toBe(120_000);
    } finally {
      await db.dispose();
    }
  });
});

// `script` (util-linux) gives the CLI a terminal (.ci/run installs it; under CI=true these never skip).
describe.runIf(canTestOnTty())('on a terminal', () => {
  it('seed draws a progress bar (on stderr: the results stay clean) and shows the cursor again', async () => {
    const db = await createTarget('sqlite');
    try {
      const result = await runCliOnTty(['seed', '--users', '20'], { DATABASE_URL: db.url });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(ESCAPE);
      expect(result.stdout).toMatch(/seed \[.*\] \d+% \| \d+\/\d+ users \| ETA/);
      expect(result.stdout).toContain('Seeded 20 users');
      expect(result.stdout).toContain(HIDE_CURSOR);
      expect(cursorVisibleAfter(result.stdout)).toBe(true);
    } finally {
      await db.dispose();
    }
  });

  it('migrate draws the search index backfill as a progress bar on a database that holds messages', async () => {
    const db = await createTarget('sqlite');
    try {
      expect((await db.run(['migrate'])).code).toBe(0);
      expect((await db.run(['seed', '--users', '10'])).code).toBe(0);
      // Back to before MessageSearch1764200000000, with the seeded messages kept.
      const search = MIGRATIONS.findIndex((m) => m.name === 'MessageSearch1764200000000');
      for (let i = MIGRATIONS.length - 1; i >= search; i--) expect((await db.run(['migrate:revert', '--yes'])).code).toBe(0);
      const result = await runCliOnTty(['migrate'], { DATABASE_URL: db.url });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/search index \[.*\] \d+% \| [\d,]+\/[\d,]+ messages/);
      expect(result.stdout).toContain('MessageSearch1764200000000');
      expect(cursorVisibleAfter(result.stdout)).toBe(true);
    } finally {
      await db.dispose();
    }
  });

  it.each(engines())('Ctrl-C during seed on %s stops after the batch in progress, shows the cursor, says what was written and exits 130', { timeout: 120_000 }, async (engine) => {
    const db = await createTarget(engine);
    try {
      const session = startCliOnTty(['seed', '--users', '20000'], { DATABASE_URL: db.url });
      await session.waitFor(/seed \[.*\] [1-9]\d*% \|/, 90_000);
      expect(cursorVisibleAfter(session.output())).toBe(false);
      session.type('\u0003');
      const result = await session.finished;
      expect(result.code).toBe(130);
      expect(cursorVisibleAfter(result.stdout)).toBe(true);
      expect(result.stdout).toContain('Stopping after the current batch');
      const said = /Interrupted: ([\d,]+) of 20,000 users \(([\d,]+) messages\), 6 posts, 3 campaigns and the demo settings were written; the rest was not written\./.exec(result.stdout);
      expect(said, result.stdout).not.toBeNull();
      const users = Number(said![1]!.replace(/,/g, ''));
      const messages = Number(said![2]!.replace(/,/g, ''));
      expect(users).toBeGreaterThan(0);
      expect(users).toBeLessThan(20_000);
      expect(result.stdout).not.toMatch(/^\s+at /m);
      // What it says is what is there: whole batches, nothing half-written.
      const counts = await rowCounts(db);
      expect(counts['users']).toBe(users);
      expect(counts['messages']).toBe(messages);
      expect(messages).toBe(users * 6);
    } finally {
      await db.dispose();
    }
  });

  it('a second Ctrl-C during seed stops at once, still showing the cursor and saying what was kept', { timeout: 120_000 }, async () => {
    const db = await createTarget('sqlite');
    try {
      const session = startCliOnTty(['seed', '--users', '20000'], { DATABASE_URL: db.url });
      await session.waitFor(/seed \[.*\] [1-9]\d*% \|/, 90_000);
      session.type('\u0003');
      await session.waitFor(/Stopping after the current batch/);
      session.type('\u0003');
      const result = await session.finished;
      expect(result.code).toBe(130);
      expect(cursorVisibleAfter(result.stdout)).toBe(true);
      expect(result.stdout).toMatch(/Interrupted: [\d,]+ of 20,000 users .* were written/);
      expect(result.stdout).not.toMatch(/^\s+at /m);
      const users = Number((/Interrupted: ([\d,]+) of/.exec(result.stdout)?.[1] ?? '-1').replace(/,/g, ''));
      // The batch in progress, if any, was rolled back: at most the one that finished meanwhile is extra.
      const stored = (await rowCounts(db))['users'] ?? -1;
      expect(stored === users || stored === users + 500).toBe(true);
    } finally {
      await db.dispose();
    }
  });

  it('backup draws MB and an ETA, not SQLite pages or raw bytes', async () => {
    const db = await createTarget('sqlite');
    try {
      await db.run(['seed', '--users', '300']);
      const result = await runCliOnTty(['backup', join(db.dir, 'b.db')], { DATABASE_URL: db.url });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/backup \[.*\] \d+% \| \d+\.\d of \d+\.\d MB \| ETA \S+/);
      expect(result.stdout).toMatch(/Backed up to .+ \(\d+\.\d (kB|MB)\)\./);
      expect(result.stdout).not.toMatch(/\d{4,}\/\d{4,}|bytes/);
      expect(cursorVisibleAfter(result.stdout)).toBe(true);
    } finally {
      await db.dispose();
    }
  });

  it('status words are coloured: healthy green, executed green, pending yellow', async () => {
    const db = await createTarget('sqlite');
    try {
      db.createEmpty();
      const pending = await runCliOnTty(['migrate:status'], { DATABASE_URL: db.url });
      expect(pending.stdout).toMatch(/InitialSchema\d+\s+\u001b\[33mpending\u001b\[39m/);
      await db.run(['migrate']);
      const health = await runCliOnTty(['health'], { DATABASE_URL: db.url });
      expect(health.code).toBe(0);
      expect(health.stdout).toContain('status: \u001b[32mhealthy\u001b[39m');
      const status = await runCliOnTty(['migrate:status'], { DATABASE_URL: db.url });
      expect(status.stdout).toMatch(/InitialSchema\d+\s+\u001b\[32mexecuted\u001b\[39m/);
    } finally {
      await db.dispose();
    }
  });

  it.each([
    ['NO_COLOR=1', ['health'], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color', 'health'], {}],
    ['--no-color after the command', ['health', '--no-color'], {}],
  ])('%s: no colour on a terminal', async (_name, args, env) => {
    const db = await createTarget('sqlite');
    try {
      await db.run(['migrate']);
      const result = await runCliOnTty(args, { DATABASE_URL: db.url, ...env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('status: healthy\r\n');
      expect(result.stdout).not.toMatch(ESCAPE);
    } finally {
      await db.dispose();
    }
  });

  it('migrate:revert on a database holding data asks first; answering no changes nothing and exits 1', async () => {
    const db = await createTarget('sqlite');
    try {
      await db.run(['seed', '--users', '3']);
      const before = await rowCounts(db);
      const result = await runCliOnTty(['migrate:revert'], { DATABASE_URL: db.url }, 'n\n');
      expect(result.stdout).toContain(`migrate:revert undoes ${LAST}, which can drop tables`);
      expect(result.stdout).toContain('[y/N]');
      expect(result.stdout).toContain('Revert cancelled; nothing changed.');
      expect(result.code).toBe(1);
      expect(await rowCounts(db)).toEqual(before);
    } finally {
      await db.dispose();
    }
  });

  it('migrate:revert on a database holding data asks first; answering yes reverts', async () => {
    const db = await createTarget('sqlite');
    try {
      await db.run(['seed', '--users', '3']);
      const result = await runCliOnTty(['migrate:revert'], { DATABASE_URL: db.url }, 'y\n');
      expect(result.stdout).toContain('[y/N]');
      expect(result.stdout).toContain(`Reverted ${LAST}.`);
      expect(result.code).toBe(0);
    } finally {
      await db.dispose();
    }
  });

  /** A database with 3 users backed up to a file, then emptied by rebuild: what a restore brings back. */
  async function backedUpThenEmptied(db: Awaited<ReturnType<typeof createTarget>>): Promise<string> {
    await db.run(['seed', '--users', '3']);
    const file = join(db.dir, 'backup.db');
    await db.run(['backup', file]);
    await db.run(['rebuild', '--yes']);
    return file;
  }

  it('restore asks first, and answering no changes nothing and exits 1', async () => {
    const db = await createTarget('sqlite');
    try {
      const file = await backedUpThenEmptied(db);
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
      const file = await backedUpThenEmptied(db);
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
