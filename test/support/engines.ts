import { inject } from 'vitest';
import { createTestDatabase } from '../../src/testing';
import type { Database } from '../../src/database';

export type EngineName = 'sqlite' | 'postgres';

/** The engines to run a suite on: SQLite always, PostgreSQL when a server is provided. */
export function engines(): EngineName[] {
  return inject('pgUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

export function pgUrl(): string {
  return inject('pgUrl');
}

export function openTestDb(engine: EngineName): Promise<Database> {
  return createTestDatabase({ engine, url: engine === 'postgres' ? pgUrl() : undefined });
}
