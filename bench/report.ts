/**
 * Prints bench results as the Markdown tables of bench/RESULTS.md:
 *   npx tsx bench/report.ts [results.json ...]
 * (default bench/results.json). A main run gives, per engine, every
 * contender's median per operation with the library's ratios to the raw
 * driver and to the best peer, the targets of issue #13 checked, the
 * concurrent-writer throughput and the export; a --growth run gives the
 * library's time per operation at each dataset size.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface Stats {
  n: number;
  medianMs: number;
  p95Ms: number;
}
interface Result {
  engine: string;
  op?: string;
  operation: string;
  datasetMessages?: number;
  contenders?: Record<string, Stats>;
  // 0.1.0 results (library and raw only)
  library?: Stats;
  raw?: Stats;
  note?: string;
}
interface Results {
  date: string;
  args?: { growth?: boolean };
  size: { users: number; messages: number; campaigns: number };
  sizes?: Array<{ users: number; messages: number }>;
  machine: Record<string, unknown>;
  versions?: Record<string, string>;
  listForUserOrder?: string;
  notes?: string[];
  results: Result[];
  concurrency?: Array<{ engine: string; writers: number; contender: string; messages: number; ms: number; perSecond: number }>;
  export: Array<{ engine: string; operation?: string; heapLimitMB?: number | null; checkpointFirst?: boolean; ms: number; rows: number; bytes: number; maxRssMB: number; baselineRssMB: number; rowsPerSecond: number }>;
}

const PEERS = ['drizzle', 'kysely', 'typeorm'] as const;
const READS = new Set(['findByPsid', 'inboxFirst', 'inboxDeep', 'listForUser']);
/** The targets of issue #13, per engine: reads within this of raw, recordInbound at least this share of raw throughput. */
const TARGETS: Record<string, { reads: number; ingest: number }> = { sqlite: { reads: 1.1, ingest: 0.7 }, postgres: { reads: 1.2, ingest: 0.6 } };
const BATCH_TARGET = 0.9;
/** The target of issue #17: a two-word search's p95 at 1M messages, in ms. */
const SEARCH_P95_MS = 20;
const SEARCHES = new Set(['messageSearch', 'conversationSearch']);

const ms = (x: number): string => (x >= 100 ? x.toFixed(1) : x.toFixed(3));
const x2 = (x: number): string => `${x.toFixed(2)}x`;
const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');

function contendersOf(r: Result): Record<string, Stats> {
  return r.contenders ?? { library: r.library!, raw: r.raw! };
}

/** The best (lowest median) of Drizzle, Kysely and plain TypeORM. */
function bestPeer(c: Record<string, Stats>): { name: string; stats: Stats } | undefined {
  let best: { name: string; stats: Stats } | undefined;
  for (const name of PEERS) {
    const s = c[name];
    if (s && (!best || s.medianMs < best.stats.medianMs)) best = { name, stats: s };
  }
  return best;
}

/** The raw baseline a target compares with: the set-based one for batches. */
function baseline(r: Result): { name: string; stats: Stats } {
  const c = contendersOf(r);
  return c['raw set-based'] ? { name: 'raw set-based', stats: c['raw set-based'] } : { name: 'raw', stats: c['raw']! };
}

function mainTables(data: Results): void {
  const engines = [...new Set(data.results.map((r) => r.engine))];
  for (const engine of engines) {
    const rows = data.results.filter((r) => r.engine === engine);
    console.log(`### ${engine}, ${data.size.users.toLocaleString('en')} users / ${data.size.messages.toLocaleString('en')} messages\n`);
    console.log('Medians in ms (library p95 in parentheses); ratios are library time / other time, below 1 means the library is faster.\n');
    console.log('| operation | n | library | raw | raw set-based | Drizzle | Kysely | TypeORM | library / raw | library / best peer |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const c = contendersOf(r);
      const lib = c['library']!;
      const cell = (name: string): string => (c[name] ? ms(c[name]!.medianMs) : '');
      const base = baseline(r);
      const best = bestPeer(c);
      console.log(
        `| ${r.operation} | ${lib.n} | ${ms(lib.medianMs)} (${ms(lib.p95Ms)}) | ${cell('raw')} | ${cell('raw set-based')} | ${cell('drizzle')} | ${cell('kysely')} | ${cell('typeorm')} | ` +
          `${x2(lib.medianMs / base.stats.medianMs)}${base.name === 'raw' ? '' : ' (set-based)'} | ${best ? `${x2(lib.medianMs / best.stats.medianMs)} ${best.name}` : ''} |`,
      );
    }
    console.log('');
    targetTable(engine, rows);
    const conc = (data.concurrency ?? []).filter((c) => c.engine === engine);
    if (conc.length > 0) {
      console.log('| concurrent writers | library msg/s | raw msg/s | library / raw throughput |');
      console.log('|---|---|---|---|');
      for (const w of [...new Set(conc.map((c) => c.writers))]) {
        const l = conc.find((c) => c.writers === w && c.contender === 'library')!;
        const r = conc.find((c) => c.writers === w && c.contender === 'raw')!;
        console.log(`| ${w} | ${l.perSecond} | ${r.perSecond} | ${x2(l.perSecond / r.perSecond)} |`);
      }
      console.log('');
    }
    const exp = data.export.filter((e) => e.engine === engine);
    if (exp.length > 0) {
      console.log('| export | rows | seconds | rows/s | file MB | peak RSS MB | RSS before export MB |');
      console.log('|---|---|---|---|---|---|---|');
      for (const e of exp) {
        console.log(`| ${e.heapLimitMB ? `--max-old-space-size=${e.heapLimitMB}` : e.checkpointFirst ? 'after wal_checkpoint(TRUNCATE)' : 'default heap'} | ${e.rows} | ${(e.ms / 1000).toFixed(1)} | ${e.rowsPerSecond} | ${(e.bytes / 1e6).toFixed(0)} | ${e.maxRssMB.toFixed(0)} | ${e.baselineRssMB.toFixed(0)} |`);
      }
      console.log('');
    }
  }
}

function targetTable(engine: string, rows: Result[]): void {
  const t = TARGETS[engine];
  if (!t || !rows.some((r) => r.contenders)) return;
  console.log(`Against the targets (${engine}):\n`);
  console.log('| operation | target | measured | met? |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    const c = contendersOf(r);
    const lib = c['library']!;
    const best = bestPeer(c);
    if (best) console.log(`| ${r.operation} | no slower than the best peer | ${x2(lib.medianMs / best.stats.medianMs)} ${best.name} | ${yes(lib.medianMs <= best.stats.medianMs)} |`);
    const base = baseline(r);
    const vsRaw = lib.medianMs / base.stats.medianMs;
    if (READS.has(r.op ?? '')) console.log(`| ${r.operation} | within ${t.reads}x raw | ${x2(vsRaw)} | ${yes(vsRaw <= t.reads)} |`);
    if (r.op === 'recordInbound') console.log(`| ${r.operation} | >= ${t.ingest}x raw throughput | ${x2(1 / vsRaw)} | ${yes(1 / vsRaw >= t.ingest)} |`);
    if (r.op === 'recordInboundBatch') console.log(`| ${r.operation} | >= ${BATCH_TARGET}x set-based raw throughput | ${x2(1 / vsRaw)} | ${yes(1 / vsRaw >= BATCH_TARGET)} |`);
    if (SEARCHES.has(r.op ?? '')) console.log(`| ${r.operation} | p95 < ${SEARCH_P95_MS} ms (at 1M messages; here ${r.datasetMessages}) | p95 ${ms(lib.p95Ms)} ms | ${yes(lib.p95Ms < SEARCH_P95_MS)} |`);
  }
  console.log('');
}

function growthTables(data: Results): void {
  const sizes = [...new Set(data.results.map((r) => r.datasetMessages ?? 0))].sort((a, b) => a - b);
  for (const engine of [...new Set(data.results.map((r) => r.engine))]) {
    console.log(`### ${engine}: median ms per call by dataset size (messages; users a tenth), library (raw)\n`);
    console.log(`| operation | ${sizes.map((s) => s.toLocaleString('en')).join(' | ')} | library ${sizes[sizes.length - 1]!.toLocaleString('en')} / ${sizes[0]!.toLocaleString('en')} |`);
    console.log(`|---|${sizes.map(() => '---|').join('')}---|`);
    for (const op of [...new Set(data.results.filter((r) => r.engine === engine).map((r) => r.op ?? r.operation))]) {
      const at = sizes.map((s) => data.results.find((r) => r.engine === engine && (r.op ?? r.operation) === op && r.datasetMessages === s));
      const name = at.find((r) => r)!.operation.replace(/ \(@\d+\)$/, '');
      const cells = at.map((r) => {
        if (!r) return '';
        const c = contendersOf(r);
        return `${ms(c['library']!.medianMs)} (${ms(baseline(r).stats.medianMs)})`;
      });
      const first = at[0] && contendersOf(at[0])['library']!.medianMs;
      const last = at[at.length - 1] && contendersOf(at[at.length - 1]!)['library']!.medianMs;
      console.log(`| ${name} | ${cells.join(' | ')} | ${first && last ? x2(last / first) : ''} |`);
    }
    console.log('');
  }
}

for (const arg of process.argv.length > 2 ? process.argv.slice(2) : [resolve(__dirname, 'results.json')]) {
  const data = JSON.parse(readFileSync(resolve(arg), 'utf8')) as Results;
  console.log(
    `Run ${data.date}: ${data.args?.growth ? `growth, ${(data.sizes ?? []).map((s) => `${s.users}/${s.messages}`).join(', ')} users/messages` : `${data.size.users} users, ${data.size.messages} messages, ${data.size.campaigns} campaigns`}; ` +
      `machine ${JSON.stringify(data.machine)}${data.versions ? `; versions ${JSON.stringify(data.versions)}` : ''}${data.listForUserOrder ? `; listForUser by ${data.listForUserOrder}` : ''}\n`,
  );
  for (const n of data.notes ?? []) console.log(`Note: ${n}\n`);
  if (data.args?.growth) growthTables(data);
  else mainTables(data);
}
