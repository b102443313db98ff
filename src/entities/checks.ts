import { ValidateBy, type ValidationArguments } from 'class-validator';
import { DATE_RANGE_TEXT, isDateInRange } from '../validation';

/** SQL for a CHECK that keeps a column within an enum's values; the same text on both engines. */
export function enumCheck(column: string, values: Record<string, string> | readonly string[]): string {
  const list = (Array.isArray(values) ? values : Object.values(values)) as readonly string[];
  return `"${column}" IN (${list.map((v) => `'${v}'`).join(', ')})`;
}

/** SQL for a CHECK that keeps a counter non-negative. */
export function nonNegativeCheck(column: string): string {
  return `"${column}" >= 0`;
}

/**
 * `ValidateIf` condition for a column with a database default: `undefined`
 * means "let the default apply", anything else (null included) is validated.
 */
export function usesDefaultUnlessSet(_object: object, value: unknown): boolean {
  return value !== undefined;
}

/**
 * class-validator rule `dateRange`: a Date must lie within
 * `MIN_DATE`..`MAX_DATE` (1970-01-01 to 9999-12-31, UTC), the
 * range both engines store alike. Only valid Dates are judged here; `@IsDate`
 * refuses the rest.
 */
export function IsDateInRange(): PropertyDecorator {
  return ValidateBy({
    name: 'dateRange',
    validator: {
      validate: (value: unknown) => !(value instanceof Date) || Number.isNaN(value.getTime()) || isDateInRange(value),
      defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'date'} must be a date ${DATE_RANGE_TEXT}`,
    },
  });
}
