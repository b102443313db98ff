import { describe, expect, it } from 'vitest';
import { normalizeSearchText } from '../../src/search/normalize';
import { parseSearchQuery } from '../../src/search/query';
import { relevanceOf } from '../../src/search/rank';

const score = (text: string, query: string): number => relevanceOf(normalizeSearchText(text), parseSearchQuery(query));

describe('relevanceOf', () => {
  it('ranks a message with more of the query words higher', () => {
    expect(score('black one in size xl', 'black or xl or size')).toBeGreaterThan(score('black one in size m', 'black or xl or size'));
  });

  it('ranks a message with a word more often higher, with diminishing returns', () => {
    const once = score('black dress for me', 'black');
    const twice = score('black black dress me', 'black');
    const thrice = score('black black black me', 'black');
    expect(twice).toBeGreaterThan(once);
    expect(thrice - twice).toBeLessThan(twice - once);
  });

  it('ranks a shorter message with the same words higher', () => {
    expect(score('black xl', 'black xl')).toBeGreaterThan(score('do you have the black one in xl please tell me', 'black xl'));
  });

  it('counts a phrase only with its words next to each other, weighted by its words', () => {
    expect(score('size xl please', '"size xl"')).toBeGreaterThan(score('size please xl', '"size xl"'));
    expect(score('size please xl', '"size xl"')).toBe(0);
    expect(score('size xl', '"size xl"')).toBeCloseTo(2 * score('xl', 'xl') * (score('size xl', 'xl') / score('xl', 'xl')));
  });

  it('gives Arabic text the same score whatever its spelling variants', () => {
    expect(score('الســعر كام', 'السعر')).toBe(score('السعر كام', 'السعر'));
  });

  it('scores a text without any query word 0, and never below', () => {
    expect(score('', 'black')).toBe(0);
    expect(score('navy one', 'black -navy')).toBe(0);
    expect(score('black navy', 'black -navy')).toBeGreaterThan(0);
  });
});
