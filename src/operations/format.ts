/**
 * The export file format shared by `exportDatabase` and `importDatabase`.
 *
 * The file is NDJSON (one JSON value per line), gzip-compressed when its
 * name ends in `.gz`. The first line is an {@link ExportHeader}; every other
 * line is one row, `{ "table": "users", "row": { ... } }`, tables in
 * foreign-key order and rows by `id`. Column names are the database's
 * (`snake_case`); dates are ISO 8601 strings in UTC (millisecond precision),
 * JSON columns are JSON, booleans are booleans, `bigint` columns are numbers.
 *
 * @module
 */
import type { EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { quoteIdentifier } from '../dialect/index';

/** The `format` of every export file's header. */
export const EXPORT_FORMAT = 'migochat-db-export';

/** The export format version this library writes and reads. */
export const EXPORT_VERSION = 1;

/** A JSON value, as found in an export file. */
export type ExportValue = string | number | boolean | null | ExportValue[] | { [key: string]: ExportValue };

/** How many rows one table has in an export or import. */
export interface TableRowCount {
  /** The table, e.g. `messages`. */
  name: string;
  /** Its row count. */
  rows: number;
}

/** The first line of an export file. */
export interface ExportHeader {
  /** Always {@link EXPORT_FORMAT}. */
  format: typeof EXPORT_FORMAT;
  /** The format version, {@link EXPORT_VERSION}. */
  version: typeof EXPORT_VERSION;
  /** The last migration the source database had run: the target must have run it too. */
  migration: string;
  /** When the export was taken, ISO 8601. */
  exportedAt: string;
  /** The tables in the file, in the order their rows follow, with their row counts. */
  tables: TableRowCount[];
}

/** Every line after the header: one row of one table, keyed by column name. */
export interface ExportRow {
  /** The table, e.g. `messages`. */
  table: string;
  /** The row: database column names to values. */
  row: Record<string, ExportValue>;
}

/** A row as a driver returns it. @internal */
export type Row = Record<string, unknown>;

/** An SQL identifier in double quotes. @internal */
export const quote = quoteIdentifier;

/** A column's type name, lower-case (`varchar`, `integer`, `timestamptz`, ...). @internal */
export function typeName(column: ColumnMetadata): string {
  const type: unknown = column.type;
  return typeof type === 'function' ? type.name.toLowerCase() : String(type).toLowerCase();
}

/** The columns of a table by database name, one per name (a relation's join column shares the property's). @internal */
export function columnsOf(meta: EntityMetadata): Map<string, ColumnMetadata> {
  const columns = new Map<string, ColumnMetadata>();
  for (const column of meta.columns) if (!columns.has(column.databaseName)) columns.set(column.databaseName, column);
  return columns;
}
