/**
 * The benchmark:
 *   npm run bench -- [--engine sqlite|postgres|both] [--size quick|medium|full] [--quick] [--growth] [--search-only] [--block N] [--out file.json]
 *
 * Each operation is timed through the library and its peers (the raw
 * drivers, Drizzle ORM with prepared statements, Kysely, plain TypeORM:
 * bench/peers/), interleaved call by call in one process and run, after the
 * results of every contender were checked equal to the library's
 * (bench/peers/equality.ts; a difference fails the run). Median and p95 after
 * a warm-up. Writes bench/results.json (bench/results-growth.json with
 * --growth); `npx tsx bench/report.ts` prints the tables of bench/RESULTS.md.
 * No assertion on timings: this reports, CI only checks it runs.
 *
 * Sizes: full 100k users / 1M messages (the default), medium 20k / 200k,
 * quick 2k / 20k with few iterations (--quick, what CI runs). --growth runs
 * the library and the raw driver at 10k / 100k / 1M messages (users a tenth
 * of that) on each engine. PostgreSQL: BENCH_DATABASE_URL or
 * TEST_DATABASE_URL, else a throwaway local cluster (fsync on; BENCH_PG_FSYNC=off
 * keeps the test clusters' fsync off, to see the CPU cost without the disk's).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { Client, Pool } from 'pg';
import { openDatabase, type Database } from '../src/database';
import { Conversation } from '../src/entities/conversation.entity';
import { Message } from '../src/entities/message.entity';
import { User } from '../src/entities/user.entity';
import { canStartPostgres, startCluster } from '../test/support/pg-cluster';
import { checkSearch, CONVERSATION_SEARCH, MESSAGE_SEARCH } from '../src/repositories/search/index';
import { ftsMatchExpression, parseSearchQuery, tsqueryText } from '../src/search/query';
import { engineRankedSearch } from './search-baseline';
import { loadPostgres, loadSqlite, rng, SEARCH_QUERIES, type DatasetInfo, type DatasetSize } from './dataset';
import { shapeOf } from './peers/canonical';
import { drizzlePgPeer, drizzleSqlitePeer } from './peers/drizzle';
import { checkReads, checkWrites } from './peers/equality';
import { kyselyPeer } from './peers/kysely';
import { libraryInput, libraryPeer } from './peers/library';
import { LIST, PAGE, LIST_FOR_USER_ORDER } from './peers/queries';
import { pgRaw, rawPeer, sqliteRaw, type Raw } from './peers/raw';
import { typeormPeer } from './peers/typeorm';
import type { Engine, InboxAfter, IngestInput, Peer, Shapes } from './peers/types';

type SizeName = 'quick' | 'medium' | 'full';

interface Args {
  quick: boolean;
  growth: boolean;
  size: SizeName;
  users: number;
  messages: number;
  engine: Engine | 'both';
  out: string | undefined;
  block: number;
  /** Only the search operations (`--search-only`). */
  searchOnly: boolean;
}

const SIZES: Record<SizeName, { users: number; messages: number }> = {
  quick: { users: 2_000, messages: 20_000 },
  medium: { users: 20_000, messages: 200_000 },
  full: { users: 100_000, messages: 1_000_000 },
};

function parseArgs(argv: string[]): Args {
  let size: SizeName | undefined;
  let users: number | undefined;
  let messages: number | undefined;
  const args = { quick: false, growth: false, engine: 'sqlite' as Args['engine'], out: undefined as string | undefined, block: 1, searchOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--growth') args.growth = true;
    else if (a === '--search-only') args.searchOnly = true;
    else if (a === '--out') args.out = next();
    else if (a === '--block') args.block = Number(next());
    else if (a === '--size') {
      const s = next();
      if (s !== 'quick' && s !== 'medium' && s !== 'full') throw new Error(`--size quick|medium|full, got ${s}`);
      size = s;
    } else if (a === '--users') users = Number(next());
    else if (a === '--messages') messages = Number(next());
    else if (a === '--engine') {
      const e = next();
      if (e !== 'sqlite' && e !== 'postgres' && e !== 'both') throw new Error(`--engine sqlite|postgres|both, got ${e}`);
      args.engine = e;
    } else throw new Error(`unknown argument ${a}`);
  }
  const named = size ?? (args.quick ? 'quick' : 'full');
  return { ...args, size: named, users: users ?? SIZES[named].users, messages: messages ?? SIZES[named].messages };
}

interface Stats {
  n: number;
  medianMs: number;
  p95Ms: number;
  totalMs: number;
}

/**
 * Times contenders doing the same operation, interleaved: one call of each
 * in turn, until every one has made `iterations` calls. The machine's load
 * drifts (shared vCPUs); interleaving gives every contender the same
 * conditions, so their ratio means something; the order rotates each round.
 * Warm-up calls (negative indexes) are not timed; call `i` of every
 * contender gets the same input.
 */
/**
 * Calls of one contender in a row before the next one's turn (`--block N`, default 1: call by
 * call). Interleaving call by call also runs every contender with caches the others just
 * filled; blocks keep each one's code and data warm while still sharing the machine's drift.
 */
let BLOCK = 1;

const orderRandom = rng(20261202);

/** 0..n-1 in a random order (Fisher-Yates, seeded: the same order sequence every run). */
function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function measure(iterations: number, warmup: number, contenders: ReadonlyArray<(i: number) => Promise<unknown>>): Promise<Stats[]> {
  for (let i = 0; i < warmup; i++) for (const fn of contenders) await fn(-1 - i);
  const times = contenders.map(() => [] as number[]);
  const totals = contenders.map(() => 0);
  for (let done = 0, round = 0; done < iterations; done += BLOCK, round++) {
    // A new order every round: the garbage one contender leaves is collected during the call
    // after it, and a fixed cycle (even rotated) would always put the same contender after the
    // most wasteful one (measured: the library after plain TypeORM ran 1.5x-4x slower).
    const order = shuffled(contenders.length, orderRandom);
    for (let k = 0; k < contenders.length; k++) {
      const c = order[k]!;
      for (let i = done; i < Math.min(iterations, done + BLOCK); i++) {
        const t = performance.now();
        await contenders[c]!(i);
        const elapsed = performance.now() - t;
        times[c]!.push(elapsed);
        totals[c]! += elapsed;
      }
    }
  }
  return times.map((ts, c) => {
    ts.sort((a, b) => a - b);
    const at = (q: number): number => ts[Math.min(ts.length - 1, Math.max(0, Math.ceil(q * ts.length) - 1))]!;
    return { n: ts.length, medianMs: at(0.5), p95Ms: at(0.95), totalMs: totals[c]! };
  });
}

/** One operation's timings, by contender name. */
interface Result {
  engine: Engine;
  /** Stable id of the operation (the targets table keys on it). */
  op: string;
  operation: string;
  /** Messages in the dataset when timed (growth runs). */
  datasetMessages: number;
  contenders: Record<string, Stats>;
  note?: string;
}

const results: Result[] = [];
const extras: Array<Record<string, unknown>> = [];
const concurrency: Array<Record<string, unknown>> = [];

function record(engine: Engine, op: string, operation: string, datasetMessages: number, names: readonly string[], stats: readonly Stats[], note?: string): void {
  const contenders = Object.fromEntries(names.map((n, k) => [n, stats[k]!]));
  results.push({ engine, op, operation, datasetMessages, contenders, ...(note ? { note } : {}) });
  const lib = contenders['library']!;
  // Medians in ms; after each other contender, library time / its time.
  const parts = names.map((n, k) => `${n} ${stats[k]!.medianMs.toFixed(3)}${k === 0 ? ` (p95 ${lib.p95Ms.toFixed(3)})` : ` (lib/${n} ${(lib.medianMs / stats[k]!.medianMs).toFixed(2)})`}`);
  console.log(`${engine.padEnd(8)} ${operation.padEnd(28)} ${parts.join(' | ')}${note ? ` | ${note}` : ''}`);
}

/** A deterministic spread of 1..n over call indexes (the same user for every contender of a round). */
function spread(i: number, n: number, salt: number): number {
  let h = Math.imul((i + 0x9e3779b9 + salt * 0x85ebca6b) | 0, 0x27d4eb2d) ^ (i >>> 15);
  h = Math.imul(h ^ (h >>> 13), 0x165667b1);
  return 1 + ((h >>> 0) % n);
}

const sourceOf = (userId: number): 'messenger' | 'whatsapp' => ((userId - 1) % 2 === 0 ? 'messenger' : 'whatsapp');

interface Plan {
  reads: number;
  readWarm: number;
  ingest: number;
  ingestWarm: number;
  batch: number;
  batches: number;
  batchWarm: number;
  aggregates: number;
  depth: number;
  peers: boolean;
  export: boolean;
  writers: readonly number[];
  perLevel: number;
}

function planFor(args: Args, growth: boolean): Plan {
  if (args.quick)
    return { reads: 100, readWarm: 10, ingest: 50, ingestWarm: 20, batch: 100, batches: 3, batchWarm: 1, aggregates: 10, depth: 400, peers: !growth, export: !growth, writers: growth ? [] : [1, 4, 16], perLevel: 64 };
  if (growth)
    return { reads: 1000, readWarm: 500, ingest: 500, ingestWarm: 500, batch: 1000, batches: 5, batchWarm: 2, aggregates: 20, depth: 10_000, peers: false, export: false, writers: [], perLevel: 0 };
  // Warm-ups long enough for V8 to optimise the library's code paths (measured: after 200
  // calls recordInbound still ran ~50% slower than after 1,000); the raw baseline is a few
  // lines and is optimised almost at once, so a short warm-up would favour it.
  return { reads: 2000, readWarm: 1000, ingest: 1000, ingestWarm: 1000, batch: 1000, batches: 10, batchWarm: 3, aggregates: 50, depth: 10_000, peers: true, export: true, writers: [1, 4, 16], perLevel: 3200 };
}

interface Setup {
  engine: Engine;
  url: string;
  db: Database;
  raw: Raw;
  info: DatasetInfo;
  peers: Peer[];
  /** Raw clients and pools to close at the end. */
  close(): Promise<void>;
  /** PostgreSQL: a raw baseline on its own new client (concurrent writers). */
  newRaw?: () => Promise<{ raw: Raw; close(): Promise<void> }>;
}

async function benchEngine(s: Setup, plan: Plan, searchOnly = false): Promise<void> {
  if (searchOnly) return benchSearch(s, plan);
  const { engine, db, raw, info } = s;
  const shapes = shapesOf(db);
  const userColumns = db.dataSource.getMetadata(User).columns.map((c) => c.databaseName);
  const library = libraryPeer(db, shapes);
  const rawOne = rawPeer(raw, shapes, userColumns, 'per-message');
  const rawSet = rawPeer(raw, shapes, userColumns, 'set-based');
  // BENCH_PEERS=drizzle,kysely picks peers (none: library and raw only), e.g. to see whether the
  // peers' presence in the process (shared TypeORM code, garbage) moves the library's numbers.
  const only = process.env['BENCH_PEERS']?.split(',').map((n) => n.trim());
  const peers = plan.peers ? s.peers.filter((p) => !only || only.includes(p.name)) : [];
  const contenders: Peer[] = [library, rawOne, ...peers];
  const names = contenders.map((p) => p.name);
  const size = info.messages;
  let clock = Date.UTC(2026, 0, 1);
  const input = (tag: string, userId: number): IngestInput => {
    const source = sourceOf(userId);
    clock += 1000;
    return { userId, source, text: `bench message ${tag}`, fb: source === 'messenger' ? `b-${tag}` : null, wa: source === 'whatsapp' ? `b-${tag}` : null, at: clock };
  };

  // Before anything is timed: the writes of every contender (the set-based raw batch too).
  // Users for the samples: 10k+3 have an active conversation, 10k one closed (dataset: every tenth).
  const writers = [...contenders, rawSet];
  const writeChecks = await checkWrites(writers, raw, shapes, (c, slot) => {
    const closed = slot === 1 || slot === 4;
    const userId = 10 * (1 + c * 8 + slot) + (closed ? 0 : 3);
    if (userId > info.users) throw new Error(`dataset too small for the write checks (${info.users} users)`);
    return input(`check-${engine}-${c}-${slot}`, userId);
  });
  console.log(`${engine.padEnd(8)} writes checked equal: ${writeChecks} checks over ${writers.map((p) => p.name).join(', ')}`);

  // Ingest, one message at a time: the same user for every contender of a round.
  const ingest = await measure(
    plan.ingest,
    plan.ingestWarm,
    contenders.map((p, c) => (i: number) => p.recordInbound(input(`${engine}-${size}-one-${c}-${i}`, spread(i, info.users, 1)))),
  );
  const perSecond = (st: Stats): string => (1000 / st.medianMs).toFixed(0);
  record(engine, 'recordInbound', 'recordInbound (1 msg)', size, names, ingest, names.map((n, k) => `${n} ${perSecond(ingest[k]!)} msg/s`).join(', '));

  // Batches: the per-message raw baseline and the set-based one beside it.
  const batchContenders = [library, rawSet, rawOne, ...contenders.slice(2)];
  const batchStats = await measure(
    plan.batches,
    plan.batchWarm,
    batchContenders.map((p, c) => (i: number) =>
      p.recordInboundBatch(Array.from({ length: plan.batch }, (_, k) => input(`${engine}-${size}-batch-${c}-${i}-${k}`, spread(i * plan.batch + k, info.users, 2)))),
    ),
  );
  record(
    engine,
    'recordInboundBatch',
    `recordInboundBatch (${plan.batch})`,
    size,
    batchContenders.map((p) => p.name),
    batchStats,
    batchContenders.map((p, k) => `${p.name} ${((plan.batch * 1000) / batchStats[k]!.medianMs).toFixed(0)} msg/s`).join(', '),
  );

  // The deep inbox page: walk the library's pages to `depth`, then every contender reads the page after it.
  const depth = Math.min(plan.depth, Math.floor(info.conversations / 2));
  let page = await db.conversations.inbox({ limit: Math.min(500, depth) });
  let walked = page.items.length;
  const afters: InboxAfter[] = [];
  const register = (): void => {
    const last = page.items[page.items.length - 1];
    if (!last || page.nextCursor === null) return;
    const after = { at: last.lastMessageAt!.getTime(), id: last.id };
    library.cursors.set(`${after.at}:${after.id}`, page.nextCursor);
    afters.push(after);
  };
  register();
  while (walked < depth && page.nextCursor) {
    page = await db.conversations.inbox({ limit: Math.min(500, depth - walked), cursor: page.nextCursor });
    walked += page.items.length;
    register();
  }
  if (afters.length === 0) throw new Error('the inbox has a single page: dataset too small for the deep page');
  const deep = afters[afters.length - 1]!;

  // Reads: checked equal on samples, then timed.
  const readChecks = await checkReads(contenders, {
    psids: [1, 2, 3, Math.floor(info.users / 2), info.users].map((u) => `psid-${u}`),
    userIds: [1, 2, 10, 13, Math.floor(info.users / 3), info.users],
    after: [afters[0]!, deep],
  });
  console.log(`${engine.padEnd(8)} reads checked equal: ${readChecks} comparisons with the library (listForUser by ${LIST_FOR_USER_ORDER})`);
  const timeRead = async (op: string, operation: string, call: (p: Peer, i: number) => Promise<unknown>): Promise<void> => {
    const stats = await measure(plan.reads, plan.readWarm, contenders.map((p) => (i: number) => call(p, i)));
    record(engine, op, operation, size, names, stats);
  };
  await timeRead('inboxFirst', `inbox first page (${PAGE})`, (p) => p.inbox());
  await timeRead('inboxDeep', `inbox deep page (@${walked})`, (p) => p.inbox(deep));
  await timeRead('findByPsid', 'findByPsid', (p, i) => p.findByPsid(`psid-${spread(i, info.users, 3)}`));
  await timeRead('listForUser', `messages.listForUser (${LIST})`, (p, i) => p.listForUser(spread(i, info.users, 4)));

  await benchSearch(s, plan);

  // Aggregates: the library and the raw driver only.
  const agg = await measure(plan.aggregates, Math.ceil(plan.aggregates / 3), [
    () => db.users.leadFunnel(),
    () => raw.all('SELECT "lead_stage" AS stage, COUNT(*) AS count FROM "users" GROUP BY "lead_stage"'),
  ]);
  record(engine, 'leadFunnel', 'leadFunnel', size, ['library', 'raw'], agg);
  const perf = await measure(plan.aggregates * 4, plan.aggregates * 2, [
    (i) => db.adCampaigns.performance(spread(i, info.campaigns, 5)),
    async (i) => {
      const id = spread(i, info.campaigns, 5);
      await raw.all('SELECT * FROM "ad_campaigns" WHERE "id" = ?', [id]);
      await raw.all('SELECT COUNT(*) AS count FROM "messages" WHERE "ad_campaign_id" = ?', [id]);
    },
  ]);
  record(engine, 'adCampaignPerformance', 'adCampaigns.performance', size, ['library', 'raw'], perf);

  if (engine === 'postgres' && plan.writers.length > 0 && s.newRaw) await concurrentIngest(s, plan);
  if (plan.export) await exportRuns(engine, s.url, raw);
}

/**
 * Full-text search with two-word queries (English and Arabic, bench/dataset.ts):
 * the library (windows of the newest matches ranked in JavaScript) against
 * the raw driver running the search a team would write by hand, the
 * engine's own ranking over every match (bench/search-baseline.ts). The
 * library's results are checked to be matches first.
 */
async function benchSearch(s: Setup, plan: Plan): Promise<void> {
  const { engine, db, raw, info } = s;
  const limit = 20;
  const kinds = [
    {
      op: 'messageSearch',
      operation: `messages.search (2 words, ${limit})`,
      library: (q: string) => db.messages.search(q, { limit }),
      ids: (page: { items: Array<{ id: number }> }) => page.items.map((m) => m.id),
    },
    {
      op: 'conversationSearch',
      operation: `conversations.search (2 words, ${limit})`,
      library: (q: string) => db.conversations.search(q, { limit }),
      ids: (page: { items: Array<{ message: { id: number } }> }) => page.items.map((h) => h.message.id),
    },
  ] as const;
  const queryAt = (i: number): number => ((i % SEARCH_QUERIES.length) + SEARCH_QUERIES.length) % SEARCH_QUERIES.length;
  // How many messages each query matches: the cost of ranking every match grows with it.
  const counts: string[] = [];
  const matchCount = async (q: string, ids?: readonly number[]): Promise<number> => {
    const parsed = parseSearchQuery(q);
    const among = ids === undefined ? '' : ` AND ${engine === 'sqlite' ? '"rowid"' : '"id"'} IN (${ids.join(', ') || 'NULL'})`;
    const row =
      engine === 'sqlite'
        ? (await raw.all(`SELECT COUNT(*) AS "n" FROM "messages_fts" WHERE "messages_fts" MATCH ?${among}`, [ftsMatchExpression(parsed)]))[0]
        : (await raw.all(`SELECT COUNT(*) AS "n" FROM "messages" WHERE to_tsvector('simple'::regconfig, COALESCE("search_text", ''::text)) @@ to_tsquery('simple', ?)${among}`, [tsqueryText(parsed)]))[0];
    return Number(row?.['n'] ?? 0);
  };
  for (const q of SEARCH_QUERIES) counts.push(`${q}: ${await matchCount(q)}`);
  console.log(`${engine.padEnd(8)} search matches per query (${info.messages} messages): ${counts.join(', ')}`);
  for (const kind of kinds) {
    const baselines = SEARCH_QUERIES.map((q) => engineRankedSearch(engine, kind.op, q, limit));
    let found = 0;
    for (let k = 0; k < SEARCH_QUERIES.length; k++) {
      const ours = (kind.ids as (page: unknown) => number[])(await kind.library(SEARCH_QUERIES[k]!));
      const theirs = await raw.all(baselines[k]!.sql, baselines[k]!.parameters);
      if (ours.length !== theirs.length || (await matchCount(SEARCH_QUERIES[k]!, ours)) !== ours.length) {
        throw new Error(`${kind.op} "${SEARCH_QUERIES[k]}": the library gave ${ours.length} results, not all matches or not as many as the engine's ranking (${theirs.length})`);
      }
      found += ours.length;
    }
    if (found === 0) throw new Error(`${kind.op}: no query found anything; the dataset has no matching texts`);
    const stats = await measure(plan.reads, plan.readWarm, [
      (i) => kind.library(SEARCH_QUERIES[queryAt(i)]!),
      (i) => raw.all(baselines[queryAt(i)]!.sql, baselines[queryAt(i)]!.parameters),
    ]);
    record(engine, kind.op, kind.operation, info.messages, ['library', 'raw'], stats, `${SEARCH_QUERIES.length} queries in turn, matching ${counts.join(', ')}; raw ranks every match with the engine's bm25()/ts_rank()`);
  }
}

/**
 * PostgreSQL ingest with 1, 4 and 16 concurrent writers: the library (one
 * Database, pool as large as the writers) and the raw baseline (a client per
 * writer). Each writer records to its own users, and one message in five to a
 * handful of users every writer shares (rows they contend for). After an
 * untimed warm-up, library and raw alternate in two rounds per level.
 */
async function concurrentIngest(s: Setup, plan: Plan): Promise<void> {
  const shared = [7, 17, 27, 37, 47, 57, 67, 77];
  let clock = Date.UTC(2026, 6, 1);
  let seq = 0;
  for (const writers of plan.writers) {
    const lib = await openDatabase({ url: s.url, poolSize: Math.max(writers, 2) });
    const raws = await Promise.all(Array.from({ length: writers }, () => s.newRaw!()));
    const rawWriters = raws.map((r) => rawPeer(r.raw, shapesOf(lib), [], 'per-message'));
    const totals = { library: { ms: 0, messages: 0 }, raw: { ms: 0, messages: 0 } };
    try {
      const span = Math.floor(s.info.users / writers);
      const inputFor = (w: number, k: number): IngestInput => {
        const userId = k % 5 === 4 ? shared[k % shared.length]! : w * span + 1 + ((k * 7919) % Math.max(1, span - 1));
        const source = sourceOf(userId);
        const tag = `conc-${writers}-${w}-${++seq}`;
        clock += 10;
        return { userId, source, text: `bench ${tag}`, fb: source === 'messenger' ? tag : null, wa: source === 'whatsapp' ? tag : null, at: clock };
      };
      const perWriter = Math.max(1, Math.floor(plan.perLevel / 2 / writers));
      const run = (who: 'library' | 'raw', count: number): Promise<unknown> =>
        Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let k = 0; k < count; k++) {
              const i = inputFor(w, k);
              if (who === 'library') await lib.messages.recordInbound(libraryInput(i));
              else await rawWriters[w]!.recordInbound(i);
            }
          }),
        );
      // Untimed: fills the library's pool (connections open lazily) and prepares the raw clients' statements.
      for (const who of ['library', 'raw'] as const) await run(who, 5);
      for (let round = 0; round < 2; round++) {
        for (const who of ['library', 'raw'] as const) {
          const t = performance.now();
          await run(who, perWriter);
          totals[who].ms += performance.now() - t;
          totals[who].messages += perWriter * writers;
        }
      }
    } finally {
      await lib.close();
      for (const r of raws) await r.close();
    }
    for (const who of ['library', 'raw'] as const) {
      const perSecond = Math.round((totals[who].messages * 1000) / totals[who].ms);
      concurrency.push({ engine: 'postgres', writers, contender: who, messages: totals[who].messages, ms: Math.round(totals[who].ms), perSecond });
    }
    const l = concurrency[concurrency.length - 2]!;
    const r = concurrency[concurrency.length - 1]!;
    console.log(`postgres ${`ingest, ${writers} writers`.padEnd(28)} library ${String(l['perSecond'])} msg/s | raw ${String(r['perSecond'])} msg/s | x${(Number(l['perSecond']) / Number(r['perSecond'])).toFixed(2)} throughput`);
  }
}

/**
 * Export in a child process: throughput and its peak RSS, once with Node's default heap sizing
 * and once with the old generation capped, which shows how much of the peak is live data
 * rather than garbage V8 had no reason to collect yet.
 */
async function exportRuns(engine: Engine, url: string, raw: Raw): Promise<void> {
  const walSize = (): string => {
    if (engine !== 'sqlite') return '';
    const wal = `${url.slice('sqlite:'.length)}-wal`;
    return existsSync(wal) ? ` (WAL file ${(statSync(wal).size / 1e6).toFixed(0)} MB)` : ' (no WAL file)';
  };
  for (const [heapMB, checkpoint] of [[undefined, false], [96, false], [undefined, true]] as const) {
    if (checkpoint) {
      if (engine !== 'sqlite') continue;
      // Folds the WAL the ingest left into the database file first: measures the export alone.
      await raw.all('PRAGMA wal_checkpoint(TRUNCATE)');
    }
    console.log(`${engine.padEnd(8)} export starts${walSize()}`);
    const out = resolve('.tmp', 'bench', `export-${engine}.jsonl`);
    const flags = heapMB === undefined ? [] : [`--max-old-space-size=${heapMB}`];
    const child = execFileSync(process.execPath, [...flags, '--import', 'tsx', resolve(__dirname, 'export-child.ts'), url, out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exp = JSON.parse(child.trim().split('\n').pop()!) as { ms: number; rows: number; bytes: number; maxRssMB: number; baselineRssMB: number };
    rmSync(out, { force: true });
    const label = heapMB === undefined ? (checkpoint ? 'exportDatabase (after checkpoint)' : 'exportDatabase') : `exportDatabase (old space ${heapMB} MB)`;
    extras.push({ engine, operation: label, heapLimitMB: heapMB ?? null, checkpointFirst: checkpoint, ...exp, rowsPerSecond: Math.round((exp.rows * 1000) / exp.ms) });
    console.log(
      `${engine.padEnd(8)} ${label.padEnd(28)} ${exp.rows} rows in ${(exp.ms / 1000).toFixed(1)} s (${Math.round((exp.rows * 1000) / exp.ms)} rows/s, ${(exp.bytes / 1e6).toFixed(0)} MB), peak RSS ${exp.maxRssMB.toFixed(0)} MB (process before export ${exp.baselineRssMB.toFixed(0)} MB)`,
    );
  }
}

function shapesOf(db: Database): Shapes {
  return { user: shapeOf(db.dataSource, User), conversation: shapeOf(db.dataSource, Conversation), message: shapeOf(db.dataSource, Message) };
}

/** A loaded SQLite file with every contender on the library's one connection. */
async function sqliteSetup(size: DatasetSize, dir: string): Promise<Setup & { files: string[] }> {
  const file = join(dir, `bench-${size.users}-${size.messages}.db`);
  const files = [file, `${file}-wal`, `${file}-shm`];
  for (const f of files) rmSync(f, { force: true });
  const url = `sqlite:${file}`;
  await (await openDatabase({ url, migrate: true })).close();
  const loader = new BetterSqlite3(file);
  const t = performance.now();
  const info = loadSqlite(loader, size);
  loader.close();
  console.log(`sqlite   loaded ${size.users} users, ${size.messages} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const db = await openDatabase({ url });
  // Every contender on the library's connection: a second one would drop this one's page cache at each of its writes.
  const connection = (db.dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
  const shapes = shapesOf(db);
  const userColumns = db.dataSource.getMetadata(User).columns.map((c) => c.databaseName);
  const peers = [drizzleSqlitePeer(connection, shapes), kyselyPeer('sqlite', { sqlite: connection }, shapes, userColumns), typeormPeer('sqlite', db.dataSource, shapes)];
  return {
    engine: 'sqlite',
    url,
    db,
    raw: sqliteRaw(connection),
    info,
    peers,
    files,
    close: async () => {
      for (const p of peers) await p.close();
      await db.close();
      if (!process.env['BENCH_KEEP']) for (const f of files) rmSync(f, { force: true });
    },
  };
}

/** A loaded database on the server; the raw baseline on one client, Drizzle and Kysely on pools of their own. */
async function postgresSetup(size: DatasetSize, server: string): Promise<Setup> {
  const name = `migochat_bench_${process.pid}_${size.messages}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  await (await openDatabase({ url, migrate: true })).close();
  const client = new Client({ connectionString: url });
  await client.connect();
  const t = performance.now();
  const info = await loadPostgres(client, size);
  console.log(`postgres loaded ${size.users} users, ${size.messages} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const db = await openDatabase({ url });
  const shapes = shapesOf(db);
  const userColumns = db.dataSource.getMetadata(User).columns.map((c) => c.databaseName);
  const peers = [
    drizzlePgPeer(new Pool({ connectionString: url, max: 10 }), shapes),
    kyselyPeer('postgres', { pool: new Pool({ connectionString: url, max: 10 }) }, shapes, userColumns),
    typeormPeer('postgres', db.dataSource, shapes),
  ];
  return {
    engine: 'postgres',
    url,
    db,
    raw: pgRaw(client),
    info,
    peers,
    newRaw: async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return { raw: pgRaw(c), close: () => c.end() };
    },
    close: async () => {
      for (const p of peers) await p.close();
      await client.end();
      await db.close();
      // Without FORCE: a connection still closing would get a termination error (an 'error' event
      // on a pooled client nobody listens to, which ends the process). Wait for them instead.
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
          break;
        } catch (error) {
          if (attempt >= 20) {
            console.log(`postgres could not drop ${name}: ${(error as Error).message}`);
            break;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      await admin.end();
    },
  };
}

/** BENCH_DATABASE_URL, TEST_DATABASE_URL, or a throwaway local cluster with production durability (fsync on). */
async function postgresServer(notes: string[]): Promise<{ url: string; stop(): void } | undefined> {
  const given = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];
  if (given) return { url: given, stop: () => undefined };
  if (!canStartPostgres()) {
    const note = 'postgres skipped: no PostgreSQL binaries; set BENCH_DATABASE_URL or TEST_DATABASE_URL';
    if (process.env['CI']) throw new Error(note);
    console.log(note);
    notes.push(note);
    return undefined;
  }
  const durable = process.env['BENCH_PG_FSYNC'] !== 'off';
  // Later lines of postgresql.conf win: undo the test clusters' fsync = off.
  const cluster = await startCluster(durable ? ['fsync = on', 'synchronous_commit = on', 'full_page_writes = on'] : []);
  notes.push(
    `postgres: a throwaway local PostgreSQL 15 cluster started by the bench (${durable ? 'fsync on' : 'fsync, synchronous_commit and full_page_writes off (BENCH_PG_FSYNC=off)'}; otherwise default settings but shared_buffers 128MB, max_connections 300)`,
  );
  return { url: cluster.url, stop: () => cluster.stop() };
}

function versions(): Record<string, string> {
  const v = (p: string): string => (JSON.parse(readFileSync(resolve(__dirname, '..', 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  return Object.fromEntries(['typeorm', 'drizzle-orm', 'kysely', 'better-sqlite3', 'pg'].map((p) => [p, v(p)]));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: process.platform };
  const engines: Engine[] = args.engine === 'both' ? ['sqlite', 'postgres'] : [args.engine];
  const sizes: DatasetSize[] = (args.growth ? (args.quick ? [5_000, 20_000] : [10_000, 100_000, 1_000_000]) : [args.messages]).map((messages) => {
    const users = args.growth ? messages / 10 : args.users;
    return { users, messages, campaigns: Math.max(5, Math.min(200, Math.floor(users / 500))) };
  });
  const plan = planFor(args, args.growth);
  if (!Number.isInteger(args.block) || args.block < 1) throw new Error(`--block needs a whole number >= 1, got ${args.block}`);
  BLOCK = args.block;
  const stack = versions();
  console.log(`bench: ${JSON.stringify({ sizes, quick: args.quick, growth: args.growth, engines })} on ${JSON.stringify(machine)} with ${JSON.stringify(stack)}`);
  const dir = resolve('.tmp', 'bench');
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  const server = engines.includes('postgres') ? await postgresServer(notes) : undefined;
  const engineVersions: Record<string, string> = {};
  const file = args.out ? resolve(args.out) : resolve(__dirname, args.growth ? 'results-growth.json' : 'results.json');
  const save = (): void => {
    const size = sizes[sizes.length - 1]!;
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), args, size, sizes, machine, versions: { ...stack, ...engineVersions }, listForUserOrder: LIST_FOR_USER_ORDER, notes, results, concurrency, export: extras }, null, 2)}\n`,
    );
  };
  try {
    for (const engine of engines) {
      for (const size of sizes) {
        if (engine === 'postgres' && !server) continue;
        const s = engine === 'sqlite' ? await sqliteSetup(size, dir) : await postgresSetup(size, server!.url);
        try {
          const version = await s.raw.all(engine === 'sqlite' ? 'SELECT sqlite_version() AS v' : 'SHOW server_version');
          engineVersions[engine] = String(Object.values(version[0] ?? {})[0]);
          await benchEngine(s, plan, args.searchOnly);
        } finally {
          // Written before the teardown too: nothing measured is lost if that fails.
          save();
          await s.close();
        }
      }
    }
  } finally {
    server?.stop();
  }
  save();
  console.log(`wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
