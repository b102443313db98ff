/**
 * Small SQL helpers of the repositories: primary- and unique-key lookups,
 * limits, placeholders lists, chunks, joined columns.
 *
 * @internal
 * @module
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { engineOf } from '../../column-types';
import { dialectFor, type Dialect, type Row } from '../../dialect/index';
import { tableHydrator } from './hydrator';
import { statement } from './statements';

/**
 * The row of `target`'s table whose `column` equals `value` (a key: id or a
 * unique column), as an entity, or `null`.
 * @internal
 */
export async function selectOne<T extends ObjectLiteral>(m: EntityManager, dialect: Dialect, target: EntityTarget<T>, column: string, value: unknown): Promise<T | null> {
  const table = m.connection.getMetadata(target).tableName;
  const sql = statement(dialect, `one:${table}:${column}`, () => `SELECT * FROM "${table}" WHERE "${column}" = ? LIMIT 1`);
  const result = await dialect.queryTable(m, sql, [value]);
  const row = result.rows[0];
  return row === undefined ? null : tableHydrator(m, target, result.columns)(row);
}

/**
 * Runs fixed SQL (placeholders in the engine's form) with the dialect of the
 * manager's DataSource: for code without a repository context, whose
 * `ctx.dialect.queryRows` saves the look-up.
 * @internal
 */
export function queryRows(m: EntityManager, sql: string, parameters: readonly unknown[]): Promise<Row[]> {
  return dialectFor(engineOf(m.connection)).queryRows(m, sql, parameters);
}

/** A row limit as SQL text; only ever a whole number we computed, never input. @internal */
export function limitLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`not a row limit: ${limit}`);
  return String(limit);
}

/** The column of an entity's property. @internal */
export function columnOf<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, property: keyof T & string): ColumnMetadata {
  const column = m.connection.getMetadata(target).findColumnWithPropertyName(property);
  if (!column) throw new Error(`${property} is not a column`);
  return column;
}

/** `?, ?, ?` for `n` values. @internal */
export function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** `items` in runs of at most `size`, to stay under the engines' bound-parameter limits. @internal */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `"alias"."column" AS "prefixcolumn"` for every column of an entity, to select a joined row for {@link hydrateRow}. @internal */
export function prefixedColumns<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, alias: string, prefix: string): string {
  return m.connection
    .getMetadata(target)
    .columns.map((c) => `"${alias}"."${c.databaseName}" AS "${prefix}${c.databaseName}"`)
    .join(', ');
}
