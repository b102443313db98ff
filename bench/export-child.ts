/**
 * Runs one exportDatabase in its own process so its peak RSS can be read:
 * `node --import tsx bench/export-child.ts <url> <out>`; prints one JSON line.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/database';
import { exportDatabase } from '../src/operations';

/** VmHWM from /proc/self/status in MB, or undefined where there is none. */
function highWaterMB(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

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
    // The high-water mark of this process's memory: VmHWM belongs to the address space made at
    // exec, while getrusage's maxRSS on Linux carries the parent's RSS at fork over (a 350 MB
    // bench parent made every export look 350 MB). Sampling is the fallback elsewhere.
    const maxRssMB = Math.max(peak.rssMB, highWaterMB() ?? 0);
    console.log(JSON.stringify({ ms, rows: result.rows, bytes: result.bytes, maxRssMB, baselineRssMB, peak }));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
