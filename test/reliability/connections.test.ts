// A real PostgreSQL server stopped and started under the library: calls fail
// fast with a typed error while it is down, and the same Database recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database';
import { User } from '../../src/entities/user.entity';
import { DatabaseUnavailableError, QueryTimeoutError } from '../../src/errors';
import { makeUser } from '../../src/testing';
import { canStartPostgres, emptyDatabase, freePort, type PgCluster, startCluster } from '../support/pg-cluster';

describe.runIf(canStartPostgres() || process.env['CI'])('connections on a real PostgreSQL that goes away', () => {
  let cluster: PgCluster;
  let db: Database;
  let url: string;

  beforeAll(async () => {
    cluster = await startCluster();
    url = (await emptyDatabase(cluster.url, 'crm')).url;
    db = await openDatabase({ url, migrate: true, poolSize: 4, connectTimeoutMs: 2000, statementTimeoutMs: 300 });
  });

  afterAll(async () => {
    await db?.close();
    cluster?.stop();
  });

  it('cancels a statement that runs past statementTimeoutMs with a QueryTimeoutError', async () => {
    const error = await db.transaction((tx) => tx.manager.query('SELECT pg_sleep(2)')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect((error as QueryTimeoutError).code).toBe('QUERY_TIMEOUT');
  });

  it('fails fast with DatabaseUnavailableError while the server is down, then works again without reopening', async () => {
    const saved = await makeUser(db, { psid: 'before-outage' });
    cluster.halt('fast');
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => db.users.findById(saved.id)));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(DatabaseUnavailableError);
          expect(String((r.reason as Error).message)).not.toContain(':postgres@');
        }
      }
    } finally {
      cluster.start();
    }
    let found: User | null = null;
    for (let i = 0; i < 20 && !found; i++) {
      found = await db.users.findById(saved.id).catch(() => null);
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found?.psid).toBe('before-outage');
  });

  it('keeps retrying the first connection until the server comes up within connectTimeoutMs', async () => {
    cluster.halt('fast');
    const opening = openDatabase({ url, connectTimeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    cluster.start();
    const late = await opening;
    try {
      expect(await late.pendingMigrations()).toEqual([]);
    } finally {
      await late.close();
    }
  });

  it('gives up with DatabaseUnavailableError, password masked, when nothing listens', async () => {
    const port = await freePort();
    const error = await openDatabase({ url: `postgres://crm:hunter2@127.0.0.1:${port}/crm`, connectTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});
