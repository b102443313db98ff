/**
 * How long the search migration (MessageSearch1764200000000) takes on an
 * existing database: loads `--messages` messages (users a tenth of that) into
 * a database migrated up to the migration before it, then times `migrate()`,
 * which backfills `messages.search_text` in chunks and builds the index (the
 * FTS5 table on SQLite, the GIN index on PostgreSQL). Its progress lines are
 * printed as they come.
 *
 *   npx tsx bench/search-migration.ts [--engine sqlite|postgres] [--messages 1000000]
 *
 * PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL, else a throwaway local cluster.
 */
import 'reflect-metadata';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { openDatabase, type Database } from '../src/database';
import { emptyDatabase, startCluster } from '../test/support/pg-cluster';
import { loadPostgres, loadSqlite, type DatasetSize } from './dataset';

const MIGRATION = 'MessageSearch1764200000000';

function parseArgs(argv: string[]): { engine: 'sqlite' | 'postgres'; messages: number } {
  let engine: 'sqlite' | 'postgres' = 'sqlite';
  let messages = 100_000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--engine' && (v === 'sqlite' || v === 'postgres')) engine = v;
    else if (a === '--messages' && v !== undefined && Number.isInteger(Number(v)) && Number(v) > 0) messages = Number(v);
    else throw new Error(`usage: search-migration.ts [--engine sqlite|postgres] [--messages N], got ${a} ${v ?? ''}`);
    i++;
  }
  return { engine, messages };
}

/** Reverts migrations until the search migration is pending; returns what `migrate()` will run. */
async function revertToBeforeSearch(url: string): Promise<string[]> {
  const db = await openDatabase({ url, migrate: true });
  try {
    while (!(await db.pendingMigrations()).some((m) => m.name === MIGRATION)) await db.dataSource.undoLastMigration({ transaction: 'all' });
    return (await db.pendingMigrations()).map((m) => m.name);
  } finally {
    await db.close();
  }
}

/** Opens the database with a logger that prints the migration's progress lines, and times `migrate()`. */
async function timeMigration(url: string): Promise<{ ms: number; db: Database }> {
  const db = await openDatabase({ url, logging: ['info', 'warn'] });
  const logger = db.dataSource.logger;
  const log = logger.log.bind(logger);
  const start = performance.now();
  logger.log = (level, message) => {
    if (level === 'info') console.log(`  ${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s  ${String(message)}`);
    else log(level, message);
  };
  await db.migrate();
  return { ms: performance.now() - start, db };
}

async function main(): Promise<void> {
  const { engine, messages } = parseArgs(process.argv.slice(2));
  const size: DatasetSize = { users: Math.max(10, Math.floor(messages / 10)), messages, campaigns: 5 };
  let url: string;
  let cleanup: () => Promise<void>;
  if (engine === 'sqlite') {
    const dir = resolve('.tmp', 'bench');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `search-migration-${messages}.db`);
    const files = [file, `${file}-wal`, `${file}-shm`];
    for (const f of files) rmSync(f, { force: true });
    url = `sqlite:${file}`;
    cleanup = async () => {
      console.log(`sqlite file after: ${(statSync(file).size / 1e6).toFixed(0)} MB`);
      for (const f of files) rmSync(f, { force: true });
    };
  } else {
    const given = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];
    const cluster = given ? undefined : await startCluster(['fsync = on', 'synchronous_commit = on', 'full_page_writes = on']);
    const database = await emptyDatabase(given ?? cluster!.url);
    url = database.url;
    cleanup = async () => {
      await database.drop();
      cluster?.stop();
    };
  }
  try {
    const pending = await revertToBeforeSearch(url);
    const t = performance.now();
    if (engine === 'sqlite') {
      const raw = new BetterSqlite3(url.slice('sqlite:'.length));
      loadSqlite(raw, size, { searchText: false });
      raw.close();
    } else {
      const client = new Client({ connectionString: url });
      await client.connect();
      await loadPostgres(client, size, { searchText: false });
      await client.end();
    }
    console.log(`${engine}: loaded ${size.users} users, ${size.messages} messages in ${((performance.now() - t) / 1000).toFixed(1)} s; migrating: ${pending.join(', ')}`);
    const { ms, db } = await timeMigration(url);
    try {
      console.log(`${engine}: migrate() took ${(ms / 1000).toFixed(1)} s for ${messages} messages (${Math.round((messages * 1000) / ms)} messages/s)`);
      const page = await db.messages.search('black xl', { limit: 20 });
      console.log(`${engine}: a search afterwards found ${page.items.length} messages on its first page`);
      if (engine === 'postgres') {
        const [row] = (await db.manager.query(`SELECT pg_size_pretty(pg_relation_size('"IDX_messages_search"')) AS "size"`)) as Array<{ size: string }>;
        console.log(`postgres: IDX_messages_search is ${row?.size}`);
      }
    } finally {
      await db.close();
    }
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
