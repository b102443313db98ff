/**
 * Keyset pagination: pages of at most `limit` items and an opaque cursor for
 * the next one, stable while rows are inserted concurrently.
 *
 * A cursor is the base64url text of `[list, sortValue, id]`: the list method
 * that issued it (`conversations.inbox`, `messages.listForUser`, ...), the
 * last item's sort value (a timestamp as the database writes it, or `null`)
 * and its id. A cursor given back is checked before any SQL runs: at most
 * {@link MAX_CURSOR_LENGTH} characters (checked before decoding), canonical
 * base64url, issued by the same list, a sort value of the list's type (a
 * calendar-valid timestamp in the engine's text form for a date-sorted list,
 * `null` for an id-sorted one) and an id from 1 to 2^31-1. Anything else is
 * an {@link InvalidCursorError}.
 *
 * @module
 */
import type { Engine } from './column-types';
import { dialectFor } from './dialect/index';
import { InvalidCursorError } from './errors';
import { describeValue, invalid, MAX_INT4 } from './validation';

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
  /**
   * The `nextCursor` of the previous page of the same list method; omit (or
   * pass `null` or `''`) for the first page. Anything else is refused with
   * {@link InvalidCursorError}.
   */
  cursor?: string | null;
}

/** The page size when none is asked for. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest page a list method returns. */
export const MAX_PAGE_SIZE = 500;
/** The longest cursor accepted, in characters; a longer one is refused before it is decoded. */
export const MAX_CURSOR_LENGTH = 1024;

/**
 * How a list is sorted, which decides the type of its cursors' sort value:
 * `id` (newest id first; the value is `null`), `timestamp` (a timestamp, then
 * id) or `nullableTimestamp` (a timestamp or `null` for rows without one,
 * then id).
 * @internal
 */
export type CursorSort = 'id' | 'timestamp' | 'nullableTimestamp' | 'ranked';

/** A list method that issues cursors: its name (e.g. `conversations.inbox`) and how it sorts. @internal */
export interface CursorList {
  /** `repository.method`, written into every cursor the list issues. */
  readonly name: string;
  /** How the list sorts. */
  readonly sort: CursorSort;
}

/** The key of the last item of a page: its sort value (timestamp text or `null`) and its id. @internal */
export type CursorKey = [value: string | null, id: number];

/** Checks `limit`, filling in the default. @internal */
export function pageLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_PAGE_SIZE) {
    invalid('PageRequest', 'limit', 'range', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${describeValue(limit)}`);
  }
  return limit as number;
}

/**
 * Checks a page request (`undefined` is the first page of the default size):
 * its `limit` and its `cursor`, which must come from `list`.
 *
 * @throws {@link EntityValidationError} for a request that is not an object or a bad `limit`.
 * @throws {@link InvalidCursorError} for a cursor `list` did not issue.
 * @internal
 */
export function pageRequest(list: CursorList, engine: Engine, request: unknown): { limit: number; key: CursorKey | null } {
  if (request === undefined) return { limit: DEFAULT_PAGE_SIZE, key: null };
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    invalid('PageRequest', 'page', 'isObject', `the page request must be an object, got ${describeValue(request)}`);
  }
  const { limit, cursor } = request as { limit?: unknown; cursor?: unknown };
  return { limit: pageLimit(limit), key: decodeCursor(list, engine, cursor) };
}

/** The cursor of an item of `list`. @internal */
export function encodeCursor(list: CursorList, key: CursorKey): string {
  return Buffer.from(JSON.stringify([list.name, key[0], key[1]]), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The key a cursor of `list` holds; `null` for the first page (`undefined`,
 * `null` or `''`). Linear in the cursor, which is at most
 * {@link MAX_CURSOR_LENGTH} characters.
 *
 * @throws {@link InvalidCursorError} for anything `list` did not issue.
 * @internal
 */
export function decodeCursor(list: CursorList, engine: Engine, cursor: unknown): CursorKey | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const refuse = (reason: string): never => {
    throw new InvalidCursorError(list.name, reason);
  };
  const key = cursorPayload(list, cursor, 3, 'it does not hold [list, value, id]');
  const [value, id] = key as [unknown, unknown];
  if (!isId(id)) return refuse(`its id is not a whole number from 1 to ${MAX_INT4}`);
  switch (list.sort) {
    case 'id':
      if (value !== null) return refuse('its sort value must be null for a list sorted by id');
      break;
    case 'nullableTimestamp':
      if (value !== null && !isTimestampText(value, engine)) return refuse('its sort value is neither null nor a timestamp');
      break;
    case 'timestamp':
      if (!isTimestampText(value, engine)) return refuse('its sort value is not a timestamp');
      break;
    case 'ranked':
      return refuse('a ranked list reads its cursors with decodeRankedCursor');
  }
  return [value as string | null, id];
}

/** Whether `value` is a row id a cursor may hold: a whole number from 1 to {@link MAX_INT4}. */
function isId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_INT4;
}

/**
 * The values after the list name of a cursor of `list` that holds `length`
 * elements in all: the checks every cursor gets (a string of at most
 * {@link MAX_CURSOR_LENGTH} characters, canonical base64url of a JSON array
 * naming `list`).
 */
function cursorPayload(list: CursorList, cursor: unknown, length: number, shape: string): unknown[] {
  const refuse = (reason: string): never => {
    throw new InvalidCursorError(list.name, reason);
  };
  if (typeof cursor !== 'string') return refuse(`it is ${describeValue(cursor)}, not a string`);
  if (cursor.length > MAX_CURSOR_LENGTH) return refuse(`it is longer than ${MAX_CURSOR_LENGTH} characters`);
  if (!BASE64URL.test(cursor)) return refuse('it is not base64url text');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Bits or bytes that decode to the same text (or to U+FFFD) were changed.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return refuse('it is not canonical base64url of UTF-8 text');
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return refuse('it does not hold JSON');
  }
  if (!Array.isArray(key) || key.length !== length) return refuse(shape);
  const [name, ...rest] = key as unknown[];
  if (name !== list.name) return refuse(typeof name === 'string' ? 'it was issued by another list' : 'it names no list');
  return rest;
}

/**
 * The key of the last item of a page of search results: the fingerprint of
 * the search (its query and filters), the highest id of its first window
 * of matches, the ids bounding the window being ranked (highest, lowest),
 * and the item's place in that window's order: its score (higher is better),
 * its time (microseconds since 1970) and its id.
 */
export type RankedCursorKey = [fingerprint: string, first: number, top: number, bottom: number, score: number, time: number, id: number];

/** The cursor of an item of a ranked `list`. @internal */
export function encodeRankedCursor(list: CursorList, key: RankedCursorKey): string {
  return Buffer.from(JSON.stringify([list.name, ...key]), 'utf8').toString('base64url');
}

/**
 * The key a cursor of a ranked `list` holds, for the search with this
 * `fingerprint`; `null` for the first page (`undefined`, `null` or `''`).
 *
 * @throws {@link InvalidCursorError} for anything `list` did not issue for this search.
 * @internal
 */
export function decodeRankedCursor(list: CursorList, cursor: unknown, fingerprint: string): RankedCursorKey | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const refuse = (reason: string): never => {
    throw new InvalidCursorError(list.name, reason);
  };
  const [issuedFor, first, top, bottom, score, time, id] = cursorPayload(list, cursor, 8, 'it does not hold [list, search, first, top, bottom, score, time, id]');
  if (issuedFor !== fingerprint) return refuse('it was issued for another search (another query or other filters)');
  if (!isId(first) || !isId(top) || !isId(bottom) || bottom > top || top > first) {
    return refuse(`its windows are not ids from 1 to ${MAX_INT4} in order (bottom, top, first)`);
  }
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0) return refuse('its score is not a finite number of at least 0');
  if (!Number.isSafeInteger(time)) return refuse('its time is not a whole number of microseconds');
  if (!isId(id) || id < bottom || id > top) return refuse('its id is not a whole number in its window');
  return [fingerprint, first, top, bottom, score, time as number, id];
}

/**
 * Whether `value` is timestamp text of the engine's form (its dialect's
 * `timestampTextPattern`: `YYYY-MM-DD HH:MM:SS[.ffffff]`, with the UTC offset
 * PostgreSQL adds, `+00` or `+05:30`, and without one on SQLite) that names a
 * real instant (no 31 February, no hour 24, no offset over 15 hours).
 */
function isTimestampText(value: unknown, engine: Engine): value is string {
  if (typeof value !== 'string' || value.length > 40) return false;
  const m = dialectFor(engine).timestampTextPattern.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && Number(m[7]) > 15) return false;
  // Day 0 of the next month is the last day of this one. Leap years repeat every 400 years, and
  // a year from 2000 keeps Date.UTC from reading 0-99 as 19xx.
  const last = new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
  return day <= last;
}

/** Cuts a `limit + 1` result to a page, with the cursor of `list` for its last item. @internal */
export function toPage<T>(rows: readonly T[], limit: number, list: CursorList, keyOf: (item: T) => CursorKey): Page<T> {
  const items = rows.length > limit ? rows.slice(0, limit) : [...rows];
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(list, keyOf(last)) : null };
}
