/**
 * The search a team would write by hand, the benchmark's raw baseline for
 * `messages.search` and `conversations.search`: every match ranked by the
 * engine's own function (FTS5's `bm25()`, PostgreSQL's `ts_rank()` over the
 * GIN-indexed expression), then time, then id, in one statement. This was
 * the library's own statement before it ranked windows of matches in
 * JavaScript (bench/RESULTS.md, "Search at 1M messages").
 */
import type { Engine } from '../src/column-types';
import { ftsMatchExpression, parseSearchQuery, tsqueryText } from '../src/search/query';

const TIME = 'COALESCE(m."sent_at", m."created_at")';
const PG_DOCUMENT = `to_tsvector('simple'::regconfig, COALESCE(m."search_text", ''::text))`;
const ORDER = 'ORDER BY s."search_score" DESC, s."search_time" DESC, s."id" DESC';

/** The ranked statement of a search kind (`messageSearch` or `conversationSearch`) with `?` placeholders. */
export function engineRankedSearch(engine: Engine, kind: 'messageSearch' | 'conversationSearch', query: string, limit: number): { sql: string; parameters: unknown[] } {
  const parsed = parseSearchQuery(query);
  const matches =
    engine === 'sqlite'
      ? `SELECT m.*, -bm25("messages_fts") AS "search_score", ${TIME} AS "search_time" FROM "messages_fts" INNER JOIN "messages" m ON m."id" = "messages_fts"."rowid" WHERE "messages_fts" MATCH ?`
      : `SELECT m.*, CAST(ts_rank(${PG_DOCUMENT}, to_tsquery('simple', ?), 1) AS float8) AS "search_score", ${TIME} AS "search_time" FROM "messages" m WHERE ${PG_DOCUMENT} @@ to_tsquery('simple', ?)`;
  const parameters = engine === 'sqlite' ? [ftsMatchExpression(parsed)] : [tsqueryText(parsed), tsqueryText(parsed)];
  const sql =
    kind === 'messageSearch'
      ? `SELECT * FROM (${matches}) s ${ORDER} LIMIT ${limit}`
      : `SELECT b.*, c."id" AS "c__id", c."last_message_text" AS "c__last_message_text" FROM ` +
        `(SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s."conversation_id" ${ORDER}) AS "search_best" FROM (${matches}) s) b ` +
        `INNER JOIN "conversations" c ON c."id" = b."conversation_id" WHERE b."search_best" = 1 ORDER BY b."search_score" DESC, b."search_time" DESC, b."id" DESC LIMIT ${limit}`;
  return { sql, parameters };
}
