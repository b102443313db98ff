/**
 * The one text normalisation of message search: the library stores it in
 * `messages.search_text` and applies it to every query, on both engines, so
 * what is indexed and what is asked for always agree.
 *
 * @module
 */

/** Combining marks: Latin accents, Arabic harakat, shadda, sukun, the hamza above or below a letter. */
const MARK = /\p{M}/gu;
/** Runs of anything that is not a letter or a digit. */
const SEPARATORS = /[^\p{L}\p{N}]+/gu;
/** Letters folded beyond what NFKD and lowercasing do. */
const FOLDED: Readonly<Record<string, string>> = {
  '\u0649': '\u064A', // alef maksura ى -> yeh ي
  '\u0629': '\u0647', // teh marbuta ة -> heh ه
  '\u0640': '', // tatweel ـ, a letter to Unicode (Lm), only stretches a word: removed
  '\u03C2': '\u03C3', // final sigma ς -> σ: lowercasing a whole text makes it at a word's end, a single letter does not
};
const TO_FOLD = /[\u0640\u0649\u0629\u03C2\u0660-\u0669\u06F0-\u06F9]/g;

function fold(c: string): string {
  const code = c.charCodeAt(0);
  // Arabic-Indic ٠-٩ and Extended Arabic-Indic (Persian, Urdu) ۰-۹ digits become 0-9.
  if (code >= 0x0660 && code <= 0x0669) return String(code - 0x0660);
  if (code >= 0x06f0 && code <= 0x06f9) return String(code - 0x06f0);
  return FOLDED[c] ?? c;
}

/**
 * The searchable form of a text: lowercase; compatibility-decomposed (NFKD)
 * with every combining mark dropped, so `Café` is `cafe`, `سَلامٌ` is
 * `سلام`, `أ إ آ` are `ا`, `ؤ` is `و`, `ئ` is `ي`, and Arabic presentation
 * forms (`ﻻ`) and ligatures (`ﬁ`) are their base letters; `ى` becomes `ي` and
 * `ة` becomes `ه`; the tatweel `ـ` is removed (`الســعر` is `السعر`); Arabic-Indic and Extended Arabic-Indic digits (`٤٥٠`,
 * `۴۵۰`) become `450`; and every run of characters that are not letters or
 * digits (spaces, punctuation, symbols and emoji) becomes one
 * space, without spaces at either end.
 *
 * So emoji and punctuation are not searchable: they only separate words.
 * Words are what both engines index (SQLite's FTS5 `unicode61` tokenizer and
 * PostgreSQL's `simple` text search configuration see nothing but letters,
 * digits and single spaces, so they split the text identically).
 *
 * Linear in the text; it never throws for a string (lone surrogates are
 * separators too).
 *
 * @example
 * ```ts
 * normalizeSearchText('الســعر كام؟ ٤٥٠'); // 'السعر كام 450'
 * normalizeSearchText('Café au lait 🔥');   // 'cafe au lait'
 * normalizeSearchText('price el XL kam?');  // 'price el xl kam'
 * ```
 */
export function normalizeSearchText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(MARK, '')
    .replace(TO_FOLD, fold)
    .replace(SEPARATORS, ' ')
    .trim();
}

/**
 * The words of a text as {@link normalizeSearchText} makes them, each with
 * where it is in the original text (UTF-16 offsets, `end` exclusive), for
 * highlighting. Each code point is normalised on its own, which gives the
 * same words as normalising the whole text (lowercasing is the only
 * context-dependent step, and the final sigma is folded).
 *
 * @internal
 */
export function wordsWithOffsets(text: string): Array<{ word: string; start: number; end: number }> {
  const words: Array<{ word: string; start: number; end: number }> = [];
  let word = '';
  let start = 0;
  const flush = (end: number): void => {
    if (word !== '') words.push({ word, start, end });
    word = '';
  };
  let offset = 0;
  for (const c of text) {
    const end = offset + c.length;
    // '' (a mark, the tatweel) joins the word it is in; ' ' separates; a few compatibility
    // characters (ﷺ) expand to several words, each of which spans the whole character.
    const parts = normalizeCharacter(c).split(' ');
    parts.forEach((part, k) => {
      if (k > 0) flush(k === 1 && parts[0] === '' ? offset : end);
      if (part === '') return;
      if (word === '') start = offset;
      word += part;
    });
    offset = end;
  }
  flush(offset);
  return words;
}

const characterCache = new Map<string, string>();

/** One code point's normalised form, without trimming ('' for a mark, ' ' for a separator). */
function normalizeCharacter(c: string): string {
  const cached = characterCache.get(c);
  if (cached !== undefined) return cached;
  const n = c.toLowerCase().normalize('NFKD').replace(MARK, '').replace(TO_FOLD, fold).replace(SEPARATORS, ' ');
  if (characterCache.size < 10_000) characterCache.set(c, n);
  return n;
}

/**
 * The `search_text` stored for a message's `text`: its normalised form, or
 * null when there is no text. Every writer of messages uses this one rule.
 * @internal
 */
export function searchTextOf(text: unknown): string | null {
  return typeof text === 'string' ? normalizeSearchText(text) : null;
}
