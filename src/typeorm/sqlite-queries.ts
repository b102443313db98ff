import type { DataSource } from 'typeorm';
import { SQLITE_NOW } from '../dialect/index';
import { bindNumbersAsParameters, sqliteParameters } from './sqlite-parameters';

/**
 * SQLite: the SQL TypeORM sends, adjusted.
 *
 * - Transactions begin with `BEGIN IMMEDIATE`. A deferred transaction that
 *   reads and then writes fails at once with SQLITE_BUSY when another process
 *   wrote in between; an immediate one takes the write lock up front and
 *   waits out the busy timeout instead. Within one process our queue already
 *   runs one transaction at a time, so this costs nothing there.
 * - An UPDATE sets `updated_at` to the current time with milliseconds, like
 *   every other timestamp we write. TypeORM writes `CURRENT_TIMESTAMP`, which
 *   SQLite gives in whole seconds, so an update could move `updated_at`
 *   before `created_at`.
 *
 * @internal
 */
export function rewriteSqliteQuery(sql: string): string {
  if (sql === 'BEGIN TRANSACTION') return 'BEGIN IMMEDIATE';
  if (/^\s*UPDATE\b/i.test(sql)) return sql.replace(/("[^"]+" = )CURRENT_TIMESTAMP\b/g, `$1${SQLITE_NOW}`);
  return sql;
}

/**
 * SQLite: every query TypeORM's runner sends goes through
 * {@link rewriteSqliteQuery}, with its parameters bound as
 * {@link sqliteParameters} binds them; numbers in query-builder SQL become
 * parameters ({@link bindNumbersAsParameters}).
 * @internal
 */
export function adaptSqliteQueries(dataSource: DataSource): void {
  const driver = dataSource.driver;
  bindNumbersAsParameters(driver);
  const create = driver.createQueryRunner.bind(driver);
  const patched = new WeakSet<object>();
  driver.createQueryRunner = (mode) => {
    const runner = create(mode);
    if (!patched.has(runner)) {
      patched.add(runner);
      const query = runner.query.bind(runner);
      runner.query = ((sql: string, parameters?: unknown[], ...rest: unknown[]) =>
        (query as (q: string, ...r: unknown[]) => Promise<unknown>)(rewriteSqliteQuery(sql), Array.isArray(parameters) ? sqliteParameters(parameters) : parameters, ...rest)) as typeof runner.query;
    }
    return runner;
  };
}
