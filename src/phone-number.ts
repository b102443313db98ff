/**
 * Phone numbers in one form: E.164 (`+201001234567`), whatever form they
 * arrive in. Every phone input and lookup of the repositories goes through
 * {@link normalizePhoneNumber}, so one customer is one user whether WhatsApp
 * sent its `wa_id` or an agent typed the number with spaces.
 *
 * @module
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describeValue, invalid, textProblem } from './validation';

/** Longer input is refused before it is scanned: no formatted phone number comes near it. */
const MAX_INPUT_LENGTH = 64;

/** Separators people and platforms put in numbers, bidirectional marks copied from right-to-left text, and spaces of every width. */
const SEPARATORS = /[\s\u00a0\u2000-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff().\-/]/g;

/** What a number must look like once its separators are gone: an optional `+` or `00`, then digits. */
const DIGITS = /^(?:\+|00)?(\d{1,20})$/;

/** Arabic-Indic (U+0660) and Eastern Arabic-Indic (U+06F0) digits, as typed on Arabic keyboards. */
function westernDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String((d.charCodeAt(0) & 0x0f) % 10));
}

const RULE_TEXT =
  'must be a valid phone number with its country code, such as +201001234567 (a WhatsApp wa_id like 201001234567, spaces, dashes, dots, parentheses and a leading 00 are accepted)';

/**
 * The E.164 form of a phone number, validated against libphonenumber's
 * metadata (the `libphonenumber-js` that class-validator's `isPhoneNumber`
 * uses). Accepts `+201001234567`, the WhatsApp `wa_id` form without a plus
 * (`201001234567`), a leading `00` (`00201001234567`), spaces, dashes, dots,
 * slashes and parentheses (`+20 (100) 123-4567`), Arabic-Indic digits, and a
 * national trunk `0` after the country code (`+20 0100 123 4567`). A number
 * without a country code (`01001234567`) is refused: the country cannot be
 * guessed.
 *
 * @param input - The number as it arrived.
 * @param field - The name used in the error (default `phoneNumber`).
 * @returns The number in E.164 form, e.g. `+201001234567`.
 * @throws {@link EntityValidationError} (rule `isPhoneNumber`, or `isString`, `maxLength`,
 *   `wellFormed`, `noNul`) naming `field`, for anything that is not a valid phone number.
 * @example
 * ```ts
 * normalizePhoneNumber('201001234567');       // '+201001234567' (a WhatsApp wa_id)
 * normalizePhoneNumber('0020 100 123-4567');  // '+201001234567'
 * normalizePhoneNumber('12345');              // throws EntityValidationError: phoneNumber (isPhoneNumber: ...)
 * ```
 */
export function normalizePhoneNumber(input: string, field = 'phoneNumber'): string {
  const value: unknown = input;
  if (typeof value !== 'string') invalid('User', field, 'isString', `${field} must be a string, got ${describeValue(value)}`);
  if (value.length > MAX_INPUT_LENGTH) {
    invalid('User', field, 'maxLength', `${field} must be at most ${MAX_INPUT_LENGTH} characters, got ${describeValue(value)}`);
  }
  const textRule = textProblem(value);
  if (textRule) invalid('User', field, textRule, `${field} ${RULE_TEXT}, got text with ${textRule === 'noNul' ? 'a NUL character' : 'a lone surrogate'}`);
  const match = DIGITS.exec(westernDigits(value).replace(SEPARATORS, ''));
  const parsed = match ? parsePhoneNumberFromString(`+${match[1]!}`) : undefined;
  if (parsed === undefined || !parsed.isValid()) invalid('User', field, 'isPhoneNumber', `${field} ${RULE_TEXT}, got ${describeValue(value)}`);
  return parsed.number;
}
