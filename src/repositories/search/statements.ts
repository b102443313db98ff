/**
 * The SQL of message and conversation search, per engine: a window of
 * matching messages, newest (highest id) first, through the search index
 * (FTS5's `MATCH` on SQLite; on PostgreSQL a walk of `message_search_terms`
 * or `@@` over the GIN-indexed `tsvector`); the ranking happens in
 * JavaScript (`search/rank.ts`).
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

/** The time as whole microseconds since 1970, the same number on both engines. */
function timeKey(dialect: Dialect): string {
  return dialect.engine === 'sqlite'
    ? `CAST(ROUND(unixepoch(${TIME}, 'subsec') * 1000000) AS INTEGER)`
    : `CAST(EXTRACT(EPOCH FROM ${TIME}) * 1000000 AS bigint)`;
}

/** The most distinct words a term walk joins; a query of more goes through the GIN index. */
const MAX_WALKED_WORDS = 8;

/**
 * A PostgreSQL search read through `message_search_terms`: one walk of the
 * primary key per word, newest first, merge-joined on the message id, which
 * stops as soon as the window is full, where the GIN index hands over every
 * match before the newest can be taken. `recheck`: the words are necessary
 * but not sufficient (a phrase, an exclusion), so each candidate's document
 * is matched against the whole query.
 */
interface TermWalk {
  words: string[];
  recheck: boolean;
}

/**
 * The term walk of a search, or `null` for the GIN index: on PostgreSQL,
 * for queries without `OR` and without the filters that pick few messages out of
 * many (`userId`, `since`, `until`), which the GIN index and the other
 * indexes narrow faster than a walk through the newest messages would.
 */
function termWalk(dialect: Dialect, search: CheckedSearch): TermWalk | null {
  const { query, filters } = search;
  if (dialect.engine !== 'postgres' || filters.userId !== undefined || filters.since !== undefined || filters.until !== undefined) return null;
  if (query.groups.some((group) => group.length > 1)) return null;
  const phrases = query.groups.map((group) => group[0]!);
  const words = [...new Set(phrases.flat())];
  if (words.length > MAX_WALKED_WORDS) return null;
  return { words, recheck: query.excluded.length > 0 || phrases.some((phrase) => phrase.length > 1) };
}

/** The lexeme PostgreSQL's parser makes of a query word (the word itself, unless the parser splits it). */
const LEXEME = `(tsvector_to_array(to_tsvector('simple'::regconfig, CAST(? AS text))))[1]`;

/**
 * `FROM ... WHERE` of the matching messages (alias `m`), with the filters and
 * `extra` conditions (on {@link idColumn}). Built once per statement shape;
 * {@link matchingParameters} gives its parameters, in the same order.
 */
function matchingSql(dialect: Dialect, f: SearchFilters, walk: TermWalk | null, extra: readonly string[]): string {
  const ts = dialect.timestampPlaceholder;
  const where: string[] = [];
  if (dialect.engine === 'sqlite') where.push('"messages_fts" MATCH ?');
  else if (walk === null) where.push(`${PG_DOCUMENT} @@ to_tsquery('simple', ?)`);
  else {
    walk.words.forEach((_, i) => where.push(`t${i}."term" = ${LEXEME}`, ...(i > 0 ? [`t${i}."message_id" = t0."message_id"`] : [])));
    where.push('m."id" = t0."message_id"');
    // A word the parser splits in several lexemes (none in the C locale) makes its first one only necessary.
    const exact = `(SELECT bool_and(length(to_tsvector('simple'::regconfig, w)) = 1) FROM unnest(CAST(? AS text[])) w)`;
    where.push(walk.recheck ? `${PG_DOCUMENT} @@ to_tsquery('simple', ?)` : `(${exact} OR ${PG_DOCUMENT} @@ to_tsquery('simple', ?))`);
  }
  if (f.userId !== undefined) where.push('m."user_id" = ?');
  if (f.source !== undefined) where.push('m."source" = ?');
  if (f.direction !== undefined) where.push('m."direction" = ?');
  if (f.since !== undefined) where.push(`${TIME} >= ${ts}`);
  if (f.until !== undefined) where.push(`${TIME} < ${ts}`);
  const conditions = [...where, ...extra].join(' AND ');
  if (dialect.engine === 'sqlite') {
    // Conditions on the FTS5 rowid (rather than m.id) let FTS5 walk its index in rowid order and stop.
    return `FROM "messages_fts" INNER JOIN "messages" m ON m."id" = "messages_fts"."rowid" WHERE ${conditions}`;
  }
  if (walk === null) return `FROM "messages" m WHERE ${conditions}`;
  return `FROM ${walk.words.map((_, i) => `"message_search_terms" t${i}`).join(', ')}, "messages" m WHERE ${conditions}`;
}

/** The parameters of {@link matchingSql} (all but the extras'), for one call. */
function matchingParameters(dialect: Dialect, search: CheckedSearch, walk: TermWalk | null): unknown[] {
  const f = search.filters;
  const params: unknown[] = [];
  if (dialect.engine === 'sqlite') params.push(ftsMatchExpression(search.query));
  else if (walk === null) params.push(tsqueryText(search.query));
  else params.push(...walk.words, ...(walk.recheck ? [] : [walk.words]), tsqueryText(search.query));
  if (f.userId !== undefined) params.push(f.userId);
  if (f.source !== undefined) params.push(f.source);
  if (f.direction !== undefined) params.push(f.direction);
  if (f.since !== undefined) params.push(dialect.dateParam(f.since));
  if (f.until !== undefined) params.push(dialect.dateParam(f.until));
  return params;
}

/**
 * The id the window is ordered and bounded by. On PostgreSQL through the
 * GIN index, `+ 0` hides the primary key from the planner, which would
 * otherwise walk it backwards and rebuild the `tsvector` of every row it
 * passes (340 ms for a common pair of words at 1M messages, measured): the
 * GIN index then finds the matches and only they are sorted. A term walk
 * is ordered by the first word's walk.
 */
function idColumn(dialect: Dialect, walk: TermWalk | null): string {
  if (dialect.engine === 'sqlite') return '"messages_fts"."rowid"';
  return walk === null ? '(m."id" + 0)' : 't0."message_id"';
}

/** The statement shape of a search: its filters, and on PostgreSQL how it reads the matches. */
function shapeOf(search: CheckedSearch, walk: TermWalk | null): string {
  const filters = ['userId', 'source', 'direction', 'since', 'until'].map((k) => (search.filters[k as keyof SearchFilters] === undefined ? '-' : k[0])).join('');
  return walk === null ? filters : `${filters}:${walk.recheck ? 'r' : 'w'}${walk.words.length}`;
}

/**
 * A window of matches (`id`, `conversation_id`, `search_text`, `search_time`), highest id first: between
 * the bounds when both are known (a window being paged through), else the
 * {@link SEARCH_WINDOW} highest at or below `top`.
 */
export function windowStatement(dialect: Dialect, search: CheckedSearch, bounds: WindowBounds): SearchStatement {
  const walk = termWalk(dialect, search);
  const id = idColumn(dialect, walk);
  const extra: string[] = [];
  const bound: number[] = [];
  if (bounds.top !== null) {
    extra.push(`${id} <= ?`);
    bound.push(bounds.top);
  }
  if (bounds.bottom !== null) {
    extra.push(`${id} >= ?`);
    bound.push(bounds.bottom);
  }
  const limited = bounds.bottom === null;
  const shape = `${shapeOf(search, walk)}:${bounds.top === null ? '-' : 't'}${bounds.bottom === null ? '-' : 'b'}`;
  const sql = statement(dialect, `search-window:${shape}`, () => {
    return (
      `SELECT m."id", m."conversation_id", m."search_text", ${timeKey(dialect)} AS "search_time" ${matchingSql(dialect, search.filters, walk, extra)} ` +
      `ORDER BY ${id} DESC${limited ? ` LIMIT ${limitLiteral(SEARCH_WINDOW)}` : ''}`
    );
  });
  return { sql, parameters: [...matchingParameters(dialect, search, walk), ...bound] };
}

/**
 * The conversations with a match above `top` and at most `first` (in a
 * newer window of the same search): a conversation search lists each
 * conversation once, in the newest window where it has a match.
 */
export function newerConversationsStatement(dialect: Dialect, search: CheckedSearch, top: number, first: number): SearchStatement {
  const walk = termWalk(dialect, search);
  const id = idColumn(dialect, walk);
  const sql = statement(dialect, `search-newer-conversations:${shapeOf(search, walk)}`, () => {
    return `SELECT DISTINCT m."conversation_id" ${matchingSql(dialect, search.filters, walk, [`${id} > ?`, `${id} <= ?`])}`;
  });
  return { sql, parameters: [...matchingParameters(dialect, search, walk), top, first] };
}
