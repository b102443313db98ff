/**
 * Work written once as a sequence of fixed statements, run synchronously on
 * SQLite (better-sqlite3 is synchronous: a whole unit of work runs without a
 * turn of the event loop) and asynchronously on PostgreSQL.
 *
 * @internal
 * @module
 */
import type { Row } from '../../dialect/index';

/** One statement a plan needs run: fixed SQL (`?` placeholders already in the engine's form) and its parameters. @internal */
export interface PlannedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Work that yields the statements it needs and receives their rows; returns `T`. @internal */
export type Plan<T> = Generator<PlannedStatement, T, Row[]>;

/** The rows of one statement, inside a plan: `const rows = yield* rowsOf(sql, parameters)`. @internal */
export function* rowsOf(sql: string, parameters: readonly unknown[]): Generator<PlannedStatement, Row[], Row[]> {
  return yield { sql, parameters };
}

/** Runs a plan with a synchronous statement runner. @internal */
export function runPlan<T>(plan: Plan<T>, run: (statement: PlannedStatement) => Row[]): T {
  let step = plan.next();
  while (!step.done) step = plan.next(run(step.value));
  return step.value;
}

/** Runs a plan with an asynchronous statement runner. @internal */
export async function runPlanAsync<T>(plan: Plan<T>, run: (statement: PlannedStatement) => Promise<Row[]>): Promise<T> {
  let step = plan.next();
  while (!step.done) step = plan.next(await run(step.value));
  return step.value;
}
