/**
 * The argument checks every repository runs before any SQL: one module, one
 * argument order (`entity, property, value`), the same answer on both
 * engines. Each check is a `typeof` or `Number.isInteger` test, a range
 * comparison or a native linear scan, and its message names the property, the
 * rule and the allowed range, quoting at most a bounded description of the
 * bad value (see {@link describeValue}).
 *
 * @internal
 * @module
 */
import { isEnumValue, type StringEnum } from '../../enum-utils';
import { InvalidEnumValueError } from '../../errors';
import { DATE_RANGE_TEXT, describeValue, invalid, isDateInRange, MAX_INT4, textMessage, textProblem } from '../../validation';

/**
 * Refuses anything but a whole number from 1 to {@link MAX_INT4}: ids are
 * PostgreSQL `integer` columns, which overflow at 2^31 (a raw 22003 error).
 * Rules: `isInt` (not a whole number), `min`, `max`.
 */
export function checkId(entity: string, property: string, value: unknown): asserts value is number {
  if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_INT4) return;
  const rule = !Number.isInteger(value) ? 'isInt' : (value as number) < 1 ? 'min' : 'max';
  invalid(entity, property, rule, `${property} must be a whole number from 1 to ${MAX_INT4}, got ${describeValue(value)}`);
}

/**
 * Refuses anything but a whole number from 0 to `max`: {@link MAX_INT4} for
 * `integer` columns (the default), `Number.MAX_SAFE_INTEGER` for `bigint`
 * ones. Rules: `isInt`, `min`, `max`.
 */
export function checkCount(entity: string, property: string, value: unknown, max: number = MAX_INT4): asserts value is number {
  checkInteger(entity, property, value, 0, max);
}

/** Refuses anything but a whole number from `min` to `max`. Rules: `isInt`, `min`, `max`. */
export function checkInteger(entity: string, property: string, value: unknown, min: number, max: number): asserts value is number {
  if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return;
  const rule = !Number.isInteger(value) ? 'isInt' : (value as number) < min ? 'min' : 'max';
  invalid(entity, property, rule, `${property} must be a whole number from ${min} to ${max}, got ${describeValue(value)}`);
}

/**
 * Refuses anything but a valid Date from 1970-01-01T00:00:00.000Z to
 * 9999-12-31T23:59:59.999Z, the range both engines store alike. Rules:
 * `isDate` (not a Date, or an Invalid Date), `dateRange`.
 */
export function checkDate(entity: string, property: string, value: unknown): asserts value is Date {
  if (isDateInRange(value)) return;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    invalid(entity, property, 'isDate', `${property} must be a valid Date, got ${describeValue(value)}`);
  }
  invalid(entity, property, 'dateRange', `${property} must be a date ${DATE_RANGE_TEXT}, got ${describeValue(value)}`);
}

/** The earliest platform time accepted: 2004-01-01T00:00:00.000Z (before Facebook, let alone Messenger or WhatsApp). */
export const EARLIEST_PLATFORM_TIME = new Date(Date.UTC(2004, 0, 1));
/** How far past now a platform time may be: one day, for clocks that run ahead. */
export const PLATFORM_CLOCK_LEEWAY_MS = 86_400_000;

/** Below this many milliseconds (1973) a time is a unix time in seconds that was read as milliseconds. */
const SECONDS_AS_MILLISECONDS_BELOW = 1e11;
/** Above this (year 5138) a time is a unix time in milliseconds that was read as seconds (multiplied by 1000). */
const MILLISECONDS_AS_SECONDS_ABOVE = 1e14;

/**
 * Refuses a platform time (a message's `sentAt`, a receipt's time) that
 * cannot be real: not a valid Date (rule `isDate`), before 2004-01-01 or
 * more than a day after now (rule `plausibleTime`). The message names the
 * likely unit mistake: a 1970 date is seconds read as milliseconds (Meta's
 * WhatsApp timestamps are unix seconds), a far-future one milliseconds read
 * as seconds (Messenger's are milliseconds).
 */
export function checkPlatformTime(entity: string, property: string, value: unknown, now: number = Date.now()): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    invalid(entity, property, 'isDate', `${property} must be a valid Date, got ${describeValue(value)}`);
  }
  const ms = value.getTime();
  const latest = now + PLATFORM_CLOCK_LEEWAY_MS;
  if (ms >= EARLIEST_PLATFORM_TIME.getTime() && ms <= latest && isDateInRange(value)) return;
  const hint =
    ms < SECONDS_AS_MILLISECONDS_BELOW
      ? ': it looks like seconds read as milliseconds (multiply a unix time in seconds by 1000)'
      : ms > MILLISECONDS_AS_SECONDS_ABOVE
        ? ': it looks like milliseconds read as seconds (a unix time in milliseconds was multiplied by 1000)'
        : ms > latest
          ? ': it is in the future (check the clock or the time zone)'
          : '';
  invalid(
    entity,
    property,
    'plausibleTime',
    `${property} must be a time from ${EARLIEST_PLATFORM_TIME.toISOString()} to one day after now, got ${describeValue(value)}${hint}`,
  );
}

/**
 * Refuses a string no engine stores as given: a lone surrogate (rule
 * `wellFormed`) or a NUL character (rule `noNul`). Linear, native scans.
 */
export function checkText(entity: string, property: string, value: string): void {
  const rule = textProblem(value);
  if (rule) invalid(entity, property, rule, textMessage(property, rule));
}

/**
 * Refuses anything but a non-empty, well-formed, NUL-free string of at most
 * `maxLength` code points (the column's length): a key such as a psid or a
 * Facebook id. A key longer than its column can match no row, so it is
 * refused rather than looked up. Rules: `isString`, `isNotEmpty`,
 * `maxLength`, `wellFormed`, `noNul`.
 */
export function checkKey(entity: string, property: string, value: unknown, maxLength: number): asserts value is string {
  if (typeof value !== 'string') invalid(entity, property, 'isString', `${property} must be a non-empty string, got ${describeValue(value)}`);
  if (value === '') invalid(entity, property, 'isNotEmpty', `${property} must be a non-empty string`);
  checkMaxLength(entity, property, value, maxLength);
  checkText(entity, property, value);
}

/**
 * Refuses a string of more than `maxLength` code points (rule `maxLength`),
 * counting only as far as needed: linear in `maxLength`, not in the string.
 */
export function checkMaxLength(entity: string, property: string, value: string, maxLength: number): void {
  // UTF-16 code units never undercount code points, so only longer strings need counting.
  if (value.length > maxLength && codePointCount(value, maxLength) > maxLength) {
    invalid(entity, property, 'maxLength', `${property} must be at most ${maxLength} characters, got ${describeValue(value)}`);
  }
}

/** Code points of `text`, counting stops once past `limit` (linear, no array built). */
function codePointCount(text: string, limit: number): number {
  let n = 0;
  for (let i = 0; i < text.length && n <= limit; i++, n++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/**
 * An options or criteria argument: `undefined` becomes `{}`; anything but a
 * plain object (`null`, an array, a primitive) is refused (rule `isObject`).
 */
export function optionsOf<T extends object>(entity: string, property: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  checkObject(entity, property, value);
  return value;
}

/** Refuses anything but a non-null, non-array object (rule `isObject`). */
export function checkObject(entity: string, property: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(entity, property, 'isObject', `${property} must be an object, got ${describeValue(value)}`);
  }
}

/** Enum values are short: anything longer is described, not kept, in the error. */
const ENUM_VALUE_KEPT = 64;

/**
 * The enum value `value` is, or {@link InvalidEnumValueError}. The error keeps
 * a short string as it was; any other value (long text, objects, which may be
 * cyclic, bigints, ...) is kept as its bounded description, so building the
 * error never fails or grows with the input.
 */
export function checkEnum<E extends StringEnum>(enumObject: E, enumName: string, value: unknown): E[keyof E] {
  if (isEnumValue(enumObject, value)) return value;
  const kept =
    (typeof value === 'string' && value.length <= ENUM_VALUE_KEPT) || typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined
      ? value
      : describeValue(value);
  throw new InvalidEnumValueError(enumName, kept, Object.values(enumObject));
}

/**
 * The own properties of `input` that are set (not `undefined`), refusing any
 * key not in `keys` with rule `unknownProperty` (or `readOnly` for a column
 * that cannot be set). Keys are looked up in a `Set`, so names such as
 * `constructor`, `toString` or `__proto__` are unknown like any other, and
 * no unknown key ever reaches an entity or TypeORM.
 */
export function pickInput(
  entity: string,
  input: unknown,
  keys: ReadonlySet<string>,
  readOnly: ReadonlySet<string> = READ_ONLY_KEYS,
): Record<string, unknown> {
  checkObject(entity, 'input', input);
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const value: unknown = (input as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (!keys.has(key)) {
      const quoted = key.length > 32 ? `${key.slice(0, 32)}...` : key;
      if (readOnly.has(key)) invalid(entity, key, 'readOnly', `${key} cannot be set: the database maintains it`);
      invalid(entity, quoted, 'unknownProperty', `${quoted} is not a ${entity} field that can be set`);
    }
    values[key] = value;
  }
  return values;
}

/** Columns every table maintains itself. */
const READ_ONLY_KEYS: ReadonlySet<string> = new Set(['id', 'createdAt', 'updatedAt']);
