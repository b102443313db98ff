/**
 * The SQL text cache of the hot paths' fixed statements.
 *
 * @internal
 * @module
 */
import type { Engine } from '../../column-types';
import { dialectFor, type Dialect } from '../../dialect/index';

const SHAPES_KEPT = 1000;
const statements: Record<Engine, Map<string, string>> = { sqlite: new Map(), postgres: new Map() };

/**
 * A statement of fixed SQL for the hot paths, written with `?` placeholders,
 * in the dialect's form (`$1`, `$2`, ... on PostgreSQL), built once per
 * engine and shape (a multi-row statement has one shape per row count).
 * Fixed text matters on SQLite, where the driver keeps a prepared statement
 * per distinct SQL text, and it saves the query builder's per-call SQL
 * generation on both engines. Entity metadata is the same in every
 * DataSource (one set of classes), so the text depends on the engine only.
 *
 * The SQL must not contain `?` anywhere but in placeholders.
 *
 * @internal
 */
export function statement(dialect: Dialect, shape: string, build: () => string): string {
  const byShape = statements[dialect.engine];
  let sql = byShape.get(shape);
  if (sql === undefined) {
    // Shapes that carry a row count or a page size are many; keep the texts of the recent ones.
    if (byShape.size >= SHAPES_KEPT) byShape.delete(byShape.keys().next().value as string);
    byShape.set(shape, (sql = dialect.placeholders(build())));
  }
  return sql;
}

/** `?` placeholders as the engine wants them: the engine's {@link Dialect.placeholders}. @internal */
export function inDialect(engine: Engine, sql: string): string {
  return dialectFor(engine).placeholders(sql);
}
