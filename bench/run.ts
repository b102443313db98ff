/**
 * The benchmark: `npm run bench -- [--quick] [--users N] [--messages N] [--engine sqlite|postgres|both]`.
 *
 * Each operation is timed through the library and through a raw-driver
 * baseline doing the same work with hand-written SQL, in the same process and
 * run; median and p95 after a warm-up. Prints a table and writes
 * bench/results.json. No assertion on timings: this reports, CI only checks it runs.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { openDatabase, type Database } from '../src/database';
import { Message } from '../src/entities/message.entity';
import { User } from '../src/entities/user.entity';
import { MessageSource } from '../src/enums';
import { loadPostgres, loadSqlite, rng, sqliteTime, type DatasetInfo } from './dataset';

type Engine = 'sqlite' | 'postgres';

interface Args {
  quick: boolean;
  users: number;
  messages: number;
  engine: 'sqlite' | 'postgres' | 'both';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, users: 100_000, messages: 1_000_000, engine: 'sqlite' };
  let sizeGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--users') ((args.users = Number(next())), (sizeGiven = true));
    else if (a === '--messages') ((args.messages = Number(next())), (sizeGiven = true));
    else if (a === '--engine') {
      const e = next();
      if (e !== 'sqlite' && e !== 'postgres' && e !== 'both') throw new Error(`--engine sqlite|postgres|both, got ${e}`);
      args.engine = e;
    } else throw new Error(`unknown argument ${a}`);
  }
  if (args.quick && !sizeGiven) {
    args.users = 2_000;
    args.messages = 20_000;
  }
  return args;
}

/** Raw driver access with `?` placeholders (rewritten to `$n` for pg). */
interface Raw {
  all(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  run(sql: string, params?: unknown[]): Promise<void>;
  tx<T>(fn: () => Promise<T>): Promise<T>;
  time(ms: number): unknown;
  close(): Promise<void>;
}

/**
 * The raw SQLite baseline runs its own cached statements on the library's
 * better-sqlite3 connection. A second connection would compete with it: each
 * write through one drops the page cache of the other, so interleaved timings
 * would measure cache refills (calls never overlap: the bench awaits each one).
 */
function sqliteRaw(db: BetterSqlite3.Database): Raw {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const stmt = (sql: string): BetterSqlite3.Statement => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    all: async (sql, params = []) => {
      const s = stmt(sql);
      return s.reader ? (s.all(params) as Array<Record<string, unknown>>) : (s.run(params), []);
    },
    run: async (sql, params = []) => void stmt(sql).run(params),
    tx: async (fn) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn();
        db.exec('COMMIT');
        return r;
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
    },
    time: (ms) => sqliteTime(ms),
    close: async () => undefined,
  };
}

function pgRaw(client: Client): Raw {
  const names = new Map<string, string>();
  const convert = (sql: string): string => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const query = async (sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> => {
    let name = names.get(sql);
    if (!name) names.set(sql, (name = `b${names.size}`));
    // Named statements: prepared once per connection, as TypeORM's pg driver does not.
    return (await client.query({ name, text: convert(sql), values: params })).rows as Array<Record<string, unknown>>;
  };
  return {
    all: (sql, params = []) => query(sql, params),
    run: async (sql, params = []) => void (await query(sql, params)),
    tx: async (fn) => {
      await client.query('BEGIN');
      try {
        const r = await fn();
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    },
    time: (ms) => new Date(ms),
    close: () => client.end(),
  };
}

interface Stats {
  n: number;
  medianMs: number;
  p95Ms: number;
  totalMs: number;
}

/**
 * Times contenders doing the same operation, interleaved: `block` calls of
 * each in turn, until every one has made `iterations` calls. The machine's
 * load drifts (shared vCPUs); interleaving gives every contender the same
 * conditions, so their ratio means something. Warm-up calls are not timed.
 */
async function measure(iterations: number, warmup: number, block: number, contenders: ReadonlyArray<(i: number) => Promise<unknown>>): Promise<Stats[]> {
  for (const fn of contenders) for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const times = contenders.map(() => [] as number[]);
  const totals = contenders.map(() => 0);
  for (let done = 0; done < iterations; done += block) {
    for (let c = 0; c < contenders.length; c++) {
      for (let i = done; i < Math.min(iterations, done + block); i++) {
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

/** {@link measure} for the library and its raw baseline, one call each in turn. */
async function pair(iterations: number, warmup: number, library: (i: number) => Promise<unknown>, raw: (i: number) => Promise<unknown>): Promise<[Stats, Stats]> {
  const [a, b] = await measure(iterations, warmup, 1, [library, raw]);
  return [a!, b!];
}

interface Result {
  engine: Engine;
  operation: string;
  library: Stats;
  raw: Stats;
  /** library median / raw median (time ratio; for ingest compare throughput = 1/ratio). */
  ratio: number;
  naive?: Stats;
  note?: string;
}

const results: Result[] = [];
const extras: Array<Record<string, unknown>> = [];

function record(engine: Engine, operation: string, library: Stats, raw: Stats, naive?: Stats, note?: string): void {
  const r: Result = { engine, operation, library, raw, ratio: library.medianMs / raw.medianMs, ...(naive ? { naive } : {}), ...(note ? { note } : {}) };
  results.push(r);
  const f = (x: number): string => x.toFixed(3).padStart(9);
  console.log(
    `${engine.padEnd(8)} ${operation.padEnd(26)} lib med ${f(library.medianMs)} p95 ${f(library.p95Ms)} | raw med ${f(raw.medianMs)} p95 ${f(raw.p95Ms)} | x${r.ratio.toFixed(2)}` +
      (naive ? ` | save() med ${f(naive.medianMs)} (lib ${(naive.medianMs / library.medianMs).toFixed(1)}x faster)` : '') +
      (note ? ` | ${note}` : ''),
  );
}

/** The raw equivalent of recordInbound: the same lookups, insert and counter updates in one transaction. */
async function rawRecordInbound(raw: Raw, engine: Engine, input: RawInput): Promise<void> {
  await raw.tx(() => rawRecordInboundWork(raw, engine, input));
}

interface RawInput {
  userId: number;
  source: string;
  text: string;
  fb: string | null;
  wa: string | null;
  at: number;
}

/** recordInbound's statements, inside the caller's transaction. */
async function rawRecordInboundWork(raw: Raw, engine: Engine, input: RawInput): Promise<void> {
  await (async () => {
    const dup = input.fb
      ? await raw.all('SELECT * FROM "messages" WHERE "facebook_message_id" = ? LIMIT 1', [input.fb])
      : await raw.all('SELECT * FROM "messages" WHERE "whatsapp_message_id" = ? LIMIT 1', [input.wa]);
    if (dup.length > 0) return;
    const user = await raw.all('SELECT 1 FROM "users" WHERE "id" = ?', [input.userId]);
    if (user.length === 0) throw new Error('no user');
    let conv = await raw.all('SELECT "id" FROM "conversations" WHERE "user_id" = ? AND "source" = ? AND "is_active" = true', [input.userId, input.source]);
    if (conv.length === 0) {
      conv = await raw.all(
        'INSERT INTO "conversations" ("user_id", "source", "started_at") VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING "id"',
        [input.userId, input.source, raw.time(input.at)],
      );
    }
    const conversationId = Number(conv[0]!['id']);
    const at = raw.time(input.at);
    const inserted = await raw.all(
      `INSERT INTO "messages" ("user_id", "conversation_id", "facebook_message_id", "whatsapp_message_id", "text", "direction", "source", "sent_at")
       VALUES (?, ?, ?, ?, ?, 'inbound', ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      [input.userId, conversationId, input.fb, input.wa, input.text, input.source, at],
    );
    const now = engine === 'sqlite' ? "strftime('%Y-%m-%d %H:%M:%f', 'now')" : 'CURRENT_TIMESTAMP';
    await raw.all(
      `UPDATE "conversations" SET "message_count" = "message_count" + 1,
         "last_message_text" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" <= ? THEN ? ELSE "last_message_text" END,
         "last_message_at" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ? THEN ? ELSE "last_message_at" END,
         "updated_at" = ${now} WHERE "id" = ? RETURNING *`,
      [at, input.text, at, at, conversationId],
    );
    await raw.run(
      `UPDATE "users" SET "last_message_at" = CASE WHEN "last_message_at" IS NULL OR "last_message_at" < ? THEN ? ELSE "last_message_at" END, "updated_at" = ${now} WHERE "id" = ?`,
      [at, at, input.userId],
    );
    if (inserted.length === 0) throw new Error('duplicate');
  })();
}

async function benchEngine(engine: Engine, args: Args, url: string, raw: Raw, info: DatasetInfo, db: Database): Promise<void> {
  const q = args.quick;
  const random = rng(7);
  const pick = (n: number): number => 1 + Math.floor(random() * n);
  const userSource = (u: number): MessageSource => ((u - 1) % 2 === 0 ? MessageSource.MESSENGER : MessageSource.WHATSAPP);
  let seq = 0;
  const nextInput = (): { userId: number; source: MessageSource; text: string; fb: string | null; wa: string | null; at: number } => {
    const userId = pick(info.users);
    const source = userSource(userId);
    seq++;
    return {
      userId,
      source,
      text: `bench message ${seq}`,
      fb: source === MessageSource.MESSENGER ? `bench-mid-${engine}-${seq}` : null,
      wa: source === MessageSource.WHATSAPP ? `bench-wamid-${engine}-${seq}` : null,
      at: Date.UTC(2026, 0, 1) + seq * 1000,
    };
  };
  const libInput = (i: ReturnType<typeof nextInput>) => ({
    userId: i.userId,
    source: i.source,
    text: i.text,
    ...(i.fb ? { facebookMessageId: i.fb } : {}),
    ...(i.wa ? { whatsappMessageId: i.wa } : {}),
    sentAt: new Date(i.at),
  });

  // Ingest, one at a time.
  // Warm-ups long enough for V8 to optimise the library's code paths (measured: after 200
  // calls recordInbound still ran ~50% slower than after 1,000); the raw baseline is a few
  // lines and is optimised almost at once, so a short warm-up would favour it.
  const ingestN = q ? 50 : 1000;
  const ingestWarm = q ? 20 : 1000;
  const repo = db.dataSource.getRepository(Message);
  const naiveSave = (): Promise<unknown> => {
    const i = nextInput();
    return repo.save(
      Object.assign(new Message(), {
        userId: i.userId,
        conversationId: i.userId, // one conversation per user, same id, in the dataset
        text: i.text,
        facebookMessageId: i.fb,
        whatsappMessageId: i.wa,
        direction: 'inbound',
        source: i.source,
        sentAt: new Date(i.at),
      }),
    );
  };
  const [lib, rawIngest, naive] = (await measure(ingestN, ingestWarm, 1, [
    () => db.messages.recordInbound(libInput(nextInput())),
    () => rawRecordInbound(raw, engine, nextInput()),
    naiveSave,
  ])) as [Stats, Stats, Stats];
  record(engine, 'recordInbound (1 msg)', lib, rawIngest, naive, `lib ${(1000 / lib.medianMs).toFixed(0)} msg/s, raw ${(1000 / rawIngest.medianMs).toFixed(0)} msg/s`);

  // Batch ingest.
  const batch = q ? 100 : 1000;
  const batches = q ? 3 : 10;
  const [libB, rawB] = (await measure(batches, q ? 1 : 3, 1, [
    () => db.messages.recordInboundBatch(Array.from({ length: batch }, () => libInput(nextInput()))),
    // The raw baseline: the same per-message work, one transaction for the whole batch.
    async () => {
      const inputs = Array.from({ length: batch }, () => nextInput());
      await raw.tx(async () => {
        for (const i of inputs) await rawRecordInboundWork(raw, engine, i);
      });
    },
  ])) as [Stats, Stats];
  const perMessage = libB.medianMs / batch;
  record(
    engine,
    `recordInboundBatch (${batch})`,
    libB,
    rawB,
    undefined,
    `lib ${((batch * 1000) / libB.medianMs).toFixed(0)} msg/s, raw ${((batch * 1000) / rawB.medianMs).toFixed(0)} msg/s; ${perMessage.toFixed(3)} ms/msg = ${(naive.medianMs / perMessage).toFixed(1)}x faster than save()`,
  );

  // Reads.
  const reads = q ? 100 : 2000;
  const warm = q ? 10 : 1000;
  // The same columns the library returns: the conversation and its whole user.
  const userColumns = db.dataSource
    .getMetadata(User)
    .columns.map((c) => `u."${c.databaseName}" AS "u_${c.databaseName}"`)
    .join(', ');
  const inboxSql = (deep: boolean): string =>
    `SELECT c.*, ${userColumns}
     FROM "conversations" c INNER JOIN "users" u ON u."id" = c."user_id"
     WHERE c."is_active" = true AND c."last_message_at" IS NOT NULL${deep ? ' AND c."last_message_at" <= ? AND (c."last_message_at" < ? OR c."id" < ?)' : ''}
     ORDER BY c."last_message_at" DESC, c."id" DESC LIMIT 21`;
  record(
    engine,
    'inbox first page (20)',
    ...(await pair(reads, warm, () => db.conversations.inbox({ limit: 20 }), () => raw.all(inboxSql(false)))),
  );
  // A deep page: after walking `depth` conversations.
  const depth = Math.min(q ? 400 : 10_000, Math.floor(info.conversations / 2));
  let page = await db.conversations.inbox({ limit: 500 });
  let walked = page.items.length;
  while (walked < depth && page.nextCursor) {
    page = await db.conversations.inbox({ limit: Math.min(500, depth - walked), cursor: page.nextCursor });
    walked += page.items.length;
  }
  const lastItem = page.items[page.items.length - 1]!;
  const deepCursor = page.nextCursor ?? undefined;
  const deepAt = raw.time(lastItem.lastMessageAt!.getTime());
  record(
    engine,
    `inbox deep page (@${walked})`,
    ...(await pair(reads, warm, () => db.conversations.inbox({ limit: 20, cursor: deepCursor }), () => raw.all(inboxSql(true), [deepAt, deepAt, lastItem.id]))),
  );
  record(
    engine,
    'findByPsid',
    ...(await pair(reads, warm, () => db.users.findByPsid(`psid-${pick(info.users)}`), () => raw.all('SELECT * FROM "users" WHERE "psid" = ? LIMIT 1', [`psid-${pick(info.users)}`]))),
  );
  record(
    engine,
    'messages.listForUser (50)',
    ...(await pair(reads, warm, () => db.messages.listForUser(pick(info.users), { limit: 50 }), () =>
      raw.all('SELECT * FROM "messages" WHERE "user_id" = ? ORDER BY "created_at" DESC, "id" DESC LIMIT 51', [pick(info.users)]),
    )),
  );
  const aggN = q ? 10 : 50;
  record(
    engine,
    'leadFunnel',
    ...(await pair(aggN, q ? 3 : 20, () => db.users.leadFunnel(), () => raw.all('SELECT "lead_stage" AS stage, COUNT(*) AS count FROM "users" GROUP BY "lead_stage"'))),
  );
  record(
    engine,
    'adCampaigns.performance',
    ...(await pair(aggN * 4, q ? 5 : 500, () => db.adCampaigns.performance(pick(info.campaigns)), async () => {
      const id = pick(info.campaigns);
      await raw.all('SELECT * FROM "ad_campaigns" WHERE "id" = ?', [id]);
      await raw.all('SELECT COUNT(*) AS count FROM "messages" WHERE "ad_campaign_id" = ?', [id]);
    })),
  );

  // Export in a child process: throughput and its peak RSS, once with Node's default heap sizing
  // and once with the old generation capped, which shows how much of the peak is live data
  // rather than garbage V8 had no reason to collect yet.
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
      `${engine.padEnd(8)} ${label.padEnd(26)} ${exp.rows} rows in ${(exp.ms / 1000).toFixed(1)} s (${Math.round((exp.rows * 1000) / exp.ms)} rows/s, ${(exp.bytes / 1e6).toFixed(0)} MB), peak RSS ${exp.maxRssMB.toFixed(0)} MB (process before export ${exp.baselineRssMB.toFixed(0)} MB)`,
    );
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const size = { users: args.users, messages: args.messages, campaigns: Math.max(5, Math.min(200, Math.floor(args.users / 500))) };
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: process.platform };
  console.log(`bench: ${JSON.stringify({ ...size, quick: args.quick, engine: args.engine })} on ${JSON.stringify(machine)}`);
  const dir = resolve('.tmp', 'bench');
  mkdirSync(dir, { recursive: true });
  const engines: Engine[] = args.engine === 'both' ? ['sqlite', 'postgres'] : [args.engine];
  const notes: string[] = [];
  for (const engine of engines) {
    if (engine === 'sqlite') {
      const file = join(dir, `bench-${size.users}-${size.messages}.db`);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      const url = `sqlite:${file}`;
      (await openDatabase({ url, migrate: true })).close();
      const loader = new BetterSqlite3(file);
      const t = performance.now();
      const info = loadSqlite(loader, size);
      loader.close();
      console.log(`sqlite   loaded ${size.users} users, ${size.messages} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const db = await openDatabase({ url });
      const raw = sqliteRaw((db.dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection);
      try {
        await benchEngine('sqlite', args, url, raw, info, db);
      } finally {
        await raw.close();
        await db.close();
        if (!process.env['BENCH_KEEP']) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      }
    } else {
      const server = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];
      if (!server) {
        const note = 'postgres skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL';
        console.log(note);
        notes.push(note);
        continue;
      }
      const name = `migochat_bench_${process.pid}`;
      const admin = new Client({ connectionString: server });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
      const u = new URL(server);
      u.pathname = `/${name}`;
      const url = u.toString();
      try {
        (await openDatabase({ url, migrate: true })).close();
        const client = new Client({ connectionString: url });
        await client.connect();
        const t = performance.now();
        const info = await loadPostgres(client, size);
        console.log(`postgres loaded ${size.users} users, ${size.messages} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        const db = await openDatabase({ url });
        const raw = pgRaw(client);
        try {
          await benchEngine('postgres', args, url, raw, info, db);
        } finally {
          await raw.close();
          await db.close();
        }
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    }
  }
  const file = resolve(__dirname, 'results.json');
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), args, size, machine, notes, results, export: extras }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
