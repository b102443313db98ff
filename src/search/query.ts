/**
 * The search query language (PostgreSQL's `websearch_to_tsquery` syntax,
 * parsed once in JavaScript): words, `"quoted phrases"`, `-exclusions` and
 * `OR`, normalised with {@link normalizeSearchText}, then written as an FTS5
 * `MATCH` expression or a PostgreSQL `to_tsquery` text in which every word is
 * quoted, so nothing a user types is ever query syntax to either engine.
 *
 * @module
 */
import { invalid } from '../validation';
import { normalizeSearchText } from './normalize';

/** The longest query accepted, in UTF-16 code units. */
export const MAX_SEARCH_QUERY_LENGTH = 1000;
/** The most words a query may hold, phrases' words and exclusions included. */
export const MAX_SEARCH_QUERY_WORDS = 32;

/** A word (one element) or a phrase (its words in order), normalised. */
export type SearchPhrase = readonly string[];

/**
 * A parsed query: a message matches when it has, for every group, at least
 * one of the group's phrases, and none of the excluded phrases.
 */
export interface ParsedSearchQuery {
  /** ANDed groups of ORed phrases; never empty. */
  readonly groups: ReadonlyArray<ReadonlyArray<SearchPhrase>>;
  /** Phrases a match must not have. */
  readonly excluded: ReadonlyArray<SearchPhrase>;
}

interface Item {
  phrase: SearchPhrase;
  negated: boolean;
  /** The bare word `or` outside quotes: an operator. */
  or: boolean;
}

/**
 * Parses a search query.
 *
 * - `black xl`: messages with both words (in any order, anywhere).
 * - `"size xl"`: the words next to each other, in this order. An unclosed
 *   quote runs to the end of the query.
 * - `-red`, `-"dark red"`: messages without the word or phrase (a `-` at the
 *   start of a word; inside a word, as in `t-shirt`, it separates words of a
 *   phrase, as any punctuation does).
 * - `black or navy`: either word (`OR` in any case). It binds tighter than
 *   the implicit AND: `black or navy xl` is `(black OR navy) AND xl`. An `or`
 *   at either end, next to another `or` or next to an exclusion is ignored.
 *
 * Words are normalised as the indexed text is; a word that normalises to
 * nothing (an emoji, punctuation) is dropped.
 *
 * @throws {@link EntityValidationError} (entity `MessageSearch`, property
 * `query`) when the query is not a string (`isString`), is longer than
 * {@link MAX_SEARCH_QUERY_LENGTH} (`maxLength`), holds more than
 * {@link MAX_SEARCH_QUERY_WORDS} words (`maxWords`) or has no word to look
 * for (`hasSearchWord`: empty, only exclusions, only emoji or punctuation).
 * @internal
 */
export function parseSearchQuery(query: unknown): ParsedSearchQuery {
  if (typeof query !== 'string') invalid('MessageSearch', 'query', 'isString', 'the search query must be a string');
  if (query.length > MAX_SEARCH_QUERY_LENGTH) {
    invalid('MessageSearch', 'query', 'maxLength', `the search query must be at most ${MAX_SEARCH_QUERY_LENGTH} characters, got ${query.length}`);
  }
  const items = lex(query);
  const words = items.reduce((n, item) => n + (item.or ? 0 : item.phrase.length), 0);
  if (words > MAX_SEARCH_QUERY_WORDS) invalid('MessageSearch', 'query', 'maxWords', `the search query may hold at most ${MAX_SEARCH_QUERY_WORDS} words, got ${words}`);

  const groups: SearchPhrase[][] = [];
  const excluded: SearchPhrase[] = [];
  let joinNext = false;
  items.forEach((item, i) => {
    if (item.or) {
      const before = items[i - 1];
      const after = items[i + 1];
      // An operator only between two plain (not excluded) terms, as websearch_to_tsquery reads it.
      joinNext = before !== undefined && !before.or && !before.negated && after !== undefined && !after.or && !after.negated && groups.length > 0;
      return;
    }
    if (item.negated) excluded.push(item.phrase);
    else if (joinNext) groups[groups.length - 1]!.push(item.phrase);
    else groups.push([item.phrase]);
    joinNext = false;
  });
  if (groups.length === 0) {
    invalid(
      'MessageSearch',
      'query',
      'hasSearchWord',
      'the search query needs at least one word to look for (exclusions alone, emoji and punctuation find nothing)',
    );
  }
  return { groups, excluded };
}

/** The query's terms: words outside quotes, quoted phrases, `-` before either, bare `or`. */
function lex(query: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query[i]!;
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    let negated = false;
    if (c === '-') {
      negated = true;
      i++;
    }
    let raw: string;
    let quoted = false;
    if (query[i] === '"') {
      const close = query.indexOf('"', i + 1);
      raw = query.slice(i + 1, close === -1 ? n : close);
      i = close === -1 ? n : close + 1;
      quoted = true;
    } else {
      let j = i;
      while (j < n && !/\s/u.test(query[j]!) && query[j] !== '"') j++;
      raw = query.slice(i, j);
      i = j;
    }
    const normalised = normalizeSearchText(raw);
    if (normalised === '') continue;
    const or = !quoted && !negated && normalised === 'or';
    items.push({ phrase: normalised.split(' '), negated, or });
  }
  return items;
}

/** A phrase as an FTS5 string: one quoted string is a phrase there (its words next to each other, in order). */
function ftsPhrase(phrase: SearchPhrase): string {
  return `"${phrase.join(' ').replace(/"/g, '""')}"`;
}

/**
 * The query as an FTS5 `MATCH` expression: every phrase a quoted string, so
 * `AND`, `NEAR(`, `*`, `:` or `^` typed by a user are words, never syntax.
 *
 * @example
 * ```ts
 * ftsMatchExpression(parseSearchQuery('black or navy "size xl" -red'));
 * // '(("black" OR "navy") AND ("size xl")) NOT "red"'
 * ```
 * @internal
 */
export function ftsMatchExpression(query: ParsedSearchQuery): string {
  const all = query.groups.map((group) => `(${group.map(ftsPhrase).join(' OR ')})`).join(' AND ');
  // FTS5's NOT is binary (a NOT b); each exclusion wraps what is left of it.
  return query.excluded.reduce((expression, phrase) => `(${expression}) NOT ${ftsPhrase(phrase)}`, all);
}

/** A word as a quoted `tsquery` lexeme (quotes and backslashes escaped, though normalised words hold neither). */
function lexeme(word: string): string {
  return `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function tsPhrase(phrase: SearchPhrase): string {
  return phrase.length === 1 ? lexeme(phrase[0]!) : `(${phrase.map(lexeme).join(' <-> ')})`;
}

/**
 * The query as the text of PostgreSQL's `to_tsquery('simple', ...)`: quoted
 * lexemes, `&`, `|`, `!` and `<->` for phrases.
 *
 * @example
 * ```ts
 * tsqueryText(parseSearchQuery('black or navy "size xl" -red'));
 * // "('black' | 'navy') & ('size' <-> 'xl') & !'red'"
 * ```
 * @internal
 */
export function tsqueryText(query: ParsedSearchQuery): string {
  const groups = query.groups.map((group) => (group.length === 1 ? tsPhrase(group[0]!) : `(${group.map(tsPhrase).join(' | ')})`));
  return [...groups, ...query.excluded.map((phrase) => `!${tsPhrase(phrase)}`)].join(' & ');
}

/** Every word a match has (the words of the query's groups), for highlighting. @internal */
export function searchedWords(query: ParsedSearchQuery): Set<string> {
  return new Set(query.groups.flat(2));
}
