/**
 * Snippets of search results: a piece of a message's original text with
 * where the searched words are in it, computed in JavaScript the same way on
 * both engines.
 *
 * @module
 */
import { wordsWithOffsets } from './normalize';

/** How much of a long message a snippet shows, in UTF-16 code units (before the ellipses). */
export const SNIPPET_LENGTH = 200;
/** How much text a snippet shows before the first highlighted word, when it has to cut. */
const CONTEXT_BEFORE = 60;
const ELLIPSIS = '\u2026';

/**
 * A piece of a message's original text and the ranges of it that matched the
 * query: `[start, end)` offsets into `text` (UTF-16 code units, as
 * `String.prototype.slice` takes them), in order, never overlapping. A
 * structure rather than markup, so a UI wraps the ranges in whatever it uses
 * (`<mark>`, bold, colour) and the message's own text never needs escaping.
 *
 * @example
 * ```ts
 * function render(snippet: SearchSnippet): string {
 *   let out = '';
 *   let at = 0;
 *   for (const [start, end] of snippet.highlights) {
 *     out += escapeHtml(snippet.text.slice(at, start)) + '<mark>' + escapeHtml(snippet.text.slice(start, end)) + '</mark>';
 *     at = end;
 *   }
 *   return out + escapeHtml(snippet.text.slice(at));
 * }
 * ```
 */
export interface SearchSnippet {
  /**
   * The text: the whole message when it is at most {@link SNIPPET_LENGTH}
   * characters, otherwise that many around the first match, with `…` where
   * it was cut.
   */
  text: string;
  /** The matched words' ranges in `text`. */
  highlights: Array<[start: number, end: number]>;
}

/**
 * The snippet of `text` for these normalised words: every word of the text
 * whose normalised form is one of them is highlighted (`السعر` highlights
 * `الســعر`, `cafe` highlights `Café`).
 *
 * @internal
 */
export function snippetOf(text: string, words: ReadonlySet<string>): SearchSnippet {
  const ranges = wordsWithOffsets(text)
    .filter((w) => words.has(w.word))
    .map((w): [number, number] => [w.start, w.end]);
  if (text.length <= SNIPPET_LENGTH) return { text, highlights: ranges };
  let from = Math.max(0, (ranges[0]?.[0] ?? 0) - CONTEXT_BEFORE);
  let to = Math.min(text.length, from + SNIPPET_LENGTH);
  from = Math.max(0, to - SNIPPET_LENGTH);
  // Never cut a surrogate pair in two.
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from--;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to++;
  const prefix = from > 0 ? ELLIPSIS : '';
  const suffix = to < text.length ? ELLIPSIS : '';
  const shift = prefix.length - from;
  return {
    text: prefix + text.slice(from, to) + suffix,
    highlights: ranges.filter(([s, e]) => s >= from && e <= to).map(([s, e]): [number, number] => [s + shift, e + shift]),
  };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
