/**
 * The SQL of message and conversation search, per engine: a window of
 * matching messages, newest (highest id) first, through the search index
 * (FTS5's `MATCH` on SQLite, `@@` over the GIN-indexed `tsvector` on
 * PostgreSQL); the ranking happens in JavaScript (`search/rank.ts`).
 *
 * @internal
 * @module
 */
import type { Dialect } from '../../dialect/index';
import { ftsMatchExpression, tsqueryText } from '../../search/query';
import { SEARCH_WINDOW } from '../../search/rank';
import { limitLiteral, statement } from '../sql';
import type { CheckedSearch, SearchFilters } from './options';

/** The indexed document on PostgreSQL: exactly the expression of `IDX_messages_search`. */
const PG_DOCUMENT = `to_tsvector('simple'::regconfig, COALESCE(m."search_text", ''::text))`;
/** A message's time for ordering and the `since`/`until` filters. */
const TIME = 'COALESCE(m."sent_at", m."created_at")';

/** A statement and its parameters. */
export interface SearchStatement {
  sql: string;
  parameters: unknown[];
}

/** The ids a window statement reads between: both bounds inclusive; `null` for no bound. */
export interface WindowBounds {
  top: number | null;
  bottom: number | null;
}

function filterShape(f: SearchFilters): string {
  return ['userId', 'source', 'direction', 'since', 'until'].map((k) => (f[k as keyof SearchFilters] === undefined ? '-' : k[0])).join('');
}

/** The time as whole microseconds since 1970, the same number on both engines. */
function timeKey(dialect: Dialect): string {
  return dialect.engine === 'sqlite'
    ? `CAST(ROUND(unixepoch(${TIME}, 'subsec') * 1000000) AS INTEGER)`
    : `CAST(EXTRACT(EPOCH FROM ${TIME}) * 1000000 AS bigint)`;
}

/** `FROM ... WHERE` of the matching messages (alias `m`), with the filters and `extra` conditions. */
function matching(dialect: Dialect, f: SearchFilters, extra: readonly string[]): string {
  const ts = dialect.timestampPlaceholder;
  const where: string[] = [];
  if (f.userId !== undefined) where.push('m."user_id" = ?');
  if (f.source !== undefined) where.push('m."source" = ?');
  if (f.direction !== undefined) where.push('m."direction" = ?');
  if (f.since !== undefined) where.push(`${TIME} >= ${ts}`);
  if (f.until !== undefined) where.push(`${TIME} < ${ts}`);
  const and = [...where, ...extra].map((w) => ` AND ${w}`).join('');
  if (dialect.engine === 'sqlite') {
    // Conditions on the FTS5 rowid (rather than m.id) let FTS5 walk its index in rowid order and stop.
    return `FROM "messages_fts" INNER JOIN "messages" m ON m."id" = "messages_fts"."rowid" WHERE "messages_fts" MATCH ?${and}`;
  }
  return `FROM "messages" m WHERE ${PG_DOCUMENT} @@ to_tsquery('simple', ?)${and}`;
}

/**
 * The id the window is ordered and bounded by. On PostgreSQL `+ 0` hides
 * the primary key from the planner, which would otherwise walk it backwards
 * and rebuild the `tsvector` of every row it passes (340 ms for a common
 * pair of words at 1M messages, measured): the GIN index then finds the
 * matches and only they are sorted.
 */
function idColumn(dialect: Dialect): string {
  return dialect.engine === 'sqlite' ? '"messages_fts"."rowid"' : '(m."id" + 0)';
}

function filterParameters(dialect: Dialect, search: CheckedSearch): unknown[] {
  const f = search.filters;
  const params: unknown[] = [dialect.engine === 'sqlite' ? ftsMatchExpression(search.query) : tsqueryText(search.query)];
  if (f.userId !== undefined) params.push(f.userId);
  if (f.source !== undefined) params.push(f.source);
  if (f.direction !== undefined) params.push(f.direction);
  if (f.since !== undefined) params.push(dialect.dateParam(f.since));
  if (f.until !== undefined) params.push(dialect.dateParam(f.until));
  return params;
}

/**
 * A window of matches (`id`, `conversation_id`, `search_text`, `search_time`), highest id first: between
 * the bounds when both are known (a window being paged through), else the
 * {@link SEARCH_WINDOW} highest at or below `top`.
 */
export function windowStatement(dialect: Dialect, search: CheckedSearch, bounds: WindowBounds): SearchStatement {
  const id = idColumn(dialect);
  const extra: string[] = [];
  const params = filterParameters(dialect, search);
  if (bounds.top !== null) {
    extra.push(`${id} <= ?`);
    params.push(bounds.top);
  }
  if (bounds.bottom !== null) {
    extra.push(`${id} >= ?`);
    params.push(bounds.bottom);
  }
  const limited = bounds.bottom === null;
  const shape = `${filterShape(search.filters)}:${bounds.top === null ? '-' : 't'}${bounds.bottom === null ? '-' : 'b'}`;
  const sql = statement(dialect, `search-window:${shape}`, () => {
    return (
      `SELECT m."id", m."conversation_id", m."search_text", ${timeKey(dialect)} AS "search_time" ${matching(dialect, search.filters, extra)} ` +
      `ORDER BY ${id} DESC${limited ? ` LIMIT ${limitLiteral(SEARCH_WINDOW)}` : ''}`
    );
  });
  return { sql, parameters: params };
}

/**
 * The conversations with a match above `top` and at most `first` (in a
 * newer window of the same search): a conversation search lists each
 * conversation once, in the newest window where it has a match.
 */
export function newerConversationsStatement(dialect: Dialect, search: CheckedSearch, top: number, first: number): SearchStatement {
  const id = idColumn(dialect);
  const sql = statement(dialect, `search-newer-conversations:${filterShape(search.filters)}`, () => {
    return `SELECT DISTINCT m."conversation_id" ${matching(dialect, search.filters, [`${id} > ?`, `${id} <= ?`])}`;
  });
  return { sql, parameters: [...filterParameters(dialect, search), top, first] };
}
