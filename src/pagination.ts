/**
 * Keyset pagination: pages of at most `limit` items and an opaque cursor for
 * the next one, stable while rows are inserted concurrently.
 *
 * @module
 */
import { invalid } from './validation';

/** One page of results. */
export interface Page<T> {
  /** At most `limit` items. */
  items: T[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** Which page to fetch. */
export interface PageRequest {
  /** How many items (1 to {@link MAX_PAGE_SIZE}, default {@link DEFAULT_PAGE_SIZE}). */
  limit?: number;
  /** The `nextCursor` of the previous page; omit for the first page. */
  cursor?: string | null;
}

/** The page size when none is asked for. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest page a list method returns. */
export const MAX_PAGE_SIZE = 500;

/** Checks `limit`, filling in the default. @internal */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    invalid('PageRequest', 'limit', 'range', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(limit)}`);
  }
  return limit;
}

/** The key of the last item of a page: a sort value (date, number or string) and the id. @internal */
export type CursorKey = [value: string | number | null, id: number];

/** @internal */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** @internal */
export function decodeCursor(cursor: string | null | undefined): CursorKey | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === 2 &&
      (key[0] === null || typeof key[0] === 'string' || typeof key[0] === 'number') &&
      Number.isInteger(key[1])
    ) {
      return key as CursorKey;
    }
  } catch {
    // fall through
  }
  return invalid('PageRequest', 'cursor', 'cursor', 'cursor is not a nextCursor returned by this method');
}

/** Cuts a `limit + 1` result to a page, with the cursor of its last item. @internal */
export function toPage<T>(rows: T[], limit: number, keyOf: (item: T) => CursorKey): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
