// Capturing the SQL a repository call runs, and its query plan on either engine.
import type { Database } from '../../src/database';
import type { EngineName } from './engines';

/** Records the SQL the database runs while `fn` runs. */
export async function captureQueries(db: Database, fn: () => Promise<unknown>): Promise<Array<{ sql: string; params: unknown[] }>> {
  const logger = db.dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const seen: Array<{ sql: string; params: unknown[] }> = [];
  logger.logQuery = (query, parameters, runner) => {
    seen.push({ sql: query, params: [...((parameters as unknown[] | undefined) ?? [])] });
    original(query, parameters, runner);
  };
  try {
    await fn();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}

/** The query plan of a captured statement; PostgreSQL is told to prefer indexes, as it would on a big table. */
export async function queryPlan(db: Database, engine: EngineName, sql: string, params: unknown[]): Promise<string> {
  if (engine === 'sqlite') {
    const rows = (await db.manager.query(`EXPLAIN QUERY PLAN ${sql}`, params)) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join('\n');
  }
  return db.transaction(async (tx) => {
    await tx.manager.query('SET LOCAL enable_seqscan = off');
    const rows = (await tx.manager.query(`EXPLAIN ${sql}`, params)) as Array<{ 'QUERY PLAN': string }>;
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
