import { describe, expect, it } from 'vitest';
import { EntityValidationError } from '../src/errors';
import { normalizePhoneNumber } from '../src/phone-number';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+201001234567'],
    ['201001234567'],
    ['00201001234567'],
    ['+20 100 123 4567'],
    ['+20-100-123-4567'],
    ['+20 (100) 123.4567'],
    ['+20 0100 123 4567'],
    ['\u200e+20 100 123 4567\u200f'],
    ['+\u0662\u0660\u0661\u0660\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667'],
  ])('turns %j into +201001234567', (input) => {
    expect(normalizePhoneNumber(input)).toBe('+201001234567');
  });

  it('keeps numbers of other countries in their E.164 form', () => {
    expect(normalizePhoneNumber('+1 (202) 555-0123')).toBe('+12025550123');
    expect(normalizePhoneNumber('00390612345678')).toBe('+390612345678');
  });

  it.each([['12345'], ['01001234567'], ['+20100123456'], ['+20 100 abc 4567'], [''], ['+'], ['9'.repeat(30)]])('refuses %j with rule isPhoneNumber', (input) => {
    let error: unknown;
    try {
      normalizePhoneNumber(input, 'from');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EntityValidationError);
    expect((error as EntityValidationError).issues[0]).toMatchObject({ property: 'from', rules: ['isPhoneNumber'] });
  });

  it('names the field and the rule in the message itself, never the number', () => {
    expect(() => normalizePhoneNumber('98765')).toThrow(/^Invalid User: phoneNumber \(isPhoneNumber: phoneNumber must be a valid phone number with its country code, such as \+201001234567/);
    expect(() => normalizePhoneNumber('98765')).not.toThrow(/98765/);
  });

  it('refuses non-strings, long text and NUL with their own rules', () => {
    const ruleOf = (input: unknown): string | undefined => {
      try {
        normalizePhoneNumber(input as string);
      } catch (e) {
        return (e as EntityValidationError).issues[0]?.rules[0];
      }
      return undefined;
    };
    expect([ruleOf(201001234567), ruleOf('1'.repeat(65)), ruleOf('+2010\u00000123')]).toEqual(['isString', 'maxLength', 'noNul']);
  });
});
