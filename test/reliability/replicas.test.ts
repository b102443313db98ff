// A real streaming replica: the primary and a pg_basebackup -R copy on two
// loopback ports. Plain reads must be served by the replica, writes and
// transactions by the primary, and db.primary reads must see a write at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/database';
import { User } from '../../src/entities/user.entity';
import { MessageSource } from '../../src/enums';
import { makeUser } from '../../src/testing';
import { canStartPostgres, type PgCluster, startCluster, startReplica } from '../support/pg-cluster';

const withDb = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.runIf(canStartPostgres() || process.env['CI'])('read replicas on a real streaming replica', () => {
  let primary: PgCluster;
  let replica: PgCluster;
  let db: Database;
  let primaryDb: string;
  let replicaDb: string;

  beforeAll(async () => {
    primary = await startCluster();
    await sql(primary.url, 'CREATE DATABASE crm');
    replica = await startReplica(primary);
    primaryDb = withDb(primary.url, 'crm');
    replicaDb = withDb(replica.url, 'crm');
    const migrated = await openDatabase({ url: primaryDb, migrate: true });
    await migrated.close();
    await waitFor(async () => (await sql(replicaDb, "SELECT to_regclass('public.users') AS t")).rows[0]?.t === 'users', 'the schema on the replica');
    db = await openDatabase({ url: primaryDb, replicas: [replicaDb], poolSize: 4 });
  });

  afterAll(async () => {
    await db?.close();
    replica?.stop();
    primary?.stop();
  });

  it('serves plain reads from the replica (pg_is_in_recovery is true there)', async () => {
    const row = await db.dataSource.createQueryBuilder().select('pg_is_in_recovery()', 'recovery').fromDummy().getRawOne<{ recovery: boolean }>();
    expect(row?.recovery).toBe(true);
  });

  it('runs writes and transactions on the primary', async () => {
    const inTx = await db.transaction(async (tx) => (await tx.manager.query('SELECT pg_is_in_recovery() AS r'))[0].r as boolean);
    expect(inTx).toBe(false);
    const saved = await db.manager.save(Object.assign(new User(), { psid: 'replica-write-1' }));
    const onPrimary = await sql(primaryDb, `SELECT count(*)::int AS n FROM users WHERE id = ${saved.id}`);
    expect(onPrimary.rows[0].n).toBe(1);
  });

  it('reads a fresh write through db.primary while the replica lags behind', async () => {
    await sql(replicaDb, 'SELECT pg_wal_replay_pause()');
    try {
      const saved = await makeUser(db, { psid: 'replica-lag-1' });
      expect(await db.users.findById(saved.id)).toBeNull();
      expect((await db.primary.users.findById(saved.id))?.psid).toBe('replica-lag-1');
    } finally {
      await sql(replicaDb, 'SELECT pg_wal_replay_resume()');
    }
  });

  it('serves the fixed-SQL hot reads from the replica too, and db.primary from the primary', async () => {
    const user = await makeUser(db, { psid: 'replica-hot-0' });
    await waitFor(async () => (await db.users.findById(user.id)) !== null, 'the user on the replica');
    await sql(replicaDb, 'SELECT pg_wal_replay_pause()');
    try {
      await makeUser(db, { psid: 'replica-hot-1' });
      await db.messages.recordInbound({ userId: user.id, text: 'fresh', source: MessageSource.MESSENGER });
      expect(await db.users.findByPsid('replica-hot-1')).toBeNull();
      expect((await db.messages.listForUser(user.id)).items).toEqual([]);
      expect((await db.conversations.inbox()).items.map((c) => c.userId)).not.toContain(user.id);
      expect((await db.primary.users.findByPsid('replica-hot-1'))?.psid).toBe('replica-hot-1');
      expect((await db.primary.messages.listForUser(user.id)).items.map((m) => m.text)).toEqual(['fresh']);
      expect((await db.primary.conversations.inbox()).items.map((c) => c.userId)).toContain(user.id);
    } finally {
      await sql(replicaDb, 'SELECT pg_wal_replay_resume()');
    }
  });

  it('reports each replica in db.health() with its replay lag', async () => {
    const report = await db.health({ timeoutMs: 5000 });
    expect(report.status).toBe('healthy');
    expect(report.replicas).toHaveLength(1);
    expect(report.replicas?.[0]?.status).toBe('healthy');
    expect(report.replicas?.[0]?.url).toContain(':****@');
    expect(typeof report.replicas?.[0]?.replayLagMs).toBe('number');
  });

  it('reports a replica that lags behind with a growing replay lag', async () => {
    await makeUser(db, { psid: 'lag-base' });
    await sql(replicaDb, 'SELECT pg_wal_replay_pause()');
    try {
      await makeUser(db, { psid: 'lag-probe' });
      await new Promise((r) => setTimeout(r, 300));
      const report = await db.health({ timeoutMs: 5000 });
      expect(report.replicas?.[0]?.replayLagMs ?? 0).toBeGreaterThan(0);
    } finally {
      await sql(replicaDb, 'SELECT pg_wal_replay_resume()');
    }
  });

  it('marks the report degraded when a replica stops answering', async () => {
    replica.halt('fast');
    try {
      const report = await db.health({ timeoutMs: 2000 });
      expect(report.status).toBe('degraded');
      expect(report.replicas?.[0]?.status).toBe('unhealthy');
      expect(report.replicas?.[0]?.error).toBeTruthy();
      expect(JSON.stringify(report)).not.toContain(':postgres@');
    } finally {
      replica.start();
    }
  });
});
