// A PostgreSQL server that stops answering: the server process group frozen
// with SIGSTOP, and a TCP peer that accepts connections and never replies.
// Every call ends within its bounds with a typed error, never a raw
// "timeout expired" and never a hang until the server wakes; once it wakes,
// the same Database works again and no acknowledged write is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import { isMigochatDbError } from '../../src/errors';
import { runCli, useCliCopy } from '../cli/run-cli';
import { canStartPostgres, emptyDatabase, freePort, startCluster, type PgCluster } from '../support/pg-cluster';
import { conversationCounters } from './fixtures/invariants';

/** The postmaster and every process it started (backends, checkpointer, WAL writer...). */
function serverProcesses(cluster: PgCluster): number[] {
  const postmaster = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}

/** How the call ended and how long it took. */
async function outcome(call: () => Promise<unknown>): Promise<{ ms: number; code: string }> {
  const started = Date.now();
  try {
    await call();
    return { ms: Date.now() - started, code: 'resolved' };
  } catch (error) {
    const code = isMigochatDbError(error) ? error.code : `untyped ${(error as Error).name}: ${(error as Error).message}`;
    return { ms: Date.now() - started, code };
  }
}

const STATEMENT_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 1000;
// statement timeout + the client's grace (2 s) + scheduling slack on a busy 2-core machine.
const CALL_BOUND_MS = STATEMENT_TIMEOUT_MS + 2000 + 2500;

describe.runIf(canStartPostgres() || process.env['CI'])('a PostgreSQL server frozen with SIGSTOP', () => {
  let cluster: PgCluster;
  let url: string;
  let frozen: number[] = [];

  beforeAll(async () => {
    cluster = await startCluster(['fsync = on', 'synchronous_commit = on']);
    url = (await emptyDatabase(cluster.url, 'crm')).url;
  });

  afterAll(() => {
    signal(frozen, 'SIGCONT');
    cluster?.stop();
  });

  it('ends every call within its bounds with a typed error while frozen, and works again after SIGCONT', async () => {
    const db: Database = await openDatabase({ url, migrate: true, statementTimeoutMs: STATEMENT_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS, poolSize: 4 });
    const acknowledged = new Set<string>();
    try {
      const user = await db.users.create({ psid: 'frozen' });
      const record = (id: string) =>
        db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: id, facebookMessageId: id }).then(() => acknowledged.add(id));
      for (let i = 0; i < 20; i++) await record(`before-${i}`);

      frozen = serverProcesses(cluster);
      signal(frozen, 'SIGSTOP');
      const results = await Promise.all([
        outcome(() => db.users.findById(user.id)),
        outcome(() => db.conversations.inbox({ limit: 10 })),
        outcome(() => record('during-1')),
        outcome(() => db.transaction(async (tx) => tx.users.create({ psid: 'during-tx' }))),
        outcome(() => db.users.changeLeadStage(user.id, 'hot' as never)),
      ]);
      for (const r of results) {
        expect(['DATABASE_UNAVAILABLE', 'QUERY_TIMEOUT']).toContain(r.code);
        expect(r.ms).toBeLessThan(CALL_BOUND_MS);
      }
      // A call made after the first ones gave up is bounded too (the stuck connections were dropped).
      const later = await outcome(() => db.users.findByPsid('frozen'));
      expect(['DATABASE_UNAVAILABLE', 'QUERY_TIMEOUT']).toContain(later.code);
      expect(later.ms).toBeLessThan(CALL_BOUND_MS);

      const health = await outcome(async () => {
        const report = await db.health({ timeoutMs: 1000 });
        if (report.status !== 'unhealthy') throw new Error(`health said ${report.status}`);
      });
      expect(health.code).toBe('resolved');
      expect(health.ms).toBeLessThan(2500);

      signal(frozen, 'SIGCONT');
      frozen = [];
      // The same Database works again: the first call after waking may still meet a dropped connection.
      let back = await outcome(() => record('after-1'));
      for (let i = 0; i < 5 && back.code !== 'resolved'; i++) back = await outcome(() => record('after-1'));
      expect(back.code).toBe('resolved');
      await record('after-2');
    } finally {
      signal(frozen, 'SIGCONT');
      await db.close();
    }
    const check = await openDatabase({ url });
    try {
      const rows: Array<{ id: string }> = await check.dataSource.query('SELECT "facebook_message_id" AS "id" FROM "messages"');
      const stored = new Set(rows.map((r) => r.id));
      expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
      for (const c of await conversationCounters(check)) expect(c.messageCount).toBe(c.rows);
    } finally {
      await check.close();
    }
  });

  it('fails openDatabase on a frozen server with DATABASE_UNAVAILABLE within the connect timeout', async () => {
    frozen = serverProcesses(cluster);
    signal(frozen, 'SIGSTOP');
    try {
      const result = await outcome(() => openDatabase({ url, connectTimeoutMs: CONNECT_TIMEOUT_MS }));
      expect(result.code).toBe('DATABASE_UNAVAILABLE');
      expect(result.ms).toBeLessThan(CONNECT_TIMEOUT_MS * 2 + 2500);
    } finally {
      signal(frozen, 'SIGCONT');
      frozen = [];
    }
  });

  it('prints a JSON report with status unhealthy from `migochat-db health --json`, exit 1', async () => {
    const removeCopy = await useCliCopy();
    frozen = serverProcesses(cluster);
    signal(frozen, 'SIGSTOP');
    try {
      const started = Date.now();
      const run = await runCli(['health', '--json', '--timeout', '1000'], { DATABASE_URL: url, DB_CONNECT_TIMEOUT_MS: '1000' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as { status: string; error?: string };
      expect(report.status).toBe('unhealthy');
      expect(report.error ?? '').not.toContain('postgres:postgres@');
    } finally {
      signal(frozen, 'SIGCONT');
      frozen = [];
      removeCopy();
    }
  });
});

describe('a PostgreSQL address whose peer accepts connections and never replies', () => {
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    port = await freePort();
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails openDatabase with DATABASE_UNAVAILABLE after the connect timeout, not a raw "timeout expired"', async () => {
    const result = await outcome(() => openDatabase({ url: `postgres://crm:secret@127.0.0.1:${port}/crm`, connectTimeoutMs: CONNECT_TIMEOUT_MS }));
    expect(result.code).toBe('DATABASE_UNAVAILABLE');
    expect(result.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
    expect(result.ms).toBeLessThan(CONNECT_TIMEOUT_MS * 2 + 2500);
  });
});
