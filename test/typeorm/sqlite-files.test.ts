// SQLite: the database file's folders are made one level at a time and a new
// file is created owner-only (adaptSqliteFileCreation in src/typeorm/sqlite-files.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource } from '../../src/data-source';
import { openDatabase } from '../../src/database';
import { ConfigError } from '../../src/errors';
import { withInitialized } from '../support/database';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migochat-files-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the SQLite database file and its folders', () => {
  it('creates the missing parent folders of the database file', async () => {
    const file = join(tmp, 'a', 'b', 'c', 'crm.db');
    expect(existsSync(join(tmp, 'a'))).toBe(false);
    await withInitialized(createDataSource({ url: `sqlite:${file}` }), (ds) => ds.query('SELECT 1'));
    expect(existsSync(file)).toBe(true);
  });

  it('fails at once with ConfigError naming the folder when the folder of the file cannot be created', async () => {
    // A recursive mkdir under /proc never settles on Node 20; the folders are made one level at a time.
    const error = await openDatabase({ url: 'sqlite:/proc/migochat-nope/crm.db' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('url');
    expect((error as ConfigError).message).toContain('/proc/migochat-nope');
  });

  it('creates a new database file readable by its owner only', async () => {
    const file = join(tmp, 'owner-only.db');
    await withInitialized(createDataSource({ url: `sqlite:${file}` }), (ds) => ds.query('SELECT 1'));
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
  });

  it('leaves the mode of an existing database file alone', async () => {
    const file = join(tmp, 'shared.db');
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    await withInitialized(createDataSource({ url: `sqlite:${file}` }), (ds) => ds.query('SELECT 1'));
    expect((statSync(file).mode & 0o777).toString(8)).toBe('640');
  });
});
