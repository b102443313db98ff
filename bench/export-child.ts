/**
 * Runs one exportDatabase in its own process so its peak RSS can be read:
 * `node --import tsx bench/export-child.ts <url> <out>`; prints one JSON line.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/database';
import { exportDatabase } from '../src/operations';

async function main(): Promise<void> {
  const [url, out] = process.argv.slice(2);
  if (!url || !out) throw new Error('usage: export-child.ts <url> <out>');
  const db = await openDatabase({ url });
  try {
    const baselineRssMB = process.memoryUsage().rss / 2 ** 20;
    const t = performance.now();
    const result = await exportDatabase(db, out);
    const ms = performance.now() - t;
    // resourceUsage().maxRSS is in kilobytes: the process's high-water mark.
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ ms, rows: result.rows, bytes: result.bytes, maxRssMB, baselineRssMB }));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
