// The PostgreSQL listener: one LISTEN connection of its own, reconnected with a gap after the server restarts, closed with the last subscriber.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database';
import { LeadStage, MessageSource } from '../../src/enums';
import { DatabaseClosedError } from '../../src/errors';
import type { LiveEvent } from '../../src/events/types';
import { canStartPostgres, emptyDatabase, startCluster, type PgCluster } from '../support/pg-cluster';

/** How many event listener connections the server has. */
async function listeners(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = 'migochat-db-events'`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached in 10 s');
}

describe.runIf(canStartPostgres() || process.env['CI'])('db.events on a PostgreSQL that restarts', () => {
  let cluster: PgCluster;
  let url: string;
  let db: Database;

  beforeAll(async () => {
    cluster = await startCluster();
    url = (await emptyDatabase(cluster.url, 'crm')).url;
    db = await openDatabase({ url, migrate: true, events: true, connectTimeoutMs: 2000 });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    cluster?.stop();
  });

  it('gives a gap after the server restarts, then events again', async () => {
    const user = await db.users.findOrCreateByPsid('restart-1');
    const seen: LiveEvent[] = [];
    const stop = db.events.subscribe({ types: 'message.recorded' }, (e) => void seen.push(e));
    await db.events.ready();
    await db.messages.recordInbound({ userId: user.id, text: 'before', source: MessageSource.MESSENGER });
    await eventually(() => seen.length === 1);

    cluster.halt('fast');
    cluster.start();
    await eventually(() => seen.some((e) => e.type === 'gap'));
    // The pool's connections died with the server: the first writes may fail until it reconnects.
    await eventually(async () => {
      try {
        await db.messages.recordInbound({ userId: user.id, text: 'after', source: MessageSource.MESSENGER });
        return true;
      } catch {
        return false;
      }
    });
    await eventually(() => seen.some((e) => e.type === 'message.recorded' && e.preview === 'after'));
    expect(seen.map((e) => (e.type === 'gap' ? `gap:${e.reason}` : e.type === 'message.recorded' ? e.preview : e.type))).toEqual(['before', 'gap:reconnect', 'after']);
    stop();
  }, 60_000);

  it('opens one listener connection for all subscribers, and closes it after the last unsubscribes', async () => {
    expect(await listeners(url)).toBe(0);
    const a = db.events.subscribe({}, () => undefined);
    const b = db.events.subscribe({ types: 'message.status' }, () => undefined);
    await db.events.ready();
    expect(await listeners(url)).toBe(1);
    a();
    expect(await listeners(url)).toBe(1);
    b();
    await eventually(async () => (await listeners(url)) === 0);
  });

  it('closes the listener connection with db.close(), and ends its streams', async () => {
    const other = await openDatabase({ url, events: true });
    const stream = other.events.stream();
    await other.events.ready();
    expect(await listeners(url)).toBe(1);
    const next = stream.next();
    await other.close();
    expect(await next).toEqual({ value: undefined, done: true });
    await eventually(async () => (await listeners(url)) === 0);
    expect(() => other.events.subscribe({}, () => undefined)).toThrow(DatabaseClosedError);
  });

  it.each([true, false] as const)('publishes and listens with preparedStatements: %s', async (preparedStatements) => {
    const other = await openDatabase({ url, events: true, preparedStatements });
    try {
      const user = await other.users.findOrCreateByPsid(`prepared-${String(preparedStatements)}`);
      const seen: LiveEvent[] = [];
      const stop = db.events.subscribe({ userId: user.id }, (e) => void seen.push(e));
      await db.events.ready();
      await other.messages.recordInboundBatch([1, 2, 3].map((i) => ({ userId: user.id, text: `p${i}`, source: MessageSource.MESSENGER })));
      await other.users.changeLeadStage(user.id, LeadStage.HOT);
      await eventually(() => seen.length === 5);
      expect(seen.map((e) => e.type)).toEqual(['conversation.opened', 'message.recorded', 'message.recorded', 'message.recorded', 'lead.stageChanged']);
      stop();
    } finally {
      await other.close();
    }
  });

  it('listens through eventsUrl when one is given', async () => {
    const viaOther = await openDatabase({ url, eventsUrl: url.replace('127.0.0.1', 'localhost') });
    try {
      const user = await db.users.findOrCreateByPsid('events-url');
      const seen: LiveEvent[] = [];
      const stop = viaOther.events.subscribe({ types: 'message.recorded', userId: user.id }, (e) => void seen.push(e));
      await viaOther.events.ready();
      await db.messages.recordInbound({ userId: user.id, text: 'from the other process', source: MessageSource.WHATSAPP });
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ type: 'message.recorded', preview: 'from the other process' });
      stop();
    } finally {
      await viaOther.close();
    }
  });
});
