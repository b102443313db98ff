// Shared validation (src/validation.ts): the bounded, iterative JSON check,
// text no engine stores as given, the date range, and validateEntity.
import { describe, expect, it } from 'vitest';
import { Message } from '../src/entities/message.entity';
import { User } from '../src/entities/user.entity';
import { MessageDirection, MessageSource } from '../src/enums';
import { EntityValidationError } from '../src/errors';
import {
  ATTACHMENT_LIMITS,
  MAX_DATE,
  MIN_DATE,
  SETTING_JSON_LIMITS,
  checkJson,
  describeValue,
  isDateInRange,
  textProblem,
  validateEntity,
} from '../src/validation';

/** The rule checkJson reports for `value` under the setting limits, or null. */
const ruleOf = (value: unknown): string | null => checkJson(value, 'value', SETTING_JSON_LIMITS).problem?.rule ?? null;

function nested(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

describe('checkJson', () => {
  it('accepts plain JSON and gives its text', () => {
    const value = { a: [1, 'two', null, true, { b: -0.5 }], c: '\u{1f431}', d: Object.assign(Object.create(null) as object, { e: 1 }) };
    expect(checkJson(value, 'value', SETTING_JSON_LIMITS)).toEqual({ problem: null, text: JSON.stringify(value) });
  });

  it('accepts nesting to 32 levels and refuses 33 with rule maxDepth', () => {
    expect(ruleOf(nested(31, (v) => [v]))).toBeNull();
    expect(ruleOf(nested(33, (v) => [v]))).toBe('maxDepth');
  });

  it('refuses 5,000 levels of arrays or objects with rule maxDepth, without a RangeError', () => {
    for (const wrap of [(v: unknown) => [v], (v: unknown) => ({ a: v })]) {
      const deep = nested(5000, wrap);
      expect(ruleOf(deep)).toBe('maxDepth');
    }
  });

  it('refuses more than 1,000,000 bytes of JSON text with rule maxSize, an 8 MB string at once', () => {
    expect(ruleOf({ big: 'x'.repeat(999_000) })).toBeNull();
    expect(ruleOf({ big: 'x'.repeat(1_000_001) })).toBe('maxSize');
    expect(ruleOf({ big: '\u00e9'.repeat(600_000) })).toBe('maxSize');
    const huge = [{ type: 'file', data: 'x'.repeat(8_000_000) }];
    expect(ruleOf(huge)).toBe('maxSize');
  });

  it('refuses more than 100,000 values with rule maxNodes', () => {
    expect(ruleOf(Array.from({ length: 100_001 }, () => 0))).toBe('maxNodes');
  });

  it('stops at the value limit on a shared subtree that would expand to 2^30 values', () => {
    const shared = nested(30, (v) => [v, v]);
    expect(ruleOf(shared)).toBe('maxNodes');
  });

  it('refuses bigints, functions, symbols, undefined in arrays, holes, NaN and cycles with rule isJson', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const value of [{ n: 10n }, { f: () => 1 }, { s: Symbol('s') }, [1, undefined], new Array(3), { n: Number.NaN }, { n: Number.POSITIVE_INFINITY }, cyclic, [cyclic]]) {
      expect(ruleOf(value)).toBe('isJson');
    }
  });

  it('refuses Dates, Maps, Sets, typed arrays and class instances, which JSON would change', () => {
    class Money {
      amount = 1;
    }
    for (const value of [new Date(), new Map(), new Set(), new Uint8Array(2), new Money(), { at: new Date() }]) expect(ruleOf(value)).toBe('isJson');
  });

  it('accepts a subtree shared by two parents, which is not a cycle', () => {
    const shared = { x: 1 };
    expect(ruleOf({ a: shared, b: shared })).toBeNull();
  });

  it('refuses NUL and lone surrogates in strings and keys with rules noNul and wellFormed', () => {
    expect(ruleOf({ a: 'x\u0000' })).toBe('noNul');
    expect(ruleOf({ a: '\ud800' })).toBe('wellFormed');
    expect(ruleOf({ ['k\u0000']: 1 })).toBe('noNul');
    expect(ruleOf({ ['\udc00']: 1 })).toBe('wellFormed');
  });

  it('names the path of the bad value, never the value', () => {
    const problem = checkJson({ list: [0, { secret: 'hunter2\u0000' }] }, 'value', SETTING_JSON_LIMITS).problem;
    expect(problem?.path).toBe('value.list[1].secret');
    expect(problem?.message).not.toContain('hunter2');
  });

  it('refuses an object property set to undefined in settings and leaves it out in attachments', () => {
    expect(ruleOf({ a: undefined })).toBe('isJson');
    expect(checkJson([{ type: 'image', url: undefined }], 'attachments', ATTACHMENT_LIMITS)).toEqual({ problem: null, text: '[{"type":"image"}]' });
  });

  it('refuses more than 100 attachments with rule arrayMaxSize, 100,000 at once', () => {
    expect(checkJson(Array.from({ length: 100 }, () => ({ type: 'image' })), 'attachments', ATTACHMENT_LIMITS).problem).toBeNull();
    const many = Array.from({ length: 100_000 }, () => ({ type: 'image' }));
    expect(checkJson(many, 'attachments', ATTACHMENT_LIMITS).problem?.rule).toBe('arrayMaxSize');
  });

  it('refuses attachments that are not an array with rule isArray', () => {
    expect(checkJson({ type: 'image' }, 'attachments', ATTACHMENT_LIMITS).problem?.rule).toBe('isArray');
  });

  it('refuses a value whose getter throws with rule isJson instead of throwing', () => {
    const value = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(ruleOf(value)).toBe('isJson');
  });
});

describe('textProblem', () => {
  it('finds lone surrogates and NUL, and nothing in well-formed text', () => {
    expect(textProblem('\ud800x')).toBe('wellFormed');
    expect(textProblem('x\u0000')).toBe('noNul');
    expect(textProblem('\u{1f431} مرحبا \ufe0f')).toBeNull();
  });
});

describe('isDateInRange', () => {
  it('accepts the ends of the range and refuses one millisecond beyond each', () => {
    expect(isDateInRange(MIN_DATE)).toBe(true);
    expect(isDateInRange(MAX_DATE)).toBe(true);
    expect(isDateInRange(new Date(MIN_DATE.getTime() - 1))).toBe(false);
    expect(isDateInRange(new Date(MAX_DATE.getTime() + 1))).toBe(false);
  });

  it('refuses an Invalid Date and non-Dates', () => {
    for (const value of [new Date(Number.NaN), 0, '2025-01-01', null]) expect(isDateInRange(value)).toBe(false);
  });
});

describe('describeValue', () => {
  it('describes long strings, objects and arrays by kind and size, never by content', () => {
    expect(describeValue('secret'.repeat(10_000))).toBe('a string of 60000 UTF-16 code units');
    expect(describeValue({ password: 'x' })).toBe('an object');
    expect(describeValue(new Array(5))).toBe('an array of 5 elements');
    expect(describeValue(1.5)).toBe('1.5');
  });
});

describe('validateEntity', () => {
  const message = (values: Partial<Message>): Message =>
    Object.assign(new Message(), { userId: 1, conversationId: 1, direction: MessageDirection.INBOUND, source: MessageSource.MESSENGER, text: 'hi', ...values });

  it('refuses an entity string with a lone surrogate with rule wellFormed, even where a validator would throw on it', async () => {
    const error = await validateEntity(Object.assign(new User(), { psid: 'p', email: '\udc00' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntityValidationError);
    expect((error as EntityValidationError).issues).toEqual([expect.objectContaining({ property: 'email', rules: ['wellFormed'] })]);
  });

  it('refuses an entity string with NUL with rule noNul and a message naming the field', async () => {
    const error = (await validateEntity(message({ text: 'a\u0000b' })).catch((e: unknown) => e)) as EntityValidationError;
    expect(error.issues[0]).toEqual({ property: 'text', rules: ['noNul'], messages: ['text must not contain the NUL character (U+0000)'] });
    expect(error.message).toContain('text (noNul: ');
  });

  it('refuses entity dates outside 1970..9999 with rule dateRange', async () => {
    const error = (await validateEntity(message({ sentAt: new Date(Date.UTC(10000, 0, 1)) })).catch((e: unknown) => e)) as EntityValidationError;
    expect(error.issues[0]).toMatchObject({ property: 'sentAt', rules: ['dateRange'] });
  });

  it('refuses integer columns above 2^31-1 with rule max', async () => {
    const error = (await validateEntity(message({ aiResponseTimeMs: 2 ** 31 })).catch((e: unknown) => e)) as EntityValidationError;
    expect(error.issues[0]).toMatchObject({ property: 'aiResponseTimeMs', rules: ['max'] });
  });

  it('checks attachments as bounded JSON and reports the path of the bad value', async () => {
    const error = (await validateEntity(message({ attachments: [{ type: 'image' }, { type: 'file', meta: { n: 10n } as unknown as string }] })).catch((e: unknown) => e)) as EntityValidationError;
    expect(error.issues[0]).toMatchObject({ property: 'attachments[1].meta.n', rules: ['isJson'] });
  });

  it('refuses a value over its column length in code points once, even when class-validator counts fewer', async () => {
    const error = (await validateEntity(Object.assign(new User(), { psid: 'a\ufe0f'.repeat(40) })).catch((e: unknown) => e)) as EntityValidationError;
    expect(error.issues).toEqual([expect.objectContaining({ property: 'psid', rules: ['maxLength'] })]);
  });
});
