import { createServer, Socket, type Server } from 'node:net';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../src/database';
import { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS } from '../../src/operations/index';
import { makeUser } from '../../src/testing';
import { useFreshTestDatabases, useTestDatabase } from '../support/database';
import { engines, pgUrl } from '../support/engines';
import { canStartPostgres, type PgCluster, startCluster } from '../support/pg-cluster';
import { TABLES } from './support';

describe.each(engines())('health on %s', (engine) => {
  const suite = useTestDatabase(engine);
  const fresh = useFreshTestDatabases(engine);
  beforeAll(async () => {
    await makeUser(suite.db, { psid: 'h-1' });
    await makeUser(suite.db, { psid: 'h-2' });
  });

  it('reports a migrated database as healthy, with every table and its exact row count', async () => {
    const report = await suite.db.health();
    expect(report.status).toBe('healthy');
    expect(report.engine).toBe(engine);
    expect(report.serverVersion).toMatch(/^\d+\.\d+/);
    expect(report.tables.map((t) => t.name)).toEqual(TABLES);
    expect(report.tables.find((t) => t.name === 'users')).toEqual({ name: 'users', rows: 2, estimated: false });
    expect(report.missingTables).toEqual([]);
    expect(report.pendingMigrations).toEqual([]);
    expect(report.error).toBeUndefined();
    expect(new Date(report.checkedAt).toISOString()).toBe(report.checkedAt);
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports the connection pool on PostgreSQL only', async () => {
    const report = await suite.db.health();
    if (engine === 'postgres') {
      expect(report.pool).toEqual({ total: expect.any(Number), idle: expect.any(Number), waiting: 0 });
      expect(report.pool?.total).toBeGreaterThanOrEqual(1);
    } else {
      expect(report).not.toHaveProperty('pool');
    }
  });

  it('gives the same report through checkHealth as through db.health', async () => {
    const [a, b] = [await checkHealth(suite.db), await suite.db.health()];
    expect({ ...a, latencyMs: 0, checkedAt: '', pool: undefined }).toEqual({ ...b, latencyMs: 0, checkedAt: '', pool: undefined });
  });

  it('is degraded with the missing table named when a table was dropped', async () => {
    const damaged = await fresh.open();
    await damaged.manager.query('DROP TABLE "lead_activities"');
    const report = await damaged.health();
    expect(report.status).toBe('degraded');
    expect(report.missingTables).toEqual(['lead_activities']);
    expect(report.pendingMigrations).toEqual([]);
    expect(report.tables.map((t) => t.name)).toEqual(TABLES.filter((t) => t !== 'lead_activities'));
  });

  it('is degraded with the pending migration named when the schema migration has not run', async () => {
    const behind = await fresh.open();
    for (let i = 0; i < behind.dataSource.migrations.length; i++) await behind.dataSource.undoLastMigration({ transaction: 'each' });
    const report = await behind.health();
    expect(report.status).toBe('degraded');
    expect(report.pendingMigrations).toEqual(['InitialSchema1763900000000', 'MessageKindsAndReceipts1764000000000', 'DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
    expect(report.missingTables).toEqual(TABLES);
    expect(report.tables).toEqual([]);
  });

  it('is unhealthy, without throwing, once the database is closed', async () => {
    const closed = await fresh.open();
    await closed.close();
    const report = await closed.health();
    expect(report.status).toBe('unhealthy');
    expect(report.serverVersion).toBeNull();
    expect(report.error).toMatch(/unavailable: the database is closed/);
  });
});

describe('health on a busy SQLite database', () => {
  it('answers unhealthy within its timeout while the queue is held by long work', async () => {
    const db = await openDatabase({ url: 'sqlite::memory:', migrate: true });
    let release = (): void => undefined;
    const held = db.run(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      const report = await db.health({ timeoutMs: 150 });
      expect(report.status).toBe('unhealthy');
      expect(report.error).toContain('no answer within 150 ms');
    } finally {
      release();
      await held;
      await db.close();
    }
  });

  it('uses a 2 second timeout by default', () => {
    expect(DEFAULT_HEALTH_TIMEOUT_MS).toBe(2000);
  });
});

/** A TCP proxy to the test server that can stop answering, or go away. */
async function startProxy(target: URL): Promise<{ port: number; blackhole: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let forward = true;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (!forward) return; // accept, then never answer
    const upstream = new Socket();
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.connect(Number(target.port || 5432), target.hostname, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    blackhole() {
      forward = false;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.runIf(engines().includes('postgres'))('health on a PostgreSQL server that stops answering', () => {
  let db: Database | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  afterEach(async () => {
    await proxy?.close();
    await db?.close().catch(() => undefined);
  });

  it('answers unhealthy within its timeout though the pool would wait 30 s to connect, password masked', async () => {
    const server = new URL(pgUrl());
    proxy = await startProxy(server);
    const viaProxy = new URL(pgUrl());
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    db = await openDatabase({ url: viaProxy.toString(), connectTimeoutMs: 30_000, poolSize: 2 });
    expect((await db.health()).status).not.toBe('unhealthy');

    proxy.blackhole();
    // Let the pool drop its now-dead idle connection, so the check must open a new one, which hangs.
    const pool = (db.dataSource.driver as PostgresDriver).master as { totalCount: number };
    await vi.waitFor(() => expect(pool.totalCount).toBe(0));
    const report = await db.health({ timeoutMs: 300 });
    expect(report.status).toBe('unhealthy');
    expect(report.error).toContain('no answer within 300 ms');
    expect(report.error).toContain(`127.0.0.1:${proxy.port}`);
    if (server.password) {
      expect(JSON.stringify(report)).not.toContain(`:${server.password}@`);
      expect(report.error).toContain(':****@');
    }
    expect(report.pool).toBeDefined();
  });
});

describe.runIf(engines().includes('postgres') && canStartPostgres())('health when the PostgreSQL server is gone', () => {
  let cluster: PgCluster | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
    db = await openDatabase({ url: cluster.url, migrate: true, connectTimeoutMs: 30_000 });
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    cluster?.stop();
  });

  it('is healthy while the server runs, then unhealthy with the reason and the password masked once it stops', async () => {
    expect((await db!.health()).status).toBe('healthy');
    cluster!.halt('fast');
    const report = await db!.health({ timeoutMs: 1500 });
    expect(report.status).toBe('unhealthy');
    expect(report.error).toMatch(/PostgreSQL database postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/postgres is unavailable: \S/);
    expect(JSON.stringify(report)).not.toContain('postgres:postgres@');
    expect(report.tables).toEqual([]);
  });
});
