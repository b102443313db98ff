/**
 * A query builder's write with a `RETURNING` clause on both engines
 * (TypeORM's `.returning()` refuses SQLite, which has had RETURNING since 3.35).
 *
 * @internal
 * @module
 */
import type { EntityManager, InsertQueryBuilder, ObjectLiteral, UpdateQueryBuilder } from 'typeorm';
import type { Dialect, Row } from '../../dialect/index';

/** Runs `write` with `RETURNING <columns>` appended; the rows it returns. @internal */
export function writeReturning<T extends ObjectLiteral>(m: EntityManager, dialect: Dialect, write: UpdateQueryBuilder<T> | InsertQueryBuilder<T>, columns: readonly string[]): Promise<Row[]> {
  const [sql, parameters] = write.getQueryAndParameters();
  return dialect.queryRows(m, `${sql} RETURNING ${columns.map((c) => `"${c}"`).join(', ')}`, parameters);
}
