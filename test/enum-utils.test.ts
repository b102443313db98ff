import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  enumToName,
  enumToValue,
  isEnumValue,
  parseEnum,
  registerEnumName,
  safeEnumComparison,
  type StringEnum,
} from '../src/enum-utils';
import * as enums from '../src/enums';
import { CustomerLabel, LeadStage, MessageSource } from '../src/enums';
import { InvalidEnumValueError, isMigochatDbError } from '../src/errors';

const ALL_ENUMS = Object.entries(enums) as Array<[string, StringEnum]>;

/** One enum of src/enums.ts and one of its values. */
const enumAndValue = fc
  .constantFrom(...ALL_ENUMS)
  .chain(([name, e]) => fc.constantFrom(...Object.values(e)).map((value) => ({ name, e, value })));

/** One enum of src/enums.ts and a string that is not one of its values. */
const enumAndForeignString = fc
  .constantFrom(...ALL_ENUMS)
  .chain(([name, e]) =>
    fc
      .oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('__proto__', 'constructor', 'toString', ...Object.keys(e)))
      .filter((s) => !Object.values(e).includes(s))
      .map((value) => ({ name, e, value })),
  );

describe('enumToValue', () => {
  it('returns the persisted value of an enum member', () => {
    expect(enumToValue(LeadStage.CLOSED_WON)).toBe('closed_won');
  });

  it('returns a raw value unchanged', () => {
    expect(enumToValue('hot')).toBe('hot');
  });

  it('returns null for null or undefined when no fallback is given', () => {
    expect(enumToValue(null)).toBeNull();
    expect(enumToValue(undefined)).toBeNull();
  });

  it('returns the fallback for null or undefined', () => {
    expect(enumToValue(null, LeadStage.NEW)).toBe('new');
    expect(enumToValue(undefined, 'unknown')).toBe('unknown');
  });

  it('ignores the fallback when a value is given', () => {
    expect(enumToValue(MessageSource.WHATSAPP, 'fallback')).toBe('whatsapp');
  });
});

describe('enumToName', () => {
  it('names the member of a raw value', () => {
    expect(enumToName(LeadStage, 'closed_won')).toBe('CLOSED_WON');
  });

  it('names the member of an enum member', () => {
    expect(enumToName(CustomerLabel, CustomerLabel.UNQUALIFIED)).toBe('UNQUALIFIED');
  });

  it('returns null for an unknown value without a fallback', () => {
    expect(enumToName(LeadStage, 'nope')).toBeNull();
  });

  it('returns the fallback for an unknown value', () => {
    expect(enumToName(LeadStage, 'nope', 'UNKNOWN')).toBe('UNKNOWN');
  });

  it('returns the fallback for null and undefined', () => {
    expect(enumToName(LeadStage, null)).toBeNull();
    expect(enumToName(LeadStage, undefined, 'NONE')).toBe('NONE');
  });

  it('does not treat a member name as a value', () => {
    expect(enumToName(LeadStage, 'CLOSED_WON')).toBeNull();
  });
});

describe('safeEnumComparison', () => {
  it('matches a member against the same member', () => {
    expect(safeEnumComparison(LeadStage.HOT, LeadStage.HOT)).toBe(true);
  });

  it('matches a raw value against a member and a member against a raw value', () => {
    expect(safeEnumComparison('hot', CustomerLabel.HOT)).toBe(true);
    expect(safeEnumComparison(CustomerLabel.HOT, 'hot')).toBe(true);
  });

  it('does not match different values', () => {
    expect(safeEnumComparison(LeadStage.HOT, LeadStage.NEW)).toBe(false);
  });

  it('matches when the value is any of an array of expected values', () => {
    expect(safeEnumComparison('closed_lost', [LeadStage.CLOSED_WON, LeadStage.CLOSED_LOST])).toBe(true);
  });

  it('does not match when the value is none of an array of expected values', () => {
    expect(safeEnumComparison(LeadStage.NEW, [LeadStage.CLOSED_WON, LeadStage.CLOSED_LOST])).toBe(false);
  });

  it('never matches an empty array', () => {
    expect(safeEnumComparison(LeadStage.NEW, [])).toBe(false);
  });

  it('never matches a null or undefined value, even against null', () => {
    expect(safeEnumComparison(null, LeadStage.NEW)).toBe(false);
    expect(safeEnumComparison(undefined, LeadStage.NEW)).toBe(false);
    expect(safeEnumComparison(null, null)).toBe(false);
    expect(safeEnumComparison(undefined, [undefined, null])).toBe(false);
  });

  it('skips null and undefined entries of the expected values', () => {
    expect(safeEnumComparison('hot', null)).toBe(false);
    expect(safeEnumComparison('hot', undefined)).toBe(false);
    expect(safeEnumComparison('hot', [null, undefined, 'hot'])).toBe(true);
  });

  it('does not throw on values that cannot be turned into strings', () => {
    const noPrototype = Object.create(null) as unknown as string;
    const hostile = { toString: () => { throw new Error('boom'); } } as unknown as string;
    expect(safeEnumComparison(noPrototype, 'hot')).toBe(false);
    expect(safeEnumComparison('hot', [noPrototype, hostile])).toBe(false);
    expect(safeEnumComparison(hostile, hostile)).toBe(false);
  });

  it('does not match an object whose text happens to equal the value', () => {
    expect(safeEnumComparison(['hot'] as unknown as string, 'hot')).toBe(false);
  });
});

describe('isEnumValue', () => {
  it('accepts a value of the enum', () => {
    expect(isEnumValue(MessageSource, 'lead_center')).toBe(true);
  });

  it('refuses a value of another enum, a member name and non-strings', () => {
    expect(isEnumValue(MessageSource, 'hot')).toBe(false);
    expect(isEnumValue(MessageSource, 'LEAD_CENTER')).toBe(false);
    expect(isEnumValue(MessageSource, null)).toBe(false);
    expect(isEnumValue(MessageSource, undefined)).toBe(false);
    expect(isEnumValue(MessageSource, 1)).toBe(false);
    expect(isEnumValue(MessageSource, { toString: () => 'manual' })).toBe(false);
  });

  it('narrows the type of an accepted value', () => {
    const input: unknown = 'whatsapp';
    if (!isEnumValue(MessageSource, input)) throw new Error('expected a MessageSource');
    const narrowed: MessageSource = input;
    expect(narrowed).toBe(MessageSource.WHATSAPP);
  });
});

describe('parseEnum', () => {
  it('returns the member for a valid raw value', () => {
    expect(parseEnum(LeadStage, 'qualified')).toBe(LeadStage.QUALIFIED);
  });

  it('throws InvalidEnumValueError naming the enum, the bad value and the allowed values', () => {
    let error: unknown;
    try {
      parseEnum(LeadStage, 'bogus');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnumValueError);
    const e = error as InvalidEnumValueError;
    expect(e.code).toBe('INVALID_ENUM_VALUE');
    expect(e.enumName).toBe('LeadStage');
    expect(e.value).toBe('bogus');
    expect(e.allowed).toEqual(Object.values(LeadStage));
    expect(e.message).toContain('LeadStage');
    expect(e.message).toContain('"bogus"');
    expect(e.message).toContain('closed_won');
    expect(isMigochatDbError(e)).toBe(true);
  });

  it('throws for null, undefined and non-string values', () => {
    expect(() => parseEnum(LeadStage, null)).toThrow(InvalidEnumValueError);
    expect(() => parseEnum(LeadStage, undefined)).toThrow(/Invalid LeadStage: undefined/);
    expect(() => parseEnum(LeadStage, 3)).toThrow(InvalidEnumValueError);
  });

  it('refuses a member name where a value is expected', () => {
    expect(() => parseEnum(LeadStage, 'CLOSED_WON')).toThrow(InvalidEnumValueError);
  });

  it('names a foreign enum by its registered name, or "enum" when unregistered', () => {
    const Color = { RED: 'red' } as const;
    expect(() => parseEnum(Color, 'blue')).toThrow(/^Invalid enum: "blue"; allowed: red$/);
    registerEnumName(Color, 'Color');
    expect(() => parseEnum(Color, 'blue')).toThrow(/^Invalid Color: "blue"; allowed: red$/);
  });
});

describe('enum helpers over every enum (properties)', () => {
  it('parseEnum(E, enumToValue(v)) gives v back', () => {
    fc.assert(fc.property(enumAndValue, ({ e, value }) => parseEnum(e, enumToValue(value)) === value));
  });

  it('enumToName(E, v) names the member whose value is v', () => {
    fc.assert(
      fc.property(enumAndValue, ({ e, value }) => {
        const name = enumToName(e, value);
        return name !== null && e[name] === value;
      }),
    );
  });

  it('a value always equals itself under safeEnumComparison, alone or in an array', () => {
    fc.assert(
      fc.property(enumAndValue, ({ value }) => safeEnumComparison(value, value) && safeEnumComparison(value, [value])),
    );
  });

  it('isEnumValue accepts every value of its enum', () => {
    fc.assert(fc.property(enumAndValue, ({ e, value }) => isEnumValue(e, value)));
  });

  it('strings outside an enum are refused by isEnumValue, parseEnum and enumToName', () => {
    fc.assert(
      fc.property(enumAndForeignString, ({ name, e, value }) => {
        expect(isEnumValue(e, value)).toBe(false);
        expect(enumToName(e, value)).toBeNull();
        try {
          parseEnum(e, value);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEnumValueError);
          expect((error as InvalidEnumValueError).enumName).toBe(name);
          expect((error as InvalidEnumValueError).value).toBe(value);
          return;
        }
        throw new Error(`parseEnum accepted ${JSON.stringify(value)} for ${name}`);
      }),
    );
  });

  it('safeEnumComparison never throws and only matches equal strings, whatever it is given', () => {
    const anything = fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true });
    fc.assert(
      fc.property(anything, fc.oneof(anything, fc.array(anything)), (value, expected) => {
        const result = safeEnumComparison(value as string, expected as string[]);
        expect(typeof result).toBe('boolean');
        if (result) {
          const candidates: unknown[] = Array.isArray(expected) ? expected : [expected];
          expect(typeof value).toBe('string');
          expect(candidates).toContain(value);
        }
      }),
    );
  });
});
