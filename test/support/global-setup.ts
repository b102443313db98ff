// Gives every test file a real PostgreSQL: TEST_DATABASE_URL if set, otherwise
// a throwaway cluster started here and stopped at the end. Under CI=true a
// PostgreSQL that cannot be had fails the run instead of skipping.
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from './build';
import { canStartPostgres, startCluster, type PgCluster } from './pg-cluster';

let cluster: PgCluster | undefined;

export default async function setup(project: TestProject): Promise<() => void> {
  ensureBuilt();
  let url = process.env['TEST_DATABASE_URL'];
  if (!url) {
    if (!canStartPostgres()) {
      if (process.env['CI']) throw new Error('CI=true but PostgreSQL binaries are missing; set TEST_DATABASE_URL or install postgresql-15');
      console.warn('PostgreSQL not available: PostgreSQL tests are skipped (set TEST_DATABASE_URL).');
    } else {
      cluster = await startCluster();
      url = cluster.url;
    }
  }
  project.provide('pgUrl', url ?? '');
  if (url) process.env['TEST_DATABASE_URL'] = url;
  return () => cluster?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
