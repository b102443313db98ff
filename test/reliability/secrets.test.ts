// Secrets stay secret: a password in a database URL never appears in errors,
// health reports or CLI output, and sensitive settings never appear in CLI
// output (the export file holds them by design: it is a full copy of the data).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import pg from 'pg';
import { resolveDatabaseOptions } from '../../src/config';
import { createDataSource } from '../../src/data-source';
import { openDatabase, type Database } from '../../src/database';
import { DatabaseUnavailableError, isMigochatDbError } from '../../src/errors';
import { canStartPostgres, freePort, startCluster, type PgCluster } from '../support/pg-cluster';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const PASSWORD = 'hunter2';
const TOKEN = 'EAAB-page-token-s3cr3t';

interface CliRun {
  code: number;
  output: string;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, DB_CONNECT_TIMEOUT_MS: '300', NO_COLOR: '1', ...env };
    delete childEnv['DATABASE_URL'];
    if (env['DATABASE_URL']) childEnv['DATABASE_URL'] = env['DATABASE_URL'];
    execFile(process.execPath, [CLI, ...args], { env: childEnv, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

/** Everything an error exposes: message, stack, inspect (cause chain included) and JSON. */
function exposed(value: unknown): string {
  return [String(value), (value as Error | undefined)?.stack ?? '', inspect(value, { depth: 10 }), JSON.stringify(value) ?? ''].join('\n');
}

describe('a password in a database URL', () => {
  let closedUrl: string;
  beforeAll(async () => {
    closedUrl = `postgres://crm:${PASSWORD}@127.0.0.1:${await freePort()}/crm`;
  });

  it('is masked in the error of a failed open', async () => {
    const error = await openDatabase({ url: closedUrl, connectTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(exposed(error)).not.toContain(PASSWORD);
  });

  it('is masked in CLI health output, which exits 1 with and without --json and --verbose', async () => {
    for (const extra of [[], ['--json'], ['--verbose'], ['--json', '--verbose']]) {
      const run = await runCli(['health', '--url', closedUrl, ...extra]);
      expect(run.code).toBe(1);
      expect(run.output).not.toContain(PASSWORD);
      expect(run.output).toMatch(/unavailable|unhealthy/i);
    }
  });

  it('is masked in CLI output when the URL comes from DATABASE_URL', async () => {
    for (const args of [['health'], ['stats'], ['migrate'], ['migrate:status', '--json']]) {
      const run = await runCli(args, { DATABASE_URL: closedUrl });
      expect(run.code).not.toBe(0);
      expect(run.output).not.toContain(PASSWORD);
    }
  });
});

describe('a password in the options of an open Database', () => {
  it('is masked when db.options, db.dataSource.options and db.primary are printed or serialised', async () => {
    const db = await openDatabase({ url: 'sqlite::memory:' });
    try {
      // A SQLite URL holds no password: the masking is shown on the same objects made for PostgreSQL below.
      expect(inspect(db.options)).toContain('sqlite::memory:');
    } finally {
      await db.close();
    }
    const url = `postgres://crm:${PASSWORD}@127.0.0.1:1/crm?sslmode=disable&password=${PASSWORD}`;
    const resolved = resolveDatabaseOptions({ url, replicas: [`postgres://ro:${PASSWORD}@127.0.0.1:2/crm`] });
    const ds = createDataSource(resolved);
    for (const printed of [inspect(resolved, { depth: 10 }), JSON.stringify(resolved), inspect(ds.options, { depth: 10 }), JSON.stringify(ds.options)]) {
      expect(printed).not.toContain(PASSWORD);
      expect(printed).toContain('****');
    }
    // The code that connects still reads the real URL.
    expect(resolved.url).toBe(url);
  });

  it('is masked as a ?password= query parameter in errors', async () => {
    const url = `postgres://crm@127.0.0.1:${await freePort()}/crm?password=${PASSWORD}`;
    const error = await openDatabase({ url, connectTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(isMigochatDbError(error)).toBe(true);
    expect(exposed(error)).not.toContain(PASSWORD);
  });
});

describe('a new SQLite database file', () => {
  it('is created readable by its owner only, and so are its -wal and -shm files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migochat-mode-'));
    try {
      const file = join(dir, 'crm.db');
      const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
      try {
        await db.users.create({ psid: 'mode' });
        for (const path of [file, `${file}-wal`, `${file}-shm`]) expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(canStartPostgres() || process.env['CI'])('a password in URLs of a PostgreSQL server that goes down', () => {
  let cluster: PgCluster;
  let url: string;
  let replicaUrl: string;

  beforeAll(async () => {
    cluster = await startCluster();
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query(`CREATE ROLE crm LOGIN PASSWORD '${PASSWORD}'`);
    await client.query('CREATE DATABASE crm OWNER crm');
    await client.end();
    url = `postgres://crm:${PASSWORD}@127.0.0.1:${cluster.port}/crm`;
    replicaUrl = `postgres://crm:${PASSWORD}@127.0.0.1:${await freePort()}/crm`;
  });

  afterAll(() => {
    cluster?.stop();
  });

  it('never appears when the open Database is printed with console.log or util.inspect', async () => {
    const db = await openDatabase({ url, migrate: true });
    try {
      const printed = inspect(db, { depth: 10 });
      expect(printed).not.toContain(PASSWORD);
      expect(printed).toContain(`postgres://crm:****@127.0.0.1:${cluster.port}/crm`);
    } finally {
      await db.close();
    }
  });

  it('never appears in health reports, errors of calls or the CLI while the server is down', async () => {
    let db: Database | undefined;
    try {
      db = await openDatabase({ url, migrate: true, connectTimeoutMs: 500, statementTimeoutMs: 2000 });
      expect((await db.health()).status).not.toBe('unhealthy');
      cluster.halt('immediate');
      const report = await db.health({ timeoutMs: 1000 });
      expect(report.status).toBe('unhealthy');
      expect(exposed(report)).not.toContain(PASSWORD);
      const error = await db.users.findByPsid('x').catch((e: unknown) => e);
      expect(isMigochatDbError(error)).toBe(true);
      expect(exposed(error)).not.toContain(PASSWORD);
      const run = await runCli(['health', '--json', '--url', url]);
      expect(run.code).toBe(1);
      expect(run.output).not.toContain(PASSWORD);
    } finally {
      await db?.close().catch(() => undefined);
      cluster.start();
    }
  });

  it('never appears in the health report of an unreachable read replica', async () => {
    const opened = await openDatabase({ url, replicas: [replicaUrl], connectTimeoutMs: 500 }).catch((e: unknown) => e);
    if (!(opened instanceof Object) || !('health' in opened)) {
      // Refusing to open with an unreachable replica is fine too, as long as the error is masked.
      expect(exposed(opened)).not.toContain(PASSWORD);
      return;
    }
    const db = opened as Database;
    try {
      const report = await db.health({ timeoutMs: 1000 });
      expect(report.replicas?.length).toBe(1);
      expect(exposed(report)).not.toContain(PASSWORD);
    } finally {
      await db.close();
    }
  });
});

describe('sensitive settings in CLI output', () => {
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'migochat-secrets-'));
    url = `sqlite:${join(dir, 'crm.db')}`;
    const db = await openDatabase({ url, migrate: true });
    try {
      await db.settings.set('facebook.page_token', TOKEN, { category: 'facebook', sensitive: true });
      await db.settings.set('ai.reply_delay_ms', 1500);
    } finally {
      await db.close();
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('never shows a sensitive value in stats, stats --json or health --json', async () => {
    for (const args of [['stats'], ['stats', '--json'], ['health', '--json'], ['health']]) {
      const run = await runCli([...args, '--url', url]);
      expect(run.code).toBe(0);
      expect(run.output).not.toContain(TOKEN);
    }
  });

  it('keeps the sensitive value out of what export prints, while the export file holds it by design', async () => {
    const file = join(dir, 'export.ndjson');
    const run = await runCli(['export', file, '--url', url]);
    expect(run.code).toBe(0);
    expect(run.output).toContain('Exported');
    expect(run.output).not.toContain(TOKEN);
    expect(readFileSync(file, 'utf8')).toContain(TOKEN);
  });
});
