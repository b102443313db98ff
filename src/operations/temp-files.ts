/**
 * Temporary files of backups, exports and restores. They hold a full copy of
 * the data, secrets included, so they are created owner-only (0600) in the
 * target's own folder (a rename into place is then atomic), under a name that
 * says whose they are: `.<target>.migochat-tmp.<host>.<pid>.<random>.tmp`.
 * A process killed mid-backup cannot remove its temporary file; the next
 * backup, export or restore into the same folder does
 * ({@link removeStaleTempFiles}).
 *
 * @internal
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, open, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The mode of every file we write that holds data: read and write for the owner only. @internal */
export const PRIVATE_MODE = 0o600;

const MARK = '.migochat-tmp.';
const SUFFIX = '.tmp';
/** What SQLite may create beside a database file. */
const SIDECARS = ['-journal', '-wal', '-shm'] as const;
/** A temporary file untouched this long is stale whoever made it (a reused pid, another host). */
const ABANDONED_MS = 24 * 60 * 60 * 1000;

/** Four hex digits naming this machine, so a folder shared by several hosts tells their files apart. */
function hostTag(): string {
  return createHash('sha256').update(hostname()).digest('hex').slice(0, 4);
}

/** A temporary path next to `file` (same folder, so a rename is atomic), named as ours. @internal */
export function tempPathFor(file: string): string {
  const abs = resolve(file);
  return join(dirname(abs), `.${basename(abs)}${MARK}${hostTag()}.${process.pid}.${randomBytes(4).toString('hex')}${SUFFIX}`);
}

/** Who made a temporary file, read back from its name. @internal */
export interface TempFileOwner {
  /** The host tag, or `undefined` for the names of version 0.1.0 (`.<target>.<pid>.<random>.tmp`). */
  host: string | undefined;
  /** The process id. */
  pid: number;
}

const isHex = (text: string, length: number): boolean => text.length === length && /^[0-9a-f]+$/.test(text);
const isPid = (text: string): boolean => /^[1-9][0-9]{0,9}$/.test(text);

/**
 * The owner of one of our temporary files (or of a SQLite sidecar of one),
 * or `null` for any other name.
 * @internal
 */
export function tempFileOwner(name: string): TempFileOwner | null {
  let stem = name;
  for (const sidecar of SIDECARS) if (stem.endsWith(sidecar)) stem = stem.slice(0, -sidecar.length);
  if (!stem.startsWith('.') || !stem.endsWith(SUFFIX)) return null;
  const parts = stem.slice(0, -SUFFIX.length).split('.');
  const random = parts.pop() ?? '';
  const pid = parts.pop() ?? '';
  if (!isHex(random, 8) || !isPid(pid)) return null;
  const mark = stem.lastIndexOf(MARK);
  if (mark > 0) {
    const host = parts.pop() ?? '';
    if (!isHex(host, 4) || parts.pop() !== 'migochat-tmp') return null;
    return { host, pid: Number(pid) };
  }
  // Version 0.1.0: `.<target>.<pid>.<random>.tmp`, with a non-empty target.
  return parts.join('.').length > 1 ? { host: undefined, pid: Number(pid) } : null;
}

/** Whether a process with this id runs on this machine (a process of another user counts). @internal */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed runs left in `folder`: ours (by
 * name) whose process is gone from this machine, and any of ours untouched
 * for a day. Files of live processes, including this one, stay. Never
 * throws: a folder that cannot be read or a file that cannot be removed is
 * left for the next run.
 *
 * @returns the names removed.
 * @internal
 */
export async function removeStaleTempFiles(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const here = hostTag();
  const removed: string[] = [];
  for (const name of names) {
    const owner = tempFileOwner(name);
    if (!owner || (owner.pid === process.pid && owner.host !== undefined && owner.host === here)) continue;
    const path = join(folder, name);
    try {
      const info = await lstat(path);
      if (!info.isFile()) continue;
      const ours = owner.host === undefined || owner.host === here;
      const dead = ours && owner.pid !== process.pid && !isProcessAlive(owner.pid);
      if (!dead && Date.now() - info.mtimeMs < ABANDONED_MS) continue;
      await rm(path, { force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove: leave it.
    }
  }
  return removed;
}

/**
 * Creates an empty file readable and writable by its owner only, failing if
 * it exists. Programs that then write into it (SQLite, `pg_dump`) keep its mode.
 * @internal
 */
export async function createPrivateFile(path: string): Promise<void> {
  const handle = await open(path, 'wx', PRIVATE_MODE);
  try {
    // The umask may only take bits away; make the mode exact.
    await handle.chmod(PRIVATE_MODE);
  } finally {
    await handle.close();
  }
}

/** Sets a file's mode to owner-only. @internal */
export function makePrivate(path: string): Promise<void> {
  return chmod(path, PRIVATE_MODE);
}

/** Removes a file and the `-wal`/`-shm`/`-journal` files SQLite may have left beside it. @internal */
export async function removeWithSidecars(file: string): Promise<void> {
  await Promise.all(['', ...SIDECARS].map((suffix) => rm(file + suffix, { force: true })));
}
