/**
 * What both dialects share: identifier quoting, exact row counts, and reading
 * the rows of a TypeORM query result.
 *
 * @internal
 * @module
 */
import type { Row, Table } from './dialect';

/** An SQL identifier in double quotes (both engines). @internal */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One row with the exact row count of each table, as a column named after it: one round trip for all. @internal */
export function countRowsSql(tables: readonly string[]): string {
  return `SELECT ${tables.map((name) => `(SELECT COUNT(*) FROM ${quoteIdentifier(name)}) AS ${quoteIdentifier(name)}`).join(', ')}`;
}

/** The rows of a result; TypeORM's pg driver wraps UPDATE/DELETE ... RETURNING results as `[rows, count]`. @internal */
export function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as Row[];
  }
  return Array.isArray(result) ? (result as Row[]) : [];
}

/** Object rows as a {@link Table} (the column names of the first row). @internal */
export function tableOf(rows: readonly Row[]): Table {
  const first = rows[0];
  if (first === undefined) return { columns: [], rows: [] };
  const columns = Object.keys(first);
  return { columns, rows: rows.map((row) => columns.map((c) => row[c])) };
}
