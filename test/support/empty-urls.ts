// URLs of empty databases that outlive a Database object: a file in the
// suite's temporary folder (SQLite) or a database of its own on the test
// server (PostgreSQL), dropped after each test.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgUrl, type EngineName } from './engines';
import { emptyDatabase } from './pg-cluster';

/** Hands out URLs of empty databases on either engine; removes them after each test. */
export interface EmptyUrls {
  /** A URL of a new, empty (not migrated) database on `engine`. */
  url(engine: EngineName): Promise<string>;
  /** The suite's temporary folder (SQLite files live here). */
  readonly dir: string;
}

/** Call at the top of a suite: registers the hooks that make and remove the databases. */
export function useEmptyUrls(prefix = 'migochat-urls-'): EmptyUrls {
  let dir = '';
  const drops: Array<() => Promise<void>> = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const drop of drops.splice(0)) await drop();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    async url(engine) {
      if (engine === 'sqlite') return `sqlite:${join(dir, `${Math.random().toString(36).slice(2)}.db`)}`;
      const db = await emptyDatabase(pgUrl());
      drops.push(db.drop);
      return db.url;
    },
  };
}
