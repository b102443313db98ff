/**
 * Null-safe helpers for the string enums: convert, name, compare and parse
 * values whether they arrive as enum members or as raw stored strings.
 *
 * @module
 */
import * as enums from './enums';
import { InvalidEnumValueError } from './errors';

/** Any string enum object, e.g. `LeadStage`. */
export type StringEnum = Record<string, string>;

const enumNames = new WeakMap<object, string>();
for (const [name, value] of Object.entries(enums)) enumNames.set(value, name);

/**
 * Gives an enum a name for error messages (our own enums are registered already).
 *
 * @example
 * ```ts
 * enum Color { RED = 'red' }
 * registerEnumName(Color, 'Color');
 * ```
 */
export function registerEnumName(enumObject: StringEnum, name: string): void {
  enumNames.set(enumObject, name);
}

function nameOf(enumObject: StringEnum): string {
  return enumNames.get(enumObject) ?? 'enum';
}

/**
 * The persisted value of an enum member or raw value; `null`/`undefined` give `fallback`.
 *
 * @example
 * ```ts
 * enumToValue(LeadStage.HOT);   // 'hot'
 * enumToValue(undefined, 'new'); // 'new'
 * ```
 */
export function enumToValue<F = null>(value: string | null | undefined, fallback?: F): string | F {
  if (value === null || value === undefined) return (fallback ?? null) as F;
  return String(value);
}

/**
 * The member name for a value or member of `enumObject`; unknown, `null` or
 * `undefined` give `fallback`.
 *
 * @example
 * ```ts
 * enumToName(LeadStage, 'closed_won'); // 'CLOSED_WON'
 * enumToName(LeadStage, 'nope', 'UNKNOWN'); // 'UNKNOWN'
 * ```
 */
export function enumToName<E extends StringEnum, F = null>(
  enumObject: E,
  value: string | null | undefined,
  fallback?: F,
): (keyof E & string) | F {
  if (value !== null && value !== undefined) {
    for (const key of Object.keys(enumObject)) {
      if (enumObject[key] === value) return key as keyof E & string;
    }
  }
  return (fallback ?? null) as F;
}

/**
 * Compares a member or raw value with one expected value or any of several.
 * `null`/`undefined` (and any non-string) on the left never match; it never throws.
 *
 * @example
 * ```ts
 * safeEnumComparison(user.leadStage, [LeadStage.CLOSED_WON, LeadStage.CLOSED_LOST]);
 * safeEnumComparison('hot', CustomerLabel.HOT); // true
 * ```
 */
export function safeEnumComparison(
  value: string | null | undefined,
  expected: string | null | undefined | ReadonlyArray<string | null | undefined>,
): boolean {
  // Enum members are their string values, so only strings can match; anything
  // else (null, objects, even ones whose toString throws) is a plain miss.
  if (typeof value !== 'string') return false;
  const candidates: readonly unknown[] = Array.isArray(expected) ? expected : [expected];
  return candidates.some((c) => c === value);
}

/**
 * Type guard: whether `value` is one of the values of `enumObject`.
 *
 * @example
 * ```ts
 * if (isEnumValue(MessageSource, body.source)) record(body.source);
 * ```
 */
export function isEnumValue<E extends StringEnum>(enumObject: E, value: unknown): value is E[keyof E] {
  return typeof value === 'string' && Object.values(enumObject).includes(value);
}

/**
 * Parses a value into a member of `enumObject`.
 *
 * @throws {@link InvalidEnumValueError} naming the enum, the value and the allowed values.
 * @example
 * ```ts
 * const stage = parseEnum(LeadStage, req.query.stage); // LeadStage, or throws
 * ```
 */
export function parseEnum<E extends StringEnum>(enumObject: E, value: unknown): E[keyof E] {
  if (isEnumValue(enumObject, value)) return value;
  throw new InvalidEnumValueError(nameOf(enumObject), value, Object.values(enumObject));
}
