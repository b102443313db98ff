/**
 * The SQLite half of `backupDatabase`: an online backup that finishes in
 * bounded time however busy the database is.
 *
 * SQLite's backup API restarts the copy from the first page whenever
 * another connection writes between two steps, so a copy made in small
 * steps of a continuously written database never ends. Here a file
 * database is copied through a second, read-only connection of its own (so
 * the library's queue is never held and its writes carry on), in steps of
 * `pagesPerStep` pages, so the application runs between steps. Once the
 * copy has been going for a second, the next restart makes the step after
 * it copy every remaining page at once, which no write can interrupt. The
 * copy thus ends within about a second plus one full copy, and is one
 * consistent moment of the database. An in-memory database, which no second
 * connection can see, is copied in one step inside the database's queue.
 *
 * @internal
 * @module
 */
import { rm } from 'node:fs/promises';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../database';
import { BackupError } from '../errors';
import { openSqliteFile, type ProgressCallback, sqliteHandle } from './shared';
import { createPrivateFile, makePrivate } from './temp-files';

/** Pages per step unless told otherwise (4 MiB of 4 KiB pages). */
export const DEFAULT_PAGES_PER_STEP = 1000;

/** What better-sqlite3 takes for "every remaining page". */
const ALL_PAGES = 0x7fffffff;

/** How long small steps may keep being restarted before the rest is copied in one step. */
export const RESTART_PATIENCE_MS = 1000;

/** A copy that makes no progress this long (a lock held elsewhere) gives up. */
const STALL_MS = 60_000;

/** Options of {@link copySqliteDatabase}. @internal */
export interface SqliteCopyOptions {
  /** Pages per step, until restarts make the copy take the rest in one step. */
  pagesPerStep?: number;
  /** Called after each step: pages copied out of the total. */
  onProgress?: ProgressCallback;
}

/** What a copy did, for tests and progress reports. @internal */
export interface SqliteCopyResult {
  /** Pages in the copy. */
  totalPages: number;
  /** Steps taken (including better-sqlite3's first, empty one). */
  steps: number;
  /** How often another connection's write restarted the copy. */
  restarts: number;
}

async function runBackup(handle: BetterSqlite3.Database, tmp: string, options: SqliteCopyOptions, allAtOnce: boolean): Promise<SqliteCopyResult> {
  const step = allAtOnce ? ALL_PAGES : Math.max(1, Math.floor(options.pagesPerStep ?? DEFAULT_PAGES_PER_STEP));
  let copiedBefore = -1;
  let steps = 0;
  let restarts = 0;
  let all = allAtOnce;
  const started = performance.now();
  let lastProgressAt = started;
  const result = await handle.backup(tmp, {
    progress: ({ totalPages, remainingPages }) => {
      steps++;
      const copied = totalPages - remainingPages;
      const now = performance.now();
      if (copied > copiedBefore) {
        lastProgressAt = now;
      } else if (copiedBefore > 0) {
        // Fewer pages than before: a write elsewhere restarted the copy. Past our patience, take the rest in one step.
        restarts++;
        if (now - started >= RESTART_PATIENCE_MS) all = true;
      }
      if (now - lastProgressAt > STALL_MS) {
        throw new BackupError(`The SQLite database stayed locked for ${STALL_MS / 1000} s during the backup; try again when it is less busy`);
      }
      copiedBefore = copied;
      options.onProgress?.(copied, totalPages);
      return all ? ALL_PAGES : step;
    },
  });
  options.onProgress?.(result.totalPages, result.totalPages);
  return { totalPages: result.totalPages, steps: steps + 1, restarts };
}

/**
 * Copies the SQLite database of `db` into the new file `tmp` (created here,
 * owner-only), then checks the copy with `PRAGMA integrity_check`.
 *
 * @throws {@link BackupError} when the copy fails its check or the database
 * stays locked; the driver's error when the copy cannot be written.
 * @internal
 */
export async function copySqliteDatabase(db: Database, tmp: string, options: SqliteCopyOptions = {}): Promise<SqliteCopyResult> {
  await createPrivateFile(tmp);
  const main = sqliteHandle(db);
  let result: SqliteCopyResult;
  if (main.memory) {
    // Only this connection sees the data: copy it in one step, with no transaction of ours open.
    result = await db.run(() => runBackup(main, tmp, options, true));
  } else {
    const source = openSqliteFile(db, main.name, { readonly: true });
    try {
      result = await runBackup(source, tmp, options, false);
    } finally {
      source.close();
    }
  }
  const copy = openSqliteFile(db, tmp, { readonly: true });
  try {
    const verdict = (copy.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (verdict.length !== 1 || verdict[0] !== 'ok') {
      throw new BackupError(`The backup copy failed the SQLite integrity check: ${verdict.slice(0, 5).join('; ')}`);
    }
  } finally {
    copy.close();
  }
  // Opening the copy may leave empty -wal/-shm files beside it; they must not travel with it.
  await Promise.all(['-wal', '-shm'].map((suffix) => rm(tmp + suffix, { force: true })));
  await makePrivate(tmp);
  return result;
}
