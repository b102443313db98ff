/**
 * One line of an import file turned into the parameters of an INSERT: parsed
 * as JSON, every value checked against its column's type, then the whole row
 * validated as its entity, the way the repositories validate what they write
 * (class-validator rules, enum values, a setting's value against its type).
 *
 * Errors name the line, the table and the column, and never show the value
 * of a sensitive setting (nor the parser's excerpt of a line, which could
 * hold one).
 *
 * @internal
 * @module
 */
import type { EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { Database } from '../database';
import { SettingValueType } from '../enums';
import { isMigochatDbError, type ValidationIssue } from '../errors';
import { searchTextOf } from '../search/normalize';
import { validateEntity } from '../validation';
import { ImportLineError } from './errors';
import { type ExportRow, typeName } from './format';
import type { Line } from './line-reader';

/** A table of the target, as the import sees it. @internal */
export interface ImportTable {
  /** The entity's metadata. */
  meta: EntityMetadata;
  /** Its columns by database name. */
  columns: Map<string, ColumnMetadata>;
  /** Its position in foreign-key order. */
  index: number;
}

/** A row ready to insert: its columns, their parameters, and the row's id. @internal */
export interface PreparedRow {
  /** Database column names, in file order. */
  columns: string[];
  /** One parameter per column, as the driver takes it. */
  params: unknown[];
}

const SETTINGS_TABLE = 'app_settings';
const SHOWN_CHARS = 60;

/** Text from the file cut short, for a message. @internal */
export function clipped(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text;
}

/** Text from the file, quoted and cut short, for a message. @internal */
export function shown(text: string): string {
  return JSON.stringify(clipped(text));
}

/**
 * The line as `{ table, row }`. A line that is not JSON is reported with the
 * position of the fault only: the parser's own message quotes the line,
 * which may hold a secret.
 * @internal
 */
export function parseEntry(line: Line): ExportRow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` at character ${Number(position) + 1}`;
    const ended = error instanceof Error && /end of JSON input|Unterminated/i.test(error.message);
    throw new ImportLineError(line.number, `is not valid JSON (${ended ? 'it ends in the middle of a value' : 'malformed'}${where})`);
  }
  const entry = parsed as Partial<ExportRow> | null;
  if (
    typeof entry !== 'object' ||
    entry === null ||
    Array.isArray(entry) ||
    typeof entry.table !== 'string' ||
    typeof entry.row !== 'object' ||
    entry.row === null ||
    Array.isArray(entry.row)
  ) {
    throw new ImportLineError(line.number, 'is not a row; expected {"table": "...", "row": {...}}');
  }
  return entry as ExportRow;
}

/** Whether a row's values must stay out of messages: a setting not marked as not sensitive. */
function isSecretRow(table: string, row: Record<string, unknown>): boolean {
  return table === SETTINGS_TABLE && row['is_sensitive'] !== false;
}

/** Checks one value against its column's type; returns it as the entity holds it (dates as `Date`). */
function toValue(column: ColumnMetadata, value: unknown, line: number, table: string, secret: boolean): unknown {
  if (value === null) return null;
  const type = typeName(column);
  const wrong = (expected: string): ImportLineError => {
    const what = secret && column.databaseName === 'value' ? 'a hidden value (the setting is sensitive)' : shown(JSON.stringify(value) ?? String(value));
    return new ImportLineError(line, `${table}.${column.databaseName} must be ${expected}, not ${what}`);
  };
  if (type === 'datetime' || type.startsWith('timestamp') || type === 'date') {
    if (typeof value !== 'string') throw wrong('an ISO 8601 date string');
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw wrong('an ISO 8601 date string');
    return date;
  }
  if (type === 'integer' || type === 'int' || type === 'bigint' || type === 'smallint' || type === 'number') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong('a whole number');
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') throw wrong('true or false');
  } else if (type === 'varchar' || type === 'text' || type === 'string' || type === 'character varying') {
    if (typeof value !== 'string') throw wrong('a string');
  }
  return value;
}

/** Whether a setting's stored text reads as its type, as `db.settings.get` will read it. */
function settingParses(valueType: unknown, value: unknown): boolean {
  if (typeof value !== 'string') return true; // the entity's own rules report it
  switch (valueType) {
    case SettingValueType.NUMBER:
      return value.trim() !== '' && Number.isFinite(Number(value));
    case SettingValueType.BOOLEAN:
      return value === 'true' || value === 'false';
    case SettingValueType.JSON:
      try {
        JSON.parse(value);
        return true;
      } catch {
        return false;
      }
    default:
      return true;
  }
}

function describeIssues(issues: ValidationIssue[], meta: EntityMetadata): string {
  const byProperty = new Map(meta.columns.map((c) => [c.propertyName, c.databaseName]));
  return issues
    .map((issue) => {
      const column = byProperty.get(issue.property) ?? issue.property;
      const messages = issue.messages.length > 0 ? issue.messages.join(', ') : issue.rules.join(', ');
      return `${meta.tableName}.${column}: ${messages}`;
    })
    .join('; ');
}

/**
 * Checks one row of the file and returns what to insert.
 *
 * @throws {@link ImportLineError} naming the line: an unknown column, a
 * value of the wrong type, a row that breaks its entity's rules.
 * @internal
 */
export async function prepareRow(db: Database, target: ImportTable, entry: ExportRow, line: number): Promise<PreparedRow> {
  const { table } = entry;
  // A message's search form is the library's normalisation of its text, whatever the file holds
  // (a file exported before search existed has none): recomputed, so imported messages are found.
  const text = entry.row['text'];
  const row: ExportRow['row'] =
    table === 'messages' && target.columns.has('search_text') ? { ...entry.row, search_text: searchTextOf(text) } : entry.row;
  const secret = isSecretRow(table, row);
  const columns = Object.keys(row);
  const entity = new (target.meta.target as new () => object)() as Record<string, unknown>;
  const params = columns.map((name) => {
    const column = target.columns.get(name);
    if (!column) throw new ImportLineError(line, `${table} has no column ${shown(name)}`);
    const value = toValue(column, row[name], line, table, secret);
    entity[column.propertyName] = value;
    return db.dataSource.driver.preparePersistentValue(value, column);
  });
  const id = typeof row['id'] === 'number' ? ` ${row['id']}` : '';
  try {
    await validateEntity(entity);
  } catch (error) {
    if (isMigochatDbError(error) && error.code === 'ENTITY_VALIDATION_ERROR' && 'issues' in error) {
      const issues = (error as { issues: ValidationIssue[] }).issues;
      throw new ImportLineError(line, `${table} row${id} breaks the rules of ${target.meta.name}: ${describeIssues(issues, target.meta)}`, { cause: error });
    }
    throw error;
  }
  if (table === SETTINGS_TABLE && !settingParses(row['value_type'], row['value'])) {
    throw new ImportLineError(
      line,
      `${table} row${id}: the value of setting ${shown(String(row['key']))} is not a valid ${String(row['value_type'])}${secret ? ' (value hidden: the setting is sensitive)' : ''}`,
    );
  }
  return { columns, params };
}
