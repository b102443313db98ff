// Many writers at once: the SQL counters, the latest timestamps and the audit
// trail stay exact on PostgreSQL (pool of 10) and on SQLite, including several
// Database instances in worker threads sharing one SQLite file.
// (20 concurrent changeLeadStage calls in one process are covered by
// test/repositories/user.repository.test.ts; here they come from several threads.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openDatabase, type Database } from '../../src/database';
import { LeadActivityType, LeadStage, MessageSource } from '../../src/enums';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { conversationCounters, messageRows, stageTrail } from './fixtures/invariants';

const WRITER = join(__dirname, 'fixtures', 'sqlite-writer.cjs');

function expectChainWithoutGaps(trail: Array<{ activityType: string; stageBefore: string | null; stageAfter: string | null }>, finalStage: string): void {
  expect(trail.length).toBeGreaterThan(0);
  expect(trail[0]?.stageBefore).toBe(LeadStage.NEW);
  for (const a of trail) {
    expect(a.activityType).toBe(LeadActivityType.STAGE_CHANGE);
    expect(a.stageBefore).not.toBe(a.stageAfter);
  }
  for (let i = 1; i < trail.length; i++) expect(trail[i]?.stageBefore).toBe(trail[i - 1]?.stageAfter);
  expect(trail[trail.length - 1]?.stageAfter).toBe(finalStage);
}

describe.each(engines())('1,000 concurrent inbound messages to one user on %s', (engine) => {
  const suite = useTestDatabase(engine, { options: { poolSize: 10 } });

  it('counts every message exactly once and keeps the latest sentAt as last_message_at', async () => {
    const user = await suite.db.users.create({ psid: `burst-${engine}` });
    const base = Date.UTC(2026, 0, 1);
    // Arrival order differs from sentAt order, so a last-writer-wins bug would show.
    const offsets = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const results = await Promise.allSettled(
      offsets.map((o, i) =>
        suite.db.messages.recordInbound({
          userId: user.id,
          source: MessageSource.MESSENGER,
          text: `burst ${i}`,
          facebookMessageId: `burst-${engine}-${i}`,
          sentAt: new Date(base + o * 1000),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    expect(await messageRows(suite.db)).toBe(1000);
    const counters = await conversationCounters(suite.db);
    expect(counters).toHaveLength(1);
    expect(counters[0]).toMatchObject({ messageCount: 1000, rows: 1000 });
    const conversation = await suite.db.conversations.findActive(user.id, MessageSource.MESSENGER);
    expect(conversation?.lastMessageAt?.toISOString()).toBe(new Date(base + 999_000).toISOString());
    expect((await suite.db.users.getById(user.id)).lastMessageAt?.toISOString()).toBe(new Date(base + 999_000).toISOString());
  });
});

describe('several SQLite Database instances on one file in worker threads', () => {
  let dir: string;
  let file: string;
  const userIds: number[] = [];
  let stageUserId = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'migochat-workers-'));
    file = join(dir, 'shared.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true });
    try {
      for (let i = 0; i < 3; i++) userIds.push((await db.users.create({ psid: `shared-${i}` })).id);
      stageUserId = (await db.users.create({ psid: 'shared-stage' })).id;
    } finally {
      await db.close();
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function runWorker(index: number): Promise<{ errors: unknown[] }> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WRITER, {
        workerData: { file, userIds, prefix: `w${index}`, messages: 200, concurrency: 10, baseTime: Date.UTC(2026, 1, 1) + index * 1000, stageUserId, stageEvery: 20, offset: index },
      });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`worker ${index} exited with ${code}`));
      });
    });
  }

  it('lets 4 writers ingest 800 messages and change one lead at once, with no error reaching a caller and exact counts', async () => {
    const reports = await Promise.all([0, 1, 2, 3].map(runWorker));
    // No SQLITE_BUSY, or anything else, reached a caller in any thread.
    expect(reports.flatMap((r) => r.errors)).toEqual([]);

    const db = await openDatabase({ url: `sqlite:${file}` });
    try {
      expect(await messageRows(db)).toBe(800);
      const counters = await conversationCounters(db);
      expect(counters).toHaveLength(userIds.length);
      for (const c of counters) expect(c.messageCount).toBe(c.rows);
      expect(counters.reduce((sum, c) => sum + c.messageCount, 0)).toBe(800);

      const integrity: Array<{ integrity_check: string }> = await db.dataSource.query('PRAGMA integrity_check');
      expect(integrity).toEqual([{ integrity_check: 'ok' }]);

      // One activity per real change, chained without gaps across the threads.
      const final = await db.users.getById(stageUserId);
      expectChainWithoutGaps(await stageTrail(db, stageUserId), final.leadStage);
    } finally {
      await db.close();
    }
  });
});

describe.each(engines())('concurrent lead-stage changes with a pool of 10 on %s', (engine) => {
  const suite = useTestDatabase(engine, { options: { poolSize: 10 } });

  it('writes one activity per real change, mixed with inbound messages for the same user, with a gapless chain', async () => {
    const user = await suite.db.users.create({ psid: `stage-race-${engine}` });
    const stages = [LeadStage.CONTACTED, LeadStage.CONTACTED, LeadStage.QUALIFIED, LeadStage.HOT, LeadStage.HOT, LeadStage.PROPOSAL];
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      calls.push(suite.db.users.changeLeadStage(user.id, stages[i % stages.length] as LeadStage, { performedBy: `agent-${i}` }));
      calls.push(suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, text: `m${i}`, whatsappMessageId: `wamid-${engine}-${i}` }));
    }
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const final = await suite.db.users.getById(user.id);
    expectChainWithoutGaps(await stageTrail(suite.db, user.id), final.leadStage);
    const counters = await conversationCounters(suite.db);
    expect(counters).toEqual([expect.objectContaining({ messageCount: 60, rows: 60 })]);
  });
});
