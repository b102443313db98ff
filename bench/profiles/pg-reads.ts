/**
 * Where a PostgreSQL read's time goes: `findByPsid` through each layer of the
 * library (each on a database of its own, so every connection runs one named
 * statement, as the raw baselines do), interleaved in random order with the
 * same named statement on a dedicated client and through a pool checkout,
 * then a CPU profile of the library's call. A throwaway cluster, 5k users.
 *
 *   npx tsx bench/profiles/pg-reads.ts
 */
import { Client, Pool } from 'pg';
import { loadPostgres } from '../dataset';
import { openDatabase, type Database } from '../../src/index';
import { postgresDialect } from '../../src/dialect/postgres-dialect';
import { runPostgresTable } from '../../src/dialect/postgres-statements';
import { User } from '../../src/entities/user.entity';
import { selectOne } from '../../src/repositories/sql/helpers';
import { emptyDatabase, startCluster } from '../../test/support/pg-cluster';
import { profileCalls } from './cpu-profile';

const USERS = 5000;
const ROUNDS = Number(process.env['ROUNDS'] ?? 4000);
const SQL = 'SELECT * FROM "users" WHERE "psid" = $1 LIMIT 1';
/** A second statement, for the connection that alternates between two. */
const OTHER = 'SELECT * FROM "users" WHERE "id" = $1 LIMIT 1';

async function main(): Promise<void> {
  const cluster = await startCluster();
  const { url, drop } = await emptyDatabase(cluster.url);
  await (await openDatabase({ url, migrate: true })).close();
  const loader = new Client({ connectionString: url });
  await loader.connect();
  await loadPostgres(loader, { users: USERS, messages: 4 * USERS, campaigns: 10 });
  await loader.end();
  const raw = new Client({ connectionString: url });
  const alternating = new Client({ connectionString: url });
  await Promise.all([raw.connect(), alternating.connect()]);
  const pool = new Pool({ connectionString: url, max: 4 });
  const dbs: Database[] = [];
  const open = async (): Promise<Database> => {
    const db = await openDatabase({ url });
    dbs.push(db);
    return db;
  };
  const [forTable, forSelect, forRepository] = [await open(), await open(), await open()];
  const psid = (i: number): string => `psid-${(i % USERS) + 1}`;
  const layers: Array<[string, (i: number) => Promise<unknown>]> = [
    ['raw client, named statement', (i) => raw.query({ name: 'r', text: SQL, values: [psid(i)] })],
    [
      'raw client alternating two named statements',
      async (i) => {
        await alternating.query({ name: 'r', text: SQL, values: [psid(i)] });
        await alternating.query({ name: 'o', text: OTHER, values: [(i % USERS) + 1] });
      },
    ],
    [
      'pool checkout + named statement + release',
      async (i) => {
        const client = await pool.connect();
        try {
          await client.query({ name: 'r', text: SQL, values: [psid(i)] });
        } finally {
          client.release();
        }
      },
    ],
    ['library runPostgresTable (rows as arrays)', (i) => runPostgresTable(forTable.dataSource.manager, SQL, [psid(i)])],
    ['library selectOne (+ hydration)', (i) => selectOne(forSelect.dataSource.manager, postgresDialect, User, 'psid', psid(i))],
    ['db.users.findByPsid', (i) => forRepository.users.findByPsid(psid(i))],
  ];
  const times = new Map(layers.map(([name]) => [name, [] as number[]]));
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, run] of [...layers].sort(() => Math.random() - 0.5)) {
      const started = performance.now();
      await run(i);
      times.get(name)!.push(performance.now() - started);
    }
  }
  console.log(`median us per call, ${ROUNDS} interleaved rounds (the alternating row: two statements)`);
  for (const [name, t] of times) console.log(`${(1000 * t.sort((a, b) => a - b)[t.length >> 1]!).toFixed(1).padStart(8)}  ${name}`);
  await profileCalls('pg-find-by-psid', 2 * ROUNDS, async () => {
    for (let i = 0; i < 2 * ROUNDS; i++) await forRepository.users.findByPsid(psid(i));
  });
  for (const db of dbs) await db.close();
  await Promise.all([raw.end(), alternating.end(), pool.end()]);
  await drop();
  cluster.stop();
}

void main();
