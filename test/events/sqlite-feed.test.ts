// The SQLite feed: a connection and a poll timer of its own while someone subscribes; the events table pruned by age.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import { backupDatabase, restoreDatabase } from '../../src/operations/index';

/** Open file descriptors of this process on `file` (the database file itself, not its -wal or -shm). */
function openHandlesOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('db.events on a SQLite file', () => {
  let dir: string;
  let file: string;
  let db: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'migochat-feed-'));
    file = join(dir, 'feed.db');
    db = await openDatabase({ url: `sqlite:${file}`, migrate: true, events: true });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a connection of its own at the first subscriber and closes it, with its timer, after the last', async () => {
    const files = openHandlesOn(file);
    const ticking = timers();
    for (let round = 0; round < 5; round++) {
      const a = db.events.subscribe({}, () => undefined);
      const b = db.events.subscribe({}, () => undefined);
      expect(timers()).toBe(ticking + 1);
      a();
      expect(timers()).toBe(ticking + 1);
      b();
      expect(timers()).toBe(ticking);
    }
    // SQLite keeps a closed connection's descriptor while another connection of the process holds a lock on
    // the file (POSIX locks are per process), and reuses it for the next one: five rounds leave at most one.
    expect(openHandlesOn(file)).toBeLessThanOrEqual(files + 1);
  });

  it('reads the restored file after a restore, not the replaced one', async () => {
    const backup = join(dir, 'feed.backup');
    await backupDatabase(db, backup);
    const seen: string[] = [];
    const stop = db.events.subscribe({ types: ['message.recorded'] }, (e) => {
      seen.push(e.type === 'gap' ? `gap:${e.reason}` : e.type);
    });
    try {
      await restoreDatabase(db, backup);
      const user = await db.users.create({ psid: 'feed-after-restore' });
      // events: true, so this process's own events come back through the feed's connection.
      await db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'hello again', facebookMessageId: 'm_feed_restore' });
      for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['gap:restored', 'message.recorded']);
    } finally {
      stop();
    }
  });

  it('closes the feed connection with db.close()', async () => {
    const files = openHandlesOn(file);
    db.events.subscribe({}, () => undefined);
    expect(openHandlesOn(file)).toBe(files + 1);
    await db.close();
    expect(openHandlesOn(file)).toBe(0);
  });

  it('sees a commit of another Database on the same file, and prunes rows older than the retention', async () => {
    const user = await db.users.findOrCreateByPsid('feed-1');
    await db.manager.query(`INSERT INTO "events" ("created_at", "payload") VALUES ('2020-01-01 00:00:00.000', '[]')`);
    const seen: string[] = [];
    const stop = db.events.subscribe({ types: 'message.recorded' }, (e) => void (e.type === 'message.recorded' && seen.push(e.preview ?? '')));
    // A writer of its own (as another process would be): its first write prunes.
    const writer = await openDatabase({ url: `sqlite:${file}`, events: true, eventRetentionMs: 60_000 });
    try {
      await writer.messages.recordInbound({ userId: user.id, text: 'from the writer', source: MessageSource.MESSENGER });
    } finally {
      await writer.close();
    }
    for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual(['from the writer']);
    const rows = (await db.manager.query(`SELECT "created_at" FROM "events" ORDER BY "id"`)) as Array<{ created_at: string }>;
    expect(rows.map((r) => r.created_at.slice(0, 4))).not.toContain('2020');
    stop();
  });

  it('writes no events row without the events option', async () => {
    const quiet = await openDatabase({ url: `sqlite:${file}` });
    try {
      const user = await quiet.users.findOrCreateByPsid('feed-quiet');
      await quiet.messages.recordInbound({ userId: user.id, text: 'quiet', source: MessageSource.MESSENGER });
    } finally {
      await quiet.close();
    }
    expect(await db.manager.query(`SELECT COUNT(*) AS n FROM "events"`)).toEqual([{ n: 0 }]);
  });
});

describe('db.events on a SQLite file whose events rows were all pruned', () => {
  it('reads the next row without a gap (ids go on from the last one handed out)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migochat-feed-'));
    const file = join(dir, 'pruned.db');
    const db = await openDatabase({ url: `sqlite:${file}`, migrate: true, events: true });
    try {
      const user = await db.users.findOrCreateByPsid('pruned-1');
      await db.messages.recordInbound({ userId: user.id, text: 'old', source: MessageSource.MESSENGER });
      await db.manager.query(`DELETE FROM "events"`);
      const seen: string[] = [];
      const stop = db.events.subscribe({}, (e) => void seen.push(e.type === 'message.recorded' ? (e.preview ?? '') : e.type));
      await db.messages.recordInbound({ userId: user.id, text: 'new', source: MessageSource.MESSENGER });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).toEqual(['new']);
      stop();
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
