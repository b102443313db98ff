// PostgreSQL: each new connection gets the connect timeout, and a connection
// whose query outlived the client-side query timeout is dropped
// (usePerConnectionConnectTimeout in src/typeorm/pg-client.ts).
import { describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { createDataSource } from '../../src/data-source';
import { engines, pgUrl } from '../support/engines';

describe.runIf(engines().includes('postgres'))('the pg client of a PostgreSQL DataSource', () => {
  it('drops a connection whose query the client gave up on, and the next query gets a fresh one', async () => {
    // statement timeout 100 ms: the client gives up 2 s later; pg_sleep(1) is cancelled by neither on its own...
    const ds = createDataSource({ url: pgUrl(), statementTimeoutMs: 0, poolSize: 1 });
    // ...so set the client-side bound directly, as a frozen server would leave it the only one.
    (ds.options as { extra: Record<string, unknown> }).extra['query_timeout'] = 200;
    await ds.initialize();
    try {
      const pid = async (): Promise<number> => Number(((await ds.query('SELECT pg_backend_pid() AS "pid"')) as Array<{ pid: number }>)[0]?.pid);
      const before = await pid();
      const started = Date.now();
      await expect(ds.query('SELECT pg_sleep(1)')).rejects.toThrow(/Query read timeout/);
      expect(Date.now() - started).toBeLessThan(900);
      const pool = (ds.driver as PostgresDriver).master as Pool;
      // The stuck connection left the pool; the next query runs at once on a new one.
      const next = Date.now();
      const after = await pid();
      expect(Date.now() - next).toBeLessThan(800);
      expect(after).not.toBe(before);
      expect(pool.totalCount).toBe(1);
    } finally {
      await ds.destroy();
    }
  });
});
