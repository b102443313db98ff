import { describe, expect, it } from 'vitest';
import { EntityValidationError } from '../../src/errors';
import { ftsMatchExpression, MAX_SEARCH_QUERY_LENGTH, parseSearchQuery, searchedWords, tsqueryText } from '../../src/search/query';

function refusal(query: unknown): { property: string; rules: string[] } {
  try {
    parseSearchQuery(query);
  } catch (e) {
    expect(e).toBeInstanceOf(EntityValidationError);
    const error = (e as EntityValidationError).issues[0]!;
    return { property: error.property, rules: error.rules };
  }
  throw new Error('not refused');
}

describe('parseSearchQuery', () => {
  it('reads plain words as all required', () => {
    expect(parseSearchQuery('Black XL')).toEqual({ groups: [[['black']], [['xl']]], excluded: [] });
  });

  it('reads a quoted phrase as its words in order, and an unclosed quote to the end', () => {
    expect(parseSearchQuery('"size XL" black').groups).toEqual([[['size', 'xl']], [['black']]]);
    expect(parseSearchQuery('black "size XL').groups).toEqual([[['black']], [['size', 'xl']]]);
  });

  it('reads a leading minus as an exclusion and an inner one as a separator', () => {
    expect(parseSearchQuery('t-shirt -red -"dark blue"')).toEqual({ groups: [[['t', 'shirt']]], excluded: [['red'], ['dark', 'blue']] });
  });

  it('reads OR between two words as either, binding tighter than AND', () => {
    expect(parseSearchQuery('black OR navy xl').groups).toEqual([[['black'], ['navy']], [['xl']]]);
    expect(parseSearchQuery('black or navy or red').groups).toEqual([[['black'], ['navy'], ['red']]]);
  });

  it('ignores an OR at either end or next to an exclusion, and finds a quoted "or"', () => {
    expect(parseSearchQuery('or black or').groups).toEqual([[['black']]]);
    expect(parseSearchQuery('black or -red')).toEqual({ groups: [[['black']]], excluded: [['red']] });
    expect(parseSearchQuery('"or" black').groups).toEqual([[['or']], [['black']]]);
  });

  it('normalises Arabic words as the indexed text is', () => {
    expect(parseSearchQuery('الســعر ٤٥٠').groups).toEqual([[['السعر']], [['450']]]);
  });

  it('drops words that are only emoji or punctuation', () => {
    expect(parseSearchQuery('🔥 black !!!').groups).toEqual([[['black']]]);
  });

  it('refuses a query with nothing to look for, naming query and the rule', () => {
    for (const q of ['', '   ', '-red', '-red -"dark blue"', '🔥👍', '""', 'OR', '*', ':']) expect(refusal(q)).toEqual({ property: 'query', rules: ['hasSearchWord'] });
  });

  it('refuses a query that is not a string, too long, or has too many words', () => {
    expect(refusal(42)).toEqual({ property: 'query', rules: ['isString'] });
    expect(refusal('a'.repeat(MAX_SEARCH_QUERY_LENGTH + 1))).toEqual({ property: 'query', rules: ['maxLength'] });
    expect(refusal('a '.repeat(40))).toEqual({ property: 'query', rules: ['maxWords'] });
  });

  it('writes FTS5 and tsquery text with every word quoted', () => {
    const q = parseSearchQuery('black or navy "size xl" -red');
    expect(ftsMatchExpression(q)).toBe('(("black" OR "navy") AND ("size xl")) NOT "red"');
    expect(tsqueryText(q)).toBe("('black' | 'navy') & ('size' <-> 'xl') & !'red'");
    expect([...searchedWords(q)]).toEqual(['black', 'navy', 'size', 'xl']);
  });

  it('turns FTS5 and tsquery operators typed by a user into words', () => {
    const q = parseSearchQuery('AND NEAR( x* a:b (c) ^d \'e\' & | !f <-> NOT');
    expect(ftsMatchExpression(q)).toBe('("and") AND ("near") AND ("x") AND ("a b") AND ("c") AND ("d") AND ("e") AND ("f") AND ("not")');
    expect(tsqueryText(q)).not.toMatch(/[*:^()]{1}[^' ]/);
  });
});
