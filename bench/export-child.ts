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
    // Where the memory is, sampled while the export runs (the peak of each part).
    const peak = { heapUsedMB: 0, externalMB: 0, arrayBuffersMB: 0, rssMB: 0 };
    const sample = (): void => {
      const u = process.memoryUsage();
      peak.heapUsedMB = Math.max(peak.heapUsedMB, u.heapUsed / 2 ** 20);
      peak.externalMB = Math.max(peak.externalMB, u.external / 2 ** 20);
      peak.arrayBuffersMB = Math.max(peak.arrayBuffersMB, u.arrayBuffers / 2 ** 20);
      peak.rssMB = Math.max(peak.rssMB, u.rss / 2 ** 20);
    };
    const timer = setInterval(sample, 50);
    const t = performance.now();
    const result = await exportDatabase(db, out);
    const ms = performance.now() - t;
    clearInterval(timer);
    sample();
    // resourceUsage().maxRSS is in kilobytes: the process's high-water mark.
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ ms, rows: result.rows, bytes: result.bytes, maxRssMB, baselineRssMB, peak }));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
