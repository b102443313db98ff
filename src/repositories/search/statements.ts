/**
 * The SQL of message and conversation search, per engine: FTS5's `MATCH`
 * and `bm25()` on SQLite, `@@` and `ts_rank()` over the GIN-indexed
 * `to_tsvector('simple', coalesce(search_text, ''))` on PostgreSQL. Results
 * are ordered by a score (higher is more relevant), then time, then id, and
 * paged by that key.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { Conversation } from '../../entities/conversation.entity';
import { ftsMatchExpression, tsqueryText } from '../../search/query';
import { limitLiteral, prefixedColumns, statement } from '../sql';
import type { CheckedSearch, SearchFilters } from './options';

/** The prefix of the conversation's columns in a conversation search row. */
export const CONVERSATION_PREFIX = 'c__';

/** The indexed document on PostgreSQL: exactly the expression of `IDX_messages_search`. */
const PG_DOCUMENT = `to_tsvector('simple'::regconfig, COALESCE(m."search_text", ''::text))`;
/** A message's time for ordering and the `since`/`until` filters. */
const TIME = 'COALESCE(m."sent_at", m."created_at")';

/** A statement and its parameters. */
export interface SearchStatement {
  sql: string;
  parameters: unknown[];
}

function filterShape(f: SearchFilters): string {
  return ['userId', 'source', 'direction', 'since', 'until'].map((k) => (f[k as keyof SearchFilters] === undefined ? '-' : k[0])).join('');
}

/** The matching messages with `search_score`, `search_time` and `cursor_ts` columns (not ordered, not limited). */
function matches(dialect: Dialect, f: SearchFilters): string {
  const ts = dialect.timestampPlaceholder;
  const where: string[] = [];
  if (f.userId !== undefined) where.push('m."user_id" = ?');
  if (f.source !== undefined) where.push('m."source" = ?');
  if (f.direction !== undefined) where.push('m."direction" = ?');
  if (f.since !== undefined) where.push(`${TIME} >= ${ts}`);
  if (f.until !== undefined) where.push(`${TIME} < ${ts}`);
  const and = where.map((w) => ` AND ${w}`).join('');
  const times = `${TIME} AS "search_time", ${dialect.timestampText(TIME)} AS "cursor_ts"`;
  if (dialect.engine === 'sqlite') {
    // bm25() is lower for better matches; negated so both engines order by score descending.
    return (
      `SELECT m.*, -bm25("messages_fts") AS "search_score", ${times} FROM "messages_fts" ` +
      `INNER JOIN "messages" m ON m."id" = "messages_fts"."rowid" WHERE "messages_fts" MATCH ?${and}`
    );
  }
  // ts_rank counts the query's words, as bm25 does (ts_rank_cd's proximity costs a fifth more per
  // match, measured); normalisation 1 divides by 1 + log(length), as bm25 prefers the shorter
  // of two equal matches.
  return (
    `SELECT m.*, CAST(ts_rank(${PG_DOCUMENT}, to_tsquery('simple', ?), 1) AS float8) AS "search_score", ${times} ` +
    `FROM "messages" m WHERE ${PG_DOCUMENT} @@ to_tsquery('simple', ?)${and}`
  );
}

/** After the cursor's key, in score, time, id order (descending). */
function afterKey(dialect: Dialect, alias: string): string {
  const ts = dialect.timestampPlaceholder;
  return (
    `(${alias}."search_score" < ? OR (${alias}."search_score" = ? AND ` +
    `(${alias}."search_time" < ${ts} OR (${alias}."search_time" = ${ts} AND ${alias}."id" < ?))))`
  );
}

function order(alias: string): string {
  return `ORDER BY ${alias}."search_score" DESC, ${alias}."search_time" DESC, ${alias}."id" DESC`;
}

function parameters(dialect: Dialect, search: CheckedSearch): unknown[] {
  const f = search.filters;
  const match = dialect.engine === 'sqlite' ? [ftsMatchExpression(search.query)] : [tsqueryText(search.query), tsqueryText(search.query)];
  const params: unknown[] = [...match];
  if (f.userId !== undefined) params.push(f.userId);
  if (f.source !== undefined) params.push(f.source);
  if (f.direction !== undefined) params.push(f.direction);
  if (f.since !== undefined) params.push(dialect.dateParam(f.since));
  if (f.until !== undefined) params.push(dialect.dateParam(f.until));
  if (search.after !== null) {
    const [, score, time, id] = search.after;
    params.push(score, score, time, time, id);
  }
  return params;
}

/** One page (`limit + 1` rows) of matching messages, most relevant first. */
export function messageSearchStatement(dialect: Dialect, search: CheckedSearch): SearchStatement {
  const rows = search.limit + 1;
  const after = search.after !== null;
  const sql = statement(dialect, `search-messages:${filterShape(search.filters)}:${after ? 'after' : 'first'}:${rows}`, () => {
    return `SELECT * FROM (${matches(dialect, search.filters)}) s${after ? ` WHERE ${afterKey(dialect, 's')}` : ''} ${order('s')} LIMIT ${limitLiteral(rows)}`;
  });
  return { sql, parameters: parameters(dialect, search) };
}

/**
 * One page (`limit + 1` rows) of conversations, each with its best-matching
 * message (the first by score, time, id) and the conversation's columns
 * prefixed {@link CONVERSATION_PREFIX}, ordered and paged by that message.
 */
export function conversationSearchStatement(m: EntityManager, dialect: Dialect, search: CheckedSearch): SearchStatement {
  const rows = search.limit + 1;
  const after = search.after !== null;
  const sql = statement(dialect, `search-conversations:${filterShape(search.filters)}:${after ? 'after' : 'first'}:${rows}`, () => {
    const ranked =
      `SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s."conversation_id" ${order('s')}) AS "search_best" ` + `FROM (${matches(dialect, search.filters)}) s`;
    return (
      `SELECT b.*, ${prefixedColumns(m, Conversation, 'c', CONVERSATION_PREFIX)} FROM (${ranked}) b ` +
      `INNER JOIN "conversations" c ON c."id" = b."conversation_id" WHERE b."search_best" = 1${after ? ` AND ${afterKey(dialect, 'b')}` : ''} ` +
      `${order('b')} LIMIT ${limitLiteral(rows)}`
    );
  });
  return { sql, parameters: parameters(dialect, search) };
}
