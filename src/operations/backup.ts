/**
 * Engine-native backup and restore: {@link backupDatabase} and {@link restoreDatabase}.
 *
 * SQLite uses better-sqlite3's online backup API; PostgreSQL uses `pg_dump`
 * and `pg_restore` (the PostgreSQL client tools must be installed, of the
 * server's major version or newer). A backup restores into the same engine
 * only; to move between engines use `exportDatabase` / `importDatabase`.
 *
 * @module
 */
import { chmod, copyFile, rename, rm, stat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Engine } from '../column-types';
import type { Database } from '../database';
import { BackupError } from '../errors';
import { MIGRATIONS_TABLE } from '../migrations/history';
import {
  asBackupError,
  checkSqliteFile,
  errorText,
  libpqConnection,
  type ProgressCallback,
  runTool,
  stderrSummary,
  tablesOf,
} from './shared';
import { copySqliteDatabase } from './sqlite-copy';
import { assertNotLiveDatabase } from './target-guard';
import { createPrivateFile, makePrivate, removeStaleTempFiles, removeWithSidecars, tempPathFor } from './temp-files';

/** Options of {@link backupDatabase}. */
export interface BackupOptions {
  /**
   * Called as the backup advances: SQLite reports pages copied out of the
   * total, PostgreSQL tables dumped out of our tables.
   */
  onProgress?: ProgressCallback;
  /** PostgreSQL: the `pg_dump` program to run (default `pg_dump` on the `PATH`). */
  pgDumpPath?: string;
  /** PostgreSQL: the `pg_restore` program used to check the new backup (default `pg_restore` on the `PATH`). */
  pgRestorePath?: string;
  /**
   * SQLite: pages copied per step of the online backup (default 1000; the
   * application runs between steps). A write elsewhere restarts the copy;
   * once that has gone on for a second, the rest is copied in one step, so
   * a busy database is still backed up in bounded time.
   */
  pagesPerStep?: number;
}

/** What {@link backupDatabase} wrote. */
export interface BackupResult {
  /** The absolute path of the backup file. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** The engine it came from, and the only one it restores into. */
  engine: Engine;
  /** How long the backup took, in milliseconds. */
  durationMs: number;
}

/** Options of {@link restoreDatabase}. */
export interface RestoreOptions {
  /** PostgreSQL: the `pg_restore` program to run (default `pg_restore` on the `PATH`). */
  pgRestorePath?: string;
}

/** What {@link restoreDatabase} did. */
export interface RestoreResult {
  /** The absolute path of the backup that was restored. */
  file: string;
  /** The engine restored into. */
  engine: Engine;
  /** How long the restore took, in milliseconds. */
  durationMs: number;
}

/**
 * Writes a consistent backup of the whole database to `file`.
 *
 * - SQLite: SQLite's online backup API copies the database through a
 *   read-only connection of its own while the application keeps running
 *   (the library's own calls are not held up; the copy is one consistent
 *   moment). Writes elsewhere restart a copy made in steps; once that has
 *   gone on for a second, the rest is copied in one step, so a busy
 *   database is backed up in bounded time. The copy must
 *   then pass `PRAGMA integrity_check`. Works for `:memory:` databases too
 *   (copied in one step in the database's queue).
 * - PostgreSQL: `pg_dump --format=custom`, with the password passed in the
 *   `PGPASSWORD` environment variable, never on the command line; the archive
 *   is then read back with `pg_restore --list`.
 *
 * The backup is written to a temporary file in the same folder, owner-only
 * (mode 0600, like the backup itself: it holds every secret of the
 * database), and renamed into place only when complete and checked, so a
 * failed backup never leaves a half-written file under `file` and an older
 * backup there stays intact. An existing `file` is replaced. Temporary files
 * that a killed backup or export left in that folder are removed first.
 *
 * @param db - the database to back up.
 * @param file - where to write the backup.
 * @param options - progress callback, PostgreSQL tool paths, SQLite step size.
 * @returns the file, its size, the engine and the duration.
 * @throws {@link BackupError} when `file` is the live SQLite database or one
 * of its `-wal`/`-shm`/`-journal` files (under any path, link or hard link;
 * nothing is touched), or the backup fails (the reason says why, e.g.
 * `pg_dump` is not installed, or the folder does not exist).
 * @example
 * ```ts
 * const { file, bytes } = await backupDatabase(db, './backups/crm-2026-01-31.db');
 * ```
 */
export async function backupDatabase(db: Database, file: string, options: BackupOptions = {}): Promise<BackupResult> {
  const started = performance.now();
  const finalPath = resolve(file);
  await assertNotLiveDatabase(db, file, 'Backup');
  await removeStaleTempFiles(dirname(finalPath));
  const tmp = tempPathFor(finalPath);
  try {
    if (db.engine === 'sqlite') await copySqliteDatabase(db, tmp, options);
    else await backupPostgres(db, tmp, options);
    await rename(tmp, finalPath);
  } catch (error) {
    await removeWithSidecars(tmp).catch(() => undefined);
    throw asBackupError(error, `Backup to ${file} failed`);
  }
  const { size } = await stat(finalPath);
  return { file: finalPath, bytes: size, engine: db.engine, durationMs: Math.round(performance.now() - started) };
}

async function backupPostgres(db: Database, tmp: string, options: BackupOptions): Promise<void> {
  const conn = libpqConnection(db);
  const total = tablesOf(db).length + 1; // our tables and the migrations table
  let done = 0;
  options.onProgress?.(0, total);
  // pg_dump writes into the file as it finds it, so it keeps this owner-only mode.
  await createPrivateFile(tmp);
  const dump = await runTool(
    options.pgDumpPath ?? 'pg_dump',
    ['--format=custom', '--verbose', '--no-password', '--file', tmp, ...conn.args],
    conn.env,
    (line) => {
      if (/dumping contents of table/i.test(line)) options.onProgress?.(Math.min(++done, total), total);
    },
  );
  if (dump.code !== 0) {
    const full = /no space left on device|disk quota exceeded/i.test(dump.stderr) ? ' (the disk is full: free space or choose another folder, then retry)' : '';
    throw new BackupError(`pg_dump failed (exit code ${String(dump.code)}): ${stderrSummary(dump.stderr)}${full}`);
  }
  const check = await runTool(options.pgRestorePath ?? 'pg_restore', ['--list', tmp], conn.env);
  if (check.code !== 0) {
    throw new BackupError(`The new backup cannot be read back by pg_restore: ${stderrSummary(check.stderr)}`);
  }
  await makePrivate(tmp);
  options.onProgress?.(total, total);
}

/**
 * Replaces the whole database with a backup made by {@link backupDatabase}.
 * The file is checked first and a corrupt, truncated or foreign file is
 * refused, leaving the current database exactly as it was.
 *
 * - SQLite: the backup is copied next to the database file and checked
 *   there (`PRAGMA integrity_check` must say `ok`, and it must hold our
 *   `migrations` and `users` tables and no migration this version does not
 *   know); then, in the database's queue, the connection is closed, stale
 *   `-wal`/`-shm` files are removed, the copy is renamed over the database
 *   file (atomic) and the connection reopened. Stop other processes using
 *   the same file first: they would keep reading the replaced file. An
 *   in-memory database (`sqlite::memory:`) cannot be restored in place.
 * - PostgreSQL: the archive is read in full first (`pg_restore` to
 *   `/dev/null`: a truncated file fails here) and its table of contents must
 *   list our `migrations` and `users` tables; then
 *   `pg_restore --clean --if-exists --single-transaction --no-owner` runs
 *   into the database, so any failure rolls the whole restore back.
 *
 * After a restore the database is at the backup's migration; run
 * `db.migrate()` if the backup predates a newer migration. This process's
 * live subscribers ({@link Database.events}) get a `gap` with reason
 * `restored`, and the SQLite events feed reads the restored file.
 *
 * @param db - the database to overwrite.
 * @param file - a backup of the same engine.
 * @throws {@link BackupError} for a missing, corrupt, truncated or foreign
 * file (nothing changed), an in-memory SQLite database, or a failed restore.
 * @example
 * ```ts
 * await restoreDatabase(db, './backups/crm-2026-01-31.db');
 * ```
 */
export async function restoreDatabase(db: Database, file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const source = resolve(file);
  try {
    await stat(source);
  } catch (error) {
    throw new BackupError(`Cannot read the backup ${file}: ${errorText(error)}`, { cause: error });
  }
  try {
    if (db.engine === 'sqlite') await restoreSqlite(db, source, file);
    else await restorePostgres(db, source, file, options);
  } catch (error) {
    throw asBackupError(error, `Restore from ${file} failed`);
  }
  // What live subscribers show is of the replaced database now.
  await db.events.restored();
  return { file: source, engine: db.engine, durationMs: Math.round(performance.now() - started) };
}

async function restoreSqlite(db: Database, source: string, label: string): Promise<void> {
  const target = db.options.target;
  if (target.engine !== 'sqlite' || target.path === ':memory:' || target.path.startsWith('file::memory:')) {
    throw new BackupError(
      'An in-memory SQLite database (sqlite::memory:) cannot be restored in place; open the backup file itself, or restore into a file database',
    );
  }
  const targetPath = resolve(target.path);
  await removeStaleTempFiles(dirname(targetPath));
  const tmp = tempPathFor(targetPath);
  // The restored file keeps the database file's permissions, not the backup's owner-only ones.
  const mode = await stat(targetPath).then(
    (info) => info.mode & 0o777,
    () => undefined,
  );
  try {
    await createPrivateFile(tmp);
    await copyFile(source, tmp);
    const migrations = checkSqliteFile(db, tmp, `The backup ${label}`);
    const known = new Set(db.dataSource.migrations.map((m) => m.name ?? m.constructor.name));
    const unknown = migrations.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new BackupError(
        `The backup ${label} was made by a newer schema (migration ${unknown.join(', ')} unknown to this version of @migochat/db); upgrade first`,
      );
    }
    await Promise.all(['-wal', '-shm'].map((suffix) => rm(tmp + suffix, { force: true })));
    if (mode !== undefined) await chmod(tmp, mode);
    await db.run(async () => {
      await db.dataSource.destroy();
      try {
        // A WAL left beside the old file would be replayed into the new one.
        await Promise.all(['-wal', '-shm', '-journal'].map((suffix) => rm(targetPath + suffix, { force: true })));
        await rename(tmp, targetPath);
      } finally {
        await db.dataSource.initialize();
      }
    });
  } finally {
    await removeWithSidecars(tmp).catch(() => undefined);
  }
}

async function restorePostgres(db: Database, source: string, label: string, options: RestoreOptions): Promise<void> {
  const pgRestore = options.pgRestorePath ?? 'pg_restore';
  const conn = libpqConnection(db);
  const foreignHint = 'is it a PostgreSQL backup made by backupDatabase? (A SQLite backup restores only into SQLite; use importDatabase to move between engines.)';
  // Read the whole archive without touching the database: catches truncated and corrupt files.
  const full = await runTool(pgRestore, ['--file', devNull, source], conn.env);
  if (full.code !== 0) {
    throw new BackupError(`The backup ${label} is not a complete pg_dump archive (${stderrSummary(full.stderr)}); ${foreignHint}`);
  }
  const list = await runTool(pgRestore, ['--list', source], conn.env);
  if (list.code !== 0) {
    throw new BackupError(`The backup ${label} cannot be read by pg_restore (${stderrSummary(list.stderr)}); ${foreignHint}`);
  }
  const tables = new Set<string>();
  for (const line of list.stdout.split('\n')) {
    const match = /^\d+;\s+\d+\s+\d+\s+TABLE\s+(\S+)\s+(\S+)/.exec(line);
    if (match?.[2]) tables.add(match[2]);
  }
  for (const required of [MIGRATIONS_TABLE, 'users']) {
    if (!tables.has(required)) {
      throw new BackupError(`The backup ${label} is not a @migochat/db database: it has no "${required}" table`);
    }
  }
  const restore = await runTool(
    pgRestore,
    ['--clean', '--if-exists', '--single-transaction', '--exit-on-error', '--no-owner', '--no-password', ...conn.args, source],
    conn.env,
  );
  if (restore.code !== 0) {
    throw new BackupError(
      `pg_restore failed and was rolled back, so the database is as it was (exit code ${String(restore.code)}): ${stderrSummary(restore.stderr)}`,
    );
  }
}

