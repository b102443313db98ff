// Crashes in the middle of an ingest: a PostgreSQL server (fsync on) killed
// with SIGKILL, and a SQLite writer process killed with SIGKILL. Afterwards
// every acknowledged message is there and every conversation's message_count
// equals its number of message rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { toDatabaseError } from '../../src/driver-errors';
import { DatabaseUnavailableError } from '../../src/errors';
import { openDatabase, type Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import { isMigochatDbError } from '../../src/errors';
import { canStartPostgres, emptyDatabase, startCluster, type PgCluster } from '../support/pg-cluster';
import { conversationCounters } from './fixtures/invariants';

const WRITER = join(__dirname, 'fixtures', 'sqlite-writer.cjs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Whether `pid` still exists (PostgreSQL refuses to start while even a zombie of its old postmaster does). */
function exists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** The children of `pid` (backends, checkpointer, WAL writer...), read from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process went away meanwhile
    }
  }
  return children;
}

async function storedExternalIds(db: Database, column: 'facebook_message_id'): Promise<Set<string>> {
  const rows: Array<Record<string, string>> = await db.dataSource.query(`SELECT "${column}" AS "id" FROM "messages"`);
  return new Set(rows.map((r) => String(r['id'])));
}

describe('errors of a transaction whose connection died', () => {
  it('translates TypeORM released-query-runner errors into DatabaseUnavailableError', () => {
    for (const raw of [new QueryRunnerAlreadyReleasedError(), new QueryRunnerProviderAlreadyReleasedError()]) {
      const translated = toDatabaseError(raw, 'postgres');
      expect(translated).toBeInstanceOf(DatabaseUnavailableError);
      expect((translated as DatabaseUnavailableError).cause).toBe(raw);
    }
  });
});

describe.runIf(canStartPostgres() || process.env['CI'])('kill -9 of the PostgreSQL server during an ingest', () => {
  let cluster: PgCluster;
  let url: string;

  beforeAll(async () => {
    // Durability must be real for this test: the shared test clusters run with fsync off.
    cluster = await startCluster(['fsync = on', 'synchronous_commit = on', 'full_page_writes = on']);
    url = (await emptyDatabase(cluster.url, 'crm')).url;
  });

  afterAll(() => {
    cluster?.stop();
  });

  it('keeps every acknowledged message and exact conversation counters after restart', async () => {
    const db = await openDatabase({ url, migrate: true, poolSize: 10, connectTimeoutMs: 1000, statementTimeoutMs: 5000 });
    const acknowledged = new Set<string>();
    const failures: unknown[] = [];
    let killed = false;
    try {
      const users = await Promise.all([0, 1, 2, 3, 4].map((i) => db.users.create({ psid: `crash-${i}` })));
      const ingest = (async () => {
        let n = 0;
        while (!killed) {
          const batch = Array.from({ length: 20 }, () => {
            const i = n++;
            const externalId = `mid-${i}`;
            return db.messages
              .recordInbound({ userId: users[i % users.length]!.id, source: MessageSource.MESSENGER, text: `crash test ${i}`, facebookMessageId: externalId })
              .then(() => acknowledged.add(externalId), (e: unknown) => failures.push(e));
          });
          await Promise.all(batch);
        }
      })();

      await waitFor(() => acknowledged.size >= 300, 60_000);
      const postmaster = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const children = childrenOf(postmaster);
      process.kill(postmaster, 'SIGKILL');
      // A real crash takes the backends down with the postmaster.
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      killed = true;
      await ingest;
      await waitFor(() => ![postmaster, ...children].some(exists), 30_000);
    } finally {
      await db.close().catch(() => undefined);
    }

    // The kill struck calls in flight; they failed with our typed errors, not raw driver errors.
    expect(failures.length).toBeGreaterThan(0);
    const untyped = failures.filter((e) => !isMigochatDbError(e)).map((e) => `${(e as Error).name}: ${(e as Error).message} (${String((e as { code?: unknown }).code)})`);
    expect(untyped).toEqual([]);

    try {
      cluster.start();
    } catch (e) {
      throw new Error(`restart failed: ${String(e)}\n${readFileSync(join(cluster.dataDir, '..', 'server.log'), 'utf8').slice(-3000)}`);
    }
    // The server really crashed and replayed its WAL.
    expect(readFileSync(join(cluster.dataDir, '..', 'server.log'), 'utf8')).toContain('not properly shut down; automatic recovery in progress');
    const after = await openDatabase({ url, connectTimeoutMs: 10_000 });
    try {
      const stored = await storedExternalIds(after, 'facebook_message_id');
      const missing = [...acknowledged].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      expect(acknowledged.size).toBeGreaterThanOrEqual(300);
      const counters = await conversationCounters(after);
      expect(counters.length).toBeGreaterThan(0);
      for (const c of counters) expect(c.messageCount).toBe(c.rows);
    } finally {
      await after.close();
    }
  });
});

describe('a SQLite writer process killed with SIGKILL mid-write', () => {
  let dir: string;
  let file: string;
  const userIds: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'migochat-kill-'));
    file = join(dir, 'crm.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    try {
      for (let i = 0; i < 4; i++) userIds.push((await db.users.create({ psid: `killed-${i}` })).id);
    } finally {
      await db.close();
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the writer until it has acknowledged `ackTarget` messages, then SIGKILLs it. */
  async function ingestAndKill(prefix: string, ackTarget: number): Promise<Set<string>> {
    const acknowledged = new Set<string>();
    const child = spawn(process.execPath, [WRITER, JSON.stringify({ file, userIds, prefix, messages: -1, concurrency: 10, baseTime: Date.now(), stageUserId: 0, stageEvery: 1, offset: 0 })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buffered = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [tag, externalId] = line.split(' ');
        if (tag === 'ack' && externalId) acknowledged.add(externalId);
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      await waitFor(() => acknowledged.size >= ackTarget || child.exitCode !== null, 60_000);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    expect(stderr.split('\n').filter((l) => l.startsWith('error') || l.startsWith('fatal'))).toEqual([]);
    return acknowledged;
  }

  it('leaves a file that passes integrity_check with every acknowledged message and exact counters', async () => {
    const acknowledged = new Set<string>();
    for (const [round, target] of [[0, 40], [1, 250], [2, 120]] as const) {
      for (const id of await ingestAndKill(`r${round}`, target)) acknowledged.add(id);
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(410);

    const db = await openDatabase({ url: `sqlite:${file}` });
    try {
      const integrity: Array<{ integrity_check: string }> = await db.dataSource.query('PRAGMA integrity_check');
      expect(integrity).toEqual([{ integrity_check: 'ok' }]);
      const stored = await storedExternalIds(db, 'facebook_message_id');
      expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
      const counters = await conversationCounters(db);
      expect(counters).toHaveLength(userIds.length);
      for (const c of counters) expect(c.messageCount).toBe(c.rows);
    } finally {
      await db.close();
    }
  });
});
