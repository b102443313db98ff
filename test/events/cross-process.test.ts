// db.events across processes: another process writes with `events: true` on the same SQLite file or PostgreSQL database.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { Message } from '../../src/entities/message.entity';
import type { LiveEvent } from '../../src/events/types';
import { ensureBuilt } from '../support/build';
import { engines, openTestDb } from '../support/engines';

const WRITER = join(__dirname, 'fixtures', 'event-writer.cjs');
const run = promisify(execFile);

/** Every event delivered to a subscription, and a wait for a condition on them. */
function record(db: Database) {
  const seen: LiveEvent[] = [];
  let wake: () => void = () => undefined;
  const stop = db.events.subscribe({}, (e) => {
    seen.push(e);
    wake();
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { seen, stop, until };
}

describe.each(engines())('db.events across processes on %s', (engine) => {
  let db: Database;
  let dir: string;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'migochat-events-x-'));
    db = await openTestDb(engine, { sqliteFile: join(dir, 'shared.db'), options: { events: true } });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every message another process commits exactly once, in order per conversation, and none it rolls back', async () => {
    const users = await Promise.all([1, 2, 3, 4].map((i) => db.users.findOrCreateByPsid(`x-${engine}-${i}`)));
    const live = record(db);
    await db.events.ready();
    const messages = 120;
    const prefix = `x-${engine}`;
    const job = { url: db.options.url, userIds: users.map((u) => u.id), messages, prefix, rollbackEvery: 5 };
    const { stdout } = await run(process.execPath, [WRITER, JSON.stringify(job)], { timeout: 60_000 });
    expect(stdout.trim()).toBe(`done ${messages}`);
    const recorded = () => live.seen.filter((e) => e.type === 'message.recorded');
    await live.until(() => recorded().length >= messages);
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything extra (a duplicate) would arrive by now
    live.stop();

    const got = recorded().map((e) => (e.type === 'message.recorded' ? e : null)!);
    expect(live.seen.filter((e) => e.type === 'gap')).toEqual([]);
    expect(got.filter((e) => e.preview?.startsWith('rolled-back'))).toEqual([]);
    expect(new Set(got.map((e) => e.messageId)).size).toBe(messages);
    const stored = await db.manager.find(Message, { where: users.map((u) => ({ userId: u.id })), order: { id: 'ASC' } });
    expect(got.map((e) => e.messageId).sort((a, b) => a - b)).toEqual(stored.map((m) => m.id));
    // Each conversation was written in order by the writer: its events come in that order.
    for (const user of users) {
      const ids = got.filter((e) => e.userId === user.id).map((e) => e.messageId);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(ids).toHaveLength(messages / users.length);
    }
    expect(live.seen.filter((e) => e.type === 'conversation.opened')).toHaveLength(users.length);
  }, 120_000);
});
