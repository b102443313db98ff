// What happens at the edges of a Database's life and scope: calls on `db`
// inside its own transaction, close() with work queued, calls after close().
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../src/database';
import { MessageSource } from '../src/enums';
import { isMigochatDbError } from '../src/errors';
import { useTestDatabase } from './support/database';
import { type EngineName, engines, openTestDb, pgUrl } from './support/engines';
import { emptyDatabase } from './support/pg-cluster';
import { rejection } from './support/errors';

/** A database that outlives its Database object (a file, or a database of its own on the server), and a way to drop it. */
async function durableUrl(engine: EngineName): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'postgres') return emptyDatabase(pgUrl());
  const dir = mkdtempSync(join(tmpdir(), 'migochat-close-'));
  return { url: `sqlite:${join(dir, 'crm.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function countMessages(db: Database, prefix: string): Promise<number> {
  const rows: Array<{ external: string }> = await db.dataSource.query('SELECT "facebook_message_id" AS "external" FROM "messages"');
  return rows.filter((r) => r.external.startsWith(prefix)).length;
}

describe('a call on db inside db.transaction on sqlite', () => {
  const suite = useTestDatabase('sqlite');

  it('fails at once with TRANSACTION_SCOPE naming tx, instead of waiting for itself forever', async () => {
    const started = Date.now();
    const error = await rejection(
      suite.db.transaction(async (tx) => {
        await tx.users.create({ psid: 'inside' });
        await suite.db.users.findByPsid('inside');
      }),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(isMigochatDbError(error) && error.code).toBe('TRANSACTION_SCOPE');
    expect((error as Error).message).toContain('tx');
    // The transaction rolled back, and the database still works.
    expect(await suite.db.users.findByPsid('inside')).toBeNull();
    expect((await suite.db.users.create({ psid: 'after' })).psid).toBe('after');
  });

  it('fails a nested db.transaction and a db.run inside a run() the same way', async () => {
    const nested = await rejection(suite.db.transaction(() => suite.db.transaction(async () => 1)));
    expect(isMigochatDbError(nested) && nested.code).toBe('TRANSACTION_SCOPE');
    const inRun = await rejection(suite.db.run(() => suite.db.users.findById(1)));
    expect(isMigochatDbError(inRun) && inRun.code).toBe('TRANSACTION_SCOPE');
  });

  it('lets work started inside a transaction but run after it call db', async () => {
    let later: Promise<unknown> = Promise.resolve();
    await suite.db.transaction(async (tx) => {
      await tx.users.create({ psid: 'committed-first' });
      later = new Promise((resolve) => setTimeout(resolve, 20)).then(() => suite.db.users.findByPsid('committed-first'));
    });
    expect(await later).not.toBeNull();
  });
});

describe.each(engines())('closing a Database on %s', (engine) => {
  it('finishes every call made before close() and stores all of them', async () => {
    const target = await durableUrl(engine);
    try {
      const db = await openDatabase({ url: target.url, migrate: true });
      const user = await db.users.create({ psid: 'closer' });
      const calls = Array.from({ length: 50 }, (_, i) =>
        db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: `before close ${i}`, facebookMessageId: `close-${i}` }),
      );
      await db.close();
      const settled = await Promise.allSettled(calls);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
      const reopened = await openDatabase({ url: target.url });
      try {
        expect(await countMessages(reopened, 'close-')).toBe(50);
      } finally {
        await reopened.close();
      }
    } finally {
      await target.drop();
    }
  });

  it('fails calls made after close() with DATABASE_CLOSED, and a second close() is harmless', async () => {
    const db = await openTestDb(engine);
    await db.close();
    for (const call of [db.users.findByPsid('x'), db.users.create({ psid: 'late' }), db.transaction(async () => 1)]) {
      const error = await rejection(call);
      expect(isMigochatDbError(error) && error.code).toBe('DATABASE_CLOSED');
    }
    await db.close();
  });
});

describe('a failed openDatabase', () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;

  it('leaves no file descriptor open on SQLite (a file that is not a database)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migochat-fds-'));
    try {
      const file = join(dir, 'not-a-db.db');
      writeFileSync(file, Buffer.alloc(8192, 1));
      const before = openFds();
      for (let i = 0; i < 5; i++) {
        const error = await rejection(openDatabase({ url: `sqlite:${file}` }));
        expect(isMigochatDbError(error) && error.code).toBe('DATABASE_CORRUPT');
      }
      expect(openFds()).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(engines().includes('postgres'))('leaves no socket open on PostgreSQL (a wrong password)', async () => {
    const url = new URL(pgUrl());
    url.password = 'not-the-password';
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      const error = await rejection(openDatabase({ url: url.toString(), connectTimeoutMs: 500 }));
      expect(isMigochatDbError(error) && error.code).toBe('DATABASE_UNAVAILABLE');
    }
    // Sockets close asynchronously once the pool has ended.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // At most as many as before (a socket of an earlier test may have closed meanwhile), never more.
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
