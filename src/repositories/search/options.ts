/**
 * The checks of a search call: query, filters and page, before any SQL runs,
 * and the search's fingerprint, which its cursors carry.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { MessageDirection, MessageSource } from '../../enums';
import { decodeRankedCursor, pageLimit, type CursorList, type RankedCursorKey } from '../../pagination';
import { parseSearchQuery, type ParsedSearchQuery } from '../../search/query';
import { invalid } from '../../validation';
import { checkDate, checkEnum, checkId, checkObject } from '../support/checks';
import type { MessageSearchOptions } from './types';

const KEYS: ReadonlySet<string> = new Set<keyof MessageSearchOptions>(['userId', 'source', 'direction', 'since', 'until', 'limit', 'cursor']);

/** The filters of a search, checked. */
export interface SearchFilters {
  userId?: number;
  source?: MessageSource;
  direction?: MessageDirection;
  since?: Date;
  until?: Date;
}

/** A search call, checked. */
export interface CheckedSearch {
  query: ParsedSearchQuery;
  filters: SearchFilters;
  limit: number;
  after: RankedCursorKey | null;
  fingerprint: string;
}

/**
 * Checks a search: the query ({@link parseSearchQuery}), every filter, the
 * limit, and a cursor, which must come from `list` for the same query and
 * filters.
 *
 * @throws {@link EntityValidationError} (entity `MessageSearch`) naming the bad field and rule.
 * @throws {@link InvalidEnumValueError} for a `source` or `direction` outside its enum.
 * @throws {@link InvalidCursorError} for a cursor of another list or another search.
 */
export function checkSearch(list: CursorList, query: unknown, options: MessageSearchOptions | undefined): CheckedSearch {
  const parsed = parseSearchQuery(query);
  const given = (options ?? {}) as Record<string, unknown>;
  if (options !== undefined) checkObject('MessageSearch', 'options', options);
  for (const key of Object.keys(given)) {
    if (given[key] !== undefined && !KEYS.has(key)) {
      const quoted = key.length > 32 ? `${key.slice(0, 32)}...` : key;
      invalid('MessageSearch', quoted, 'unknownProperty', `${quoted} is not a search option`);
    }
  }
  const o = given as MessageSearchOptions;
  const filters: SearchFilters = {};
  if (o.userId !== undefined) {
    checkId('MessageSearch', 'userId', o.userId);
    filters.userId = o.userId;
  }
  if (o.source !== undefined) filters.source = checkEnum(MessageSource, 'MessageSource', o.source);
  if (o.direction !== undefined) filters.direction = checkEnum(MessageDirection, 'MessageDirection', o.direction);
  if (o.since !== undefined) {
    checkDate('MessageSearch', 'since', o.since);
    filters.since = o.since;
  }
  if (o.until !== undefined) {
    checkDate('MessageSearch', 'until', o.until);
    filters.until = o.until;
  }
  if (filters.since !== undefined && filters.until !== undefined && filters.since.getTime() >= filters.until.getTime()) {
    invalid('MessageSearch', 'until', 'isAfterSince', 'until must be later than since');
  }
  const limit = pageLimit(o.limit);
  const fingerprint = fingerprintOf(parsed, filters);
  return { query: parsed, filters, limit, after: decodeRankedCursor(list, o.cursor, fingerprint), fingerprint };
}

/** 128 bits of SHA-256 over the parsed query and the filters: a cursor of one search is refused by another. */
function fingerprintOf(query: ParsedSearchQuery, filters: SearchFilters): string {
  const canonical = JSON.stringify([
    query.groups,
    query.excluded,
    filters.userId ?? null,
    filters.source ?? null,
    filters.direction ?? null,
    filters.since?.getTime() ?? null,
    filters.until?.getTime() ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}
