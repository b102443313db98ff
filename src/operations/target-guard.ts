/**
 * Refuses to write a backup or an export over the live SQLite database or
 * one of its `-wal`/`-shm`/`-journal` files, however the path is spelled:
 * `./crm.db`, `data/../crm.db`, a symbolic link to it, or a hard link (the
 * same inode under another name).
 *
 * @internal
 * @module
 */
import type { Stats } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Database } from '../database';
import { BackupError } from '../errors';
import { sqliteHandle } from './shared';

const SIDECARS = [
  { suffix: '', what: 'the live database file' },
  { suffix: '-wal', what: "the live database's write-ahead log" },
  { suffix: '-shm', what: "the live database's shared-memory file" },
  { suffix: '-journal', what: "the live database's rollback journal" },
] as const;

/** Symbolic links followed before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;

const statOrNull = (path: string): Promise<Stats | null> => stat(path).catch(() => null);

/** Case-insensitive file systems are the default on macOS and Windows. */
const foldCase = process.platform === 'darwin' || process.platform === 'win32';
const samePath = (a: string, b: string): boolean => (foldCase ? a.toLowerCase() === b.toLowerCase() : a === b);

/**
 * Where a path ends up once every symbolic link is followed, whether or not
 * the final file exists: `realpath` of the folder plus the name, following a
 * dangling link by hand.
 */
async function finalPath(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    const real = await realpath(current).catch(() => null);
    if (real) return real;
    const folder = await realpath(dirname(current)).catch(() => dirname(current));
    const here = join(folder, basename(current));
    const info = await lstat(here).catch(() => null);
    if (!info?.isSymbolicLink()) return here;
    current = resolve(folder, await readlink(here));
  }
  return current;
}

/**
 * Throws a {@link BackupError} when `file` is the database of `db` or one of
 * its sidecar files (compared by real path and by device and inode), so a
 * backup or export aimed at it touches nothing. PostgreSQL and in-memory
 * SQLite databases have no file to protect.
 *
 * @param file - the target, as the caller spelled it.
 * @param action - what was asked, for the message: `Backup` or `Export`.
 * @internal
 */
export async function assertNotLiveDatabase(db: Database, file: string, action: string): Promise<void> {
  if (db.engine !== 'sqlite') return;
  const handle = sqliteHandle(db);
  if (handle.memory || handle.name === '' || handle.name === ':memory:') return;
  const database = await finalPath(handle.name);
  const target = await finalPath(file);
  const targetStat = await statOrNull(target);
  for (const { suffix, what } of SIDECARS) {
    const live = database + suffix;
    let same = samePath(target, live);
    if (!same && targetStat) {
      const liveStat = await statOrNull(live);
      same = liveStat !== null && liveStat.dev === targetStat.dev && liveStat.ino === targetStat.ino;
    }
    if (same) {
      throw new BackupError(
        `${action} to ${file} refused: it is ${what} ${live}, and writing there would destroy the database. Choose a file outside the database's own files (nothing was written)`,
      );
    }
  }
}
