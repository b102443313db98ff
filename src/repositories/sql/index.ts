/**
 * Fixed SQL for the repositories' hot paths: the SQL text cache
 * (`statements.ts`), the compiled hydrator (`hydrator.ts`) and small helpers
 * (`helpers.ts`), work as plans of statements (`plan.ts`). What differs per engine is in `src/dialect/`.
 *
 * @internal
 * @module
 */
export type { Row } from '../../dialect/index';
export { inDialect, statement } from './statements';
export { hydrateRow, persistedValues, tableHydrator } from './hydrator';
export { rowsOf, runPlan, runPlanAsync, type Plan, type PlannedStatement } from './plan';
export { chunks, columnOf, limitLiteral, marks, prefixedColumns, queryRows, selectOne } from './helpers';
export { writeReturning } from './returning';
