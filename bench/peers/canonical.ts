/**
 * Normalised rows for the equality check: every contender's result becomes
 * `{ snake_case column: value }` with one form per type (timestamps as ISO
 * text to the millisecond, booleans as booleans, JSON parsed), whatever the
 * contender returned (entities, camelCase objects, driver rows, SQLite text).
 */
import { isDeepStrictEqual } from 'node:util';
import type { DataSource } from 'typeorm';
import type { CanonRow } from './types';

type Kind = 'timestamp' | 'boolean' | 'json' | 'number' | 'plain';

/** One table's columns as the library's entity metadata describes them. */
export interface TableShape {
  table: string;
  columns: ReadonlyArray<{ column: string; property: string; kind: Kind }>;
}

export function shapeOf(dataSource: DataSource, entity: Function): TableShape {
  const meta = dataSource.getMetadata(entity);
  return {
    table: meta.tableName,
    columns: meta.columns.map((c) => {
      const type = String(typeof c.type === 'function' ? c.type.name : c.type).toLowerCase();
      const kind: Kind = /date|time/.test(type)
        ? 'timestamp'
        : type.startsWith('bool')
          ? 'boolean'
          : type.startsWith('json')
            ? 'json'
            : /int|number|bigint/.test(type)
              ? 'number'
              : 'plain';
      return { column: c.databaseName, property: c.propertyName, kind };
    }),
  };
}

const SQLITE_TS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;

function normalise(value: unknown, kind: Kind): unknown {
  if (value === null || value === undefined) return value === null ? null : '<missing>';
  switch (kind) {
    case 'timestamp':
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'string') return new Date(SQLITE_TS.test(value) ? `${value.replace(' ', 'T')}Z` : value).toISOString();
      if (typeof value === 'number') return new Date(value).toISOString();
      return `<bad timestamp ${String(value)}>`;
    case 'boolean':
      return value === true || value === 1 || value === 1n || value === 'true' || value === 't';
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'number':
      return Number(value);
    default:
      return value;
  }
}

/**
 * The row of `shape` in `source`, found under each column's name, its
 * property name, or `prefix + column` (the inbox's joined user).
 */
export function canon(shape: TableShape, source: unknown, prefix = ''): CanonRow {
  if (source === null || typeof source !== 'object') throw new Error(`${shape.table}: expected a row, got ${String(source)}`);
  const from = source as Record<string, unknown>;
  const out: CanonRow = {};
  for (const c of shape.columns) {
    const value = prefix ? from[prefix + c.column] : c.column in from ? from[c.column] : from[c.property];
    out[c.column] = normalise(value, c.kind);
  }
  return out;
}

/** Throws, naming the contender and the first difference, unless `actual` equals `expected`. */
export function assertSame(what: string, contender: string, expected: unknown, actual: unknown): void {
  if (isDeepStrictEqual(expected, actual)) return;
  const detail = firstDifference(expected, actual, '');
  throw new Error(`bench equality check failed: ${what}: ${contender} differs from the library at ${detail}`);
}

function firstDifference(a: unknown, b: unknown, path: string): string {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path || 'rows'}: ${a.length} rows vs ${b.length}`;
    for (let i = 0; i < a.length; i++) if (!isDeepStrictEqual(a[i], b[i])) return firstDifference(a[i], b[i], `${path}[${i}]`);
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = (a as Record<string, unknown>)[k];
      const y = (b as Record<string, unknown>)[k];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${path}.${k}`);
    }
  }
  return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}
