import { inject } from 'vitest';
import { createTestDatabase, type TestDatabaseOptions } from '../../src/testing';
import type { Database } from '../../src/database';

export type EngineName = 'sqlite' | 'postgres';

/** The engines to run a suite on: SQLite always, PostgreSQL when a server is provided. */
export function engines(): EngineName[] {
  return inject('pgUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

export function pgUrl(): string {
  return inject('pgUrl');
}

/** Options of {@link openTestDb}. */
export interface OpenTestDbOptions {
  /** SQLite: this file instead of an in-memory database (PostgreSQL ignores it: it always gets a fresh database). */
  sqliteFile?: string;
  /** Further options passed to `openDatabase` (pool size, timeouts, ...). */
  options?: TestDatabaseOptions['options'];
}

/**
 * A migrated database of its own on `engine`: SQLite in memory (or in
 * `sqliteFile`), or a fresh database on the test PostgreSQL server, dropped by
 * `close()`. For one database per suite, use `useTestDatabase`.
 */
export function openTestDb(engine: EngineName, { sqliteFile, options }: OpenTestDbOptions = {}): Promise<Database> {
  const url = engine === 'postgres' ? pgUrl() : sqliteFile === undefined ? undefined : `sqlite:${sqliteFile}`;
  return createTestDatabase({ engine, url, options });
}
