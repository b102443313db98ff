/**
 * The relevance of a matching message, computed in JavaScript from its
 * `search_text`, the same on both engines.
 *
 * Why not the engines' own ranking: FTS5's `bm25()` reads each query word's
 * whole posting list for its document frequency and costs about 10 us per
 * ranked row, and PostgreSQL's `ts_rank()` rebuilds each row's `tsvector`;
 * at a million messages that was 56 ms (SQLite) and 100 ms (PostgreSQL) at
 * p95 for a two-word query (bench/RESULTS.md). Chat messages are short, so
 * what ranks them is BM25's term saturation and length normalisation; its
 * inverse document frequency, which needs corpus statistics, is left out.
 *
 * @module
 */
import type { ParsedSearchQuery, SearchPhrase } from './query';

/**
 * How many matches a search ranks at a time, newest first: the first pages
 * list the newest this many matches by relevance, then come the next this
 * many, again by relevance, and so on. Ranking every match of a common word
 * (a fifth of a million messages) costs more than a page may; this many
 * rank in well under a millisecond, and reading them is most of a search's
 * time on PostgreSQL, in proportion to the window (bench/RESULTS.md).
 */
export const SEARCH_WINDOW = 300;

/** BM25's term-frequency saturation. */
const K1 = 1.2;
/** BM25's length normalisation. */
const B = 0.75;
/** The length (in words) of a typical chat message, BM25's "average document length". */
const TYPICAL_WORDS = 10;

/** How often `phrase` occurs in `words`, its words next to each other and in order. */
function occurrences(words: readonly string[], phrase: SearchPhrase): number {
  let n = 0;
  const last = words.length - phrase.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < phrase.length; j++) if (words[i + j] !== phrase[j]) continue outer;
    n++;
  }
  return n;
}

/**
 * The relevance of a message to a query (higher is better): for every
 * phrase of the query the message holds, BM25's weight of its count given
 * the message's length, times the phrase's words. So a message with more of
 * the query's words (`black or xl or size`), with a word more often, or
 * shorter ranks higher. Exclusions do not count: a message that has one is
 * not a match.
 *
 * @param searchText - The message's `search_text` (normalised: words separated by single spaces).
 * @internal
 */
export function relevanceOf(searchText: string, query: ParsedSearchQuery): number {
  const words = searchText === '' ? [] : searchText.split(' ');
  const norm = K1 * (1 - B + (B * words.length) / TYPICAL_WORDS);
  let score = 0;
  for (const group of query.groups) {
    for (const phrase of group) {
      const tf = occurrences(words, phrase);
      if (tf > 0) score += (phrase.length * (tf * (K1 + 1))) / (tf + norm);
    }
  }
  return score;
}
