import { describe, expect, it } from 'vitest';
import { normalizeSearchText, wordsWithOffsets } from '../../src/search/normalize';

describe('normalizeSearchText', () => {
  it('lowercases and removes Latin accents', () => {
    expect(normalizeSearchText('Café CRÈME Ñandú İstanbul')).toBe('cafe creme nandu istanbul');
  });

  it('removes Arabic harakat and shadda', () => {
    expect(normalizeSearchText('سَلامٌ مُحَمَّد')).toBe('سلام محمد');
  });

  it('folds the hamza forms of alef, waw and yeh into their base letters', () => {
    expect(normalizeSearchText('أحمد إسلام آخر مؤمن سائل')).toBe('احمد اسلام اخر مومن سايل');
  });

  it('folds alef maksura into yeh and teh marbuta into heh', () => {
    expect(normalizeSearchText('على مدرسة')).toBe(normalizeSearchText('علي مدرسه'));
  });

  it('removes the tatweel so a stretched word equals the plain one', () => {
    expect(normalizeSearchText('الســعر')).toBe(normalizeSearchText('السعر'));
    expect(normalizeSearchText('الســعر')).toBe('السعر');
  });

  it('turns Arabic-Indic and Extended Arabic-Indic digits into 0-9', () => {
    expect(normalizeSearchText('٤٥٠ جنيه')).toBe('450 جنيه');
    expect(normalizeSearchText('۴۵۰')).toBe('450');
    expect(normalizeSearchText('٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789 0123456789');
  });

  it('turns Arabic presentation forms and ligatures into base letters', () => {
    expect(normalizeSearchText('\uFEFB')).toBe('لا');
    expect(normalizeSearchText('\uFE8D\uFEDF\uFEB4\uFECC\uFEAE')).toBe('السعر');
    expect(normalizeSearchText('\uFB01ne')).toBe('fine');
  });

  it('keeps mixed Arabic and English text as its words', () => {
    expect(normalizeSearchText('price el XL kam? السعر كام؟')).toBe('price el xl kam السعر كام');
  });

  it('treats emoji, punctuation and symbols as separators, never as words', () => {
    expect(normalizeSearchText('🔥 black👍🏽one!!! 😀')).toBe('black one');
    expect(normalizeSearchText('🔥👍🏽')).toBe('');
  });

  it('never throws on lone surrogates, NUL or long input', () => {
    expect(normalizeSearchText('\uD800a\uDC00b\u0000c')).toBe('a b c');
    expect(normalizeSearchText('ab '.repeat(10_000))).toBe(Array(10_000).fill('ab').join(' '));
  });
});

describe('wordsWithOffsets', () => {
  it('gives the words of the whole-text normalisation with their places in the original', () => {
    const text = 'الســعر كام؟ ٤٥٠ Café';
    const words = wordsWithOffsets(text);
    expect(words.map((w) => w.word).join(' ')).toBe(normalizeSearchText(text));
    expect(words.map((w) => text.slice(w.start, w.end))).toEqual(['الســعر', 'كام', '٤٥٠', 'Café']);
  });

  it('counts surrogate pairs as two code units', () => {
    const text = '🔥 xl';
    expect(wordsWithOffsets(text)).toEqual([{ word: 'xl', start: 3, end: 5 }]);
  });

  it('agrees with the whole-text normalisation on a final sigma', () => {
    expect(wordsWithOffsets('ΟΔΟΣ').map((w) => w.word)).toEqual([normalizeSearchText('ΟΔΟΣ')]);
  });
});
