import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { ConfigError } from '../errors';

/**
 * SQLite: TypeORM's step that makes the database file's folder, replaced:
 * folders are made one level at a time, and a new file is created owner-only.
 * @internal
 */
export function adaptSqliteFileCreation(dataSource: DataSource): void {
  const file = (dataSource.options as { database?: unknown }).database;
  (dataSource.driver as unknown as { createDatabaseDirectory: (dir: string) => Promise<void> }).createDatabaseDirectory = async (dir) => {
    await createMissingDirectories(dir);
    if (typeof file === 'string' && file !== ':memory:') createOwnerOnly(file);
  };
}

/**
 * SQLite: a new database file is created readable by its owner only (0600);
 * SQLite gives its -wal, -shm and -journal files the same mode. An existing
 * file keeps the mode it has.
 */
function createOwnerOnly(file: string): void {
  try {
    closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    // EEXIST: the file is there already; anything else is SQLite's to report when it opens the file.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return;
  }
}

/**
 * SQLite: creates the database file's missing folders one level at a time.
 * TypeORM uses a recursive `mkdir`, which on Node 20 never settles for a path
 * under a folder that cannot hold folders (such as `/proc`); one level at a
 * time fails at once with an error naming the folder.
 */
async function createMissingDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const folder of missing) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      throw new ConfigError('url', `cannot create the folder ${folder} for the SQLite file (${error.code ?? error.message}); use a path in a writable folder`, {
        cause: error,
      });
    });
  }
}
