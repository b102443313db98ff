import { describe, expect, it } from 'vitest';
import { SNIPPET_LENGTH, snippetOf } from '../../src/search/highlight';

describe('snippetOf', () => {
  it('highlights the original spelling of each normalised word', () => {
    const text = 'عايز الســعر بتاع Café XL؟';
    const snippet = snippetOf(text, new Set(['السعر', 'cafe']));
    expect(snippet.text).toBe(text);
    expect(snippet.highlights.map(([s, e]) => text.slice(s, e))).toEqual(['الســعر', 'Café']);
  });

  it('cuts a long message around the first match, with ellipses and shifted ranges', () => {
    const text = `${'x '.repeat(300)}black one ${'y '.repeat(300)}`;
    const snippet = snippetOf(text, new Set(['black']));
    expect(snippet.text.startsWith('\u2026')).toBe(true);
    expect(snippet.text.endsWith('\u2026')).toBe(true);
    expect(snippet.text.length).toBeLessThanOrEqual(SNIPPET_LENGTH + 3);
    expect(snippet.highlights.map(([s, e]) => snippet.text.slice(s, e))).toEqual(['black']);
  });

  it('never cuts an emoji in two', () => {
    const text = '🔥'.repeat(150) + ' xl ' + '🔥'.repeat(150);
    const snippet = snippetOf(text, new Set(['xl']));
    expect(snippet.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(snippet.highlights.map(([s, e]) => snippet.text.slice(s, e))).toEqual(['xl']);
  });
});
