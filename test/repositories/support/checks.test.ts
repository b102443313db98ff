// The argument checks every repository runs before SQL
// (src/repositories/support/checks.ts): ranges of the columns, one answer on
// both engines, linear work and bounded messages on every error path.
import { describe, expect, it } from 'vitest';
import { LeadStage } from '../../../src/enums';
import { EntityValidationError, InvalidEnumValueError } from '../../../src/errors';
import {
  checkCount,
  checkDate,
  checkEnum,
  checkId,
  checkInteger,
  checkKey,
  checkMaxLength,
  checkObject,
  checkPlatformTime,
  checkText,
  optionsOf,
  pickInput,
} from '../../../src/repositories/support/checks';

/** The one issue `fn` throws as EntityValidationError. */
function issueOf(fn: () => unknown): { property: string; rule: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EntityValidationError);
    const issue = (error as EntityValidationError).issues[0]!;
    return { property: issue.property, rule: issue.rules[0]!, message: issue.messages[0]! };
  }
  throw new Error('expected an EntityValidationError');
}

const LONG = 'x'.repeat(40_000);

describe('checkId', () => {
  it('accepts whole numbers from 1 to 2^31-1', () => {
    for (const id of [1, 42, 2 ** 31 - 1]) expect(() => checkId('User', 'id', id)).not.toThrow();
  });

  it('refuses 2^31 with rule max, which PostgreSQL integer cannot hold', () => {
    const issue = issueOf(() => checkId('User', 'id', 2 ** 31));
    expect(issue).toMatchObject({ property: 'id', rule: 'max' });
    expect(issue.message).toContain('from 1 to 2147483647');
  });

  it('refuses 0 and negative ids with rule min', () => {
    for (const id of [0, -1, -(2 ** 31)]) expect(issueOf(() => checkId('User', 'id', id)).rule).toBe('min');
  });

  it('refuses fractions, NaN, infinities, bigints, strings and objects with rule isInt', () => {
    for (const id of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 1n, '1', '1 OR 1=1', {}, [], null, undefined, true]) {
      expect(issueOf(() => checkId('User', 'id', id)).rule).toBe('isInt');
    }
  });

  it('names the bad number in its message', () => {
    expect(issueOf(() => checkId('Message', 'userId', 1.5)).message).toBe('userId must be a whole number from 1 to 2147483647, got 1.5');
  });

  it('refuses a 40,000-character id with a short message that does not quote it', () => {
    const issue = issueOf(() => checkId('User', 'id', LONG));
    expect(issue.message).not.toContain('xxxx');
    expect(issue.message.length).toBeLessThan(120);
  });
});

describe('checkCount and checkInteger', () => {
  it('keeps integer-column counts within 0..2^31-1 by default', () => {
    expect(() => checkCount('Post', 'likes', 0)).not.toThrow();
    expect(() => checkCount('Post', 'likes', 2 ** 31 - 1)).not.toThrow();
    expect(issueOf(() => checkCount('Post', 'likes', 2 ** 31)).rule).toBe('max');
    expect(issueOf(() => checkCount('Post', 'likes', -1)).rule).toBe('min');
  });

  it('allows bigint-column counts up to Number.MAX_SAFE_INTEGER', () => {
    expect(() => checkCount('AdCampaign', 'spendMinor', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).not.toThrow();
    expect(issueOf(() => checkCount('AdCampaign', 'spendMinor', 2 ** 53, Number.MAX_SAFE_INTEGER)).rule).toBe('max');
  });

  it('refuses fractional and non-number counts with rule isInt', () => {
    for (const value of [0.5, Number.NaN, '3', null]) expect(issueOf(() => checkInteger('User', 'delta', value, -10, 10)).rule).toBe('isInt');
  });
});

describe('checkDate', () => {
  it('accepts dates from 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z', () => {
    for (const date of [new Date(0), new Date('2025-03-01T10:00:00Z'), new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999))]) {
      expect(() => checkDate('Message', 'sentAt', date)).not.toThrow();
    }
  });

  it('refuses dates outside the range with rule dateRange and names the range', () => {
    for (const date of [new Date(-1), new Date(Date.UTC(10000, 0, 1)), new Date(8.64e15), new Date(-8.64e15), new Date(Date.UTC(-1, 0, 1))]) {
      const issue = issueOf(() => checkDate('Message', 'sentAt', date));
      expect(issue.rule).toBe('dateRange');
      expect(issue.message).toContain('from 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z');
    }
  });

  it('refuses an Invalid Date and anything not a Date with rule isDate', () => {
    for (const value of [new Date(Number.NaN), '2025-01-01', 1_700_000_000_000, null, {}]) {
      expect(issueOf(() => checkDate('Message', 'sentAt', value)).rule).toBe('isDate');
    }
  });
});

describe('checkPlatformTime', () => {
  const now = Date.UTC(2025, 5, 1, 12);

  it('accepts 2004-01-01 and one day after now, and refuses one millisecond beyond each', () => {
    expect(() => checkPlatformTime('Message', 'sentAt', new Date(Date.UTC(2004, 0, 1)), now)).not.toThrow();
    expect(() => checkPlatformTime('Message', 'sentAt', new Date(now + 86_400_000), now)).not.toThrow();
    expect(issueOf(() => checkPlatformTime('Message', 'sentAt', new Date(Date.UTC(2004, 0, 1) - 1), now)).rule).toBe('plausibleTime');
    expect(issueOf(() => checkPlatformTime('Message', 'sentAt', new Date(now + 86_400_001), now)).rule).toBe('plausibleTime');
  });

  it('names seconds read as milliseconds for a 1970 date', () => {
    const seconds = Math.floor(now / 1000);
    const { property, message } = issueOf(() => checkPlatformTime('Message', 'sentAt', new Date(seconds), now));
    expect(property).toBe('sentAt');
    expect(message).toMatch(/looks like seconds read as milliseconds/);
  });

  it('names milliseconds read as seconds for a far-future date', () => {
    expect(issueOf(() => checkPlatformTime('Message', 'at', new Date(now * 1000), now)).message).toMatch(/looks like milliseconds read as seconds/);
  });

  it('says a date a few days ahead is in the future, without a unit hint', () => {
    const { message } = issueOf(() => checkPlatformTime('Message', 'at', new Date(now + 3 * 86_400_000), now));
    expect(message).toMatch(/in the future/);
    expect(message).not.toMatch(/read as/);
  });

  it('refuses an Invalid Date and non-Dates with rule isDate', () => {
    expect(issueOf(() => checkPlatformTime('Message', 'at', new Date(Number.NaN), now)).rule).toBe('isDate');
    expect(issueOf(() => checkPlatformTime('Message', 'at', 1_700_000_000, now)).rule).toBe('isDate');
  });
});

describe('checkText and checkKey', () => {
  it('refuses a lone surrogate with rule wellFormed', () => {
    for (const text of ['\ud800', 'a\udc00', 'x\udbff']) expect(issueOf(() => checkText('User', 'psid', text)).rule).toBe('wellFormed');
  });

  it('refuses a NUL character with rule noNul', () => {
    expect(issueOf(() => checkText('User', 'psid', 'a\u0000b'))).toMatchObject({ rule: 'noNul', message: 'psid must not contain the NUL character (U+0000)' });
  });

  it('accepts surrogate pairs, variation selectors and control characters other than NUL', () => {
    expect(() => checkText('User', 'psid', '\u{1f431}\ufe0f\u0001\u007f')).not.toThrow();
  });

  it('refuses a key longer than its column in code points, counting a surrogate pair as one', () => {
    expect(() => checkKey('User', 'psid', '\u{1f431}'.repeat(64), 64)).not.toThrow();
    expect(issueOf(() => checkKey('User', 'psid', '\u{1f431}'.repeat(65), 64)).rule).toBe('maxLength');
  });

  it('refuses a 40,000-character key, and 20,000 lone surrogates, naming the field', () => {
    expect(issueOf(() => checkKey('User', 'psid', LONG, 64))).toMatchObject({ property: 'psid', rule: 'maxLength' });
    expect(issueOf(() => checkKey('User', 'psid', `${'\ud800'.repeat(20_000)}`, 40_000)).property).toBe('psid');
  });

  it('refuses an empty key with rule isNotEmpty and a non-string with rule isString', () => {
    expect(issueOf(() => checkKey('User', 'psid', '', 64)).rule).toBe('isNotEmpty');
    expect(issueOf(() => checkKey('User', 'psid', 5, 64)).rule).toBe('isString');
  });

  it('refuses a 5,000,000-character text over a limit of 100 with rule maxLength, and accepts exactly 100', () => {
    expect(issueOf(() => checkMaxLength('UserSearch', 'query', 'y'.repeat(5_000_000), 100))).toMatchObject({ property: 'query', rule: 'maxLength' });
    expect(() => checkMaxLength('UserSearch', 'query', 'y'.repeat(100), 100)).not.toThrow();
  });
});

describe('checkObject and optionsOf', () => {
  it('reads undefined options as an empty object', () => {
    expect(optionsOf('InboxRequest', 'request', undefined)).toEqual({});
  });

  it('refuses null, arrays and primitives with rule isObject', () => {
    for (const value of [null, [], 'x', 1, true]) expect(issueOf(() => checkObject('InboxRequest', 'request', value)).rule).toBe('isObject');
  });
});

describe('checkEnum', () => {
  it('gives back a member of the enum', () => {
    expect(checkEnum(LeadStage, 'LeadStage', 'hot')).toBe(LeadStage.HOT);
  });

  it('refuses anything else with InvalidEnumValueError naming the enum and the allowed values', () => {
    let caught: unknown;
    try {
      checkEnum(LeadStage, 'LeadStage', 'warmish');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEnumValueError);
    expect((caught as InvalidEnumValueError).enumName).toBe('LeadStage');
    expect((caught as InvalidEnumValueError).value).toBe('warmish');
    expect((caught as InvalidEnumValueError).allowed).toContain('closed_won');
  });

  it('builds the error of a cyclic object, a bigint or a 40,000-character string without failing, quoting only a description', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const value of [cyclic, 10n, LONG, Symbol('s')]) {
      let caught: unknown;
      try {
        checkEnum(LeadStage, 'LeadStage', value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidEnumValueError);
      expect((caught as Error).message.length).toBeLessThan(300);
    }
  });
});

describe('pickInput', () => {
  const KEYS: ReadonlySet<string> = new Set(['name', 'likes']);

  it('keeps the set properties and drops undefined ones', () => {
    expect(pickInput('Post', { name: 'a', likes: undefined }, KEYS)).toEqual({ name: 'a' });
  });

  it('refuses constructor, toString, hasOwnProperty and an own __proto__ as unknown properties', () => {
    const own = (key: string): Record<string, unknown> => Object.defineProperty({ name: 'a' }, key, { value: 1, enumerable: true });
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      expect(issueOf(() => pickInput('Post', own(key), KEYS))).toMatchObject({ property: key, rule: 'unknownProperty' });
    }
  });

  it('refuses id, createdAt and updatedAt as read-only', () => {
    for (const key of ['id', 'createdAt', 'updatedAt']) expect(issueOf(() => pickInput('Post', { [key]: 1 }, KEYS)).rule).toBe('readOnly');
  });

  it('quotes at most 32 characters of an unknown key', () => {
    const issue = issueOf(() => pickInput('Post', { [LONG]: 1 }, KEYS));
    expect(issue.property.length).toBeLessThanOrEqual(35);
    expect(issue.message.length).toBeLessThan(100);
  });
});
