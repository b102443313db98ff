/**
 * Prints bench/results.json (or the file given) as the Markdown tables of bench/RESULTS.md:
 * `npx tsx bench/report.ts [results.json]`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface Stats {
  n: number;
  medianMs: number;
  p95Ms: number;
}
interface Results {
  date: string;
  size: { users: number; messages: number; campaigns: number };
  machine: Record<string, unknown>;
  results: Array<{ engine: string; operation: string; library: Stats; raw: Stats; ratio: number; naive?: Stats; note?: string }>;
  export: Array<{ engine: string; operation?: string; heapLimitMB?: number | null; checkpointFirst?: boolean; ms: number; rows: number; bytes: number; maxRssMB: number; baselineRssMB: number; rowsPerSecond: number }>;
}

const file = resolve(process.argv[2] ?? resolve(__dirname, 'results.json'));
const data = JSON.parse(readFileSync(file, 'utf8')) as Results;
const ms = (x: number): string => x.toFixed(3);
console.log(`Run ${data.date}: ${data.size.users} users, ${data.size.messages} messages, ${data.size.campaigns} campaigns; machine ${JSON.stringify(data.machine)}\n`);
console.log('| engine | operation | n | library median ms | library p95 ms | raw median ms | raw p95 ms | library / raw time | notes |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of data.results) {
  const notes = [r.note, r.naive ? `save(): median ${ms(r.naive.medianMs)} ms, p95 ${ms(r.naive.p95Ms)} ms` : undefined].filter(Boolean).join('; ');
  console.log(
    `| ${r.engine} | ${r.operation} | ${r.library.n} | ${ms(r.library.medianMs)} | ${ms(r.library.p95Ms)} | ${ms(r.raw.medianMs)} | ${ms(r.raw.p95Ms)} | ${r.ratio.toFixed(2)}x | ${notes} |`,
  );
}
console.log('\n| engine | export | rows | seconds | rows/s | file MB | peak RSS MB | RSS before export MB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const e of data.export) {
  console.log(`| ${e.engine} | ${e.heapLimitMB ? `--max-old-space-size=${e.heapLimitMB}` : e.checkpointFirst ? 'after wal_checkpoint(TRUNCATE)' : 'default heap'} | ${e.rows} | ${(e.ms / 1000).toFixed(1)} | ${e.rowsPerSecond} | ${(e.bytes / 1e6).toFixed(0)} | ${e.maxRssMB.toFixed(0)} | ${e.baselineRssMB.toFixed(0)} |`);
}
