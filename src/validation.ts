/**
 * Validation shared by the entities' decorators and the repositories'
 * argument checks: the ranges and limits every value must keep so that
 * SQLite and PostgreSQL store it alike, and {@link validateEntity}.
 *
 * Every check here is linear in its input and quotes at most a bounded
 * description of a bad value, never the value itself.
 *
 * @module
 */
import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { EntityValidationError, type ValidationIssue } from './errors';
import { passesDecorators } from './validation-plan';

/** The largest value of a PostgreSQL `integer` column (2^31 - 1); every id and integer count column holds at most this. */
export const MAX_INT4 = 2_147_483_647;

/** The earliest instant a date input may be: 1970-01-01T00:00:00.000Z (inclusive). */
export const MIN_DATE = new Date(Date.UTC(1970, 0, 1, 0, 0, 0, 0));
/** The latest instant a date input may be: 9999-12-31T23:59:59.999Z (inclusive). */
export const MAX_DATE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

const MIN_DATE_MS = MIN_DATE.getTime();
const MAX_DATE_MS = MAX_DATE.getTime();

/** How a date outside {@link MIN_DATE}..{@link MAX_DATE} is described in messages. @internal */
export const DATE_RANGE_TEXT = `from ${MIN_DATE.toISOString()} to ${MAX_DATE.toISOString()}`;

/**
 * Whether `value` is a valid Date within {@link MIN_DATE}..{@link MAX_DATE}:
 * the range both engines store and read back as the same instant (SQLite
 * keeps four-digit years only; before 1970 some time zones have offsets with
 * seconds that the pg driver cannot write).
 */
export function isDateInRange(value: unknown): value is Date {
  if (!(value instanceof Date)) return false;
  const ms = value.getTime();
  return ms >= MIN_DATE_MS && ms <= MAX_DATE_MS;
}

/** `String.prototype.isWellFormed` (ES2024, in Node 20), which the ES2022 lib does not declare. */
interface WellFormedText {
  isWellFormed(): boolean;
}

/** What is wrong with a text value: a lone surrogate (`wellFormed`), a NUL character (`noNul`), or nothing. @internal */
export type TextRule = 'wellFormed' | 'noNul';

/**
 * The rule a string breaks, or `null` when it is fine. PostgreSQL cannot
 * store NUL and the pg driver turns lone surrogates into U+FFFD (so two
 * different strings would become the same); both are refused on both
 * engines instead of being changed. Two native linear scans.
 * @internal
 */
export function textProblem(value: string): TextRule | null {
  if (!(value as unknown as WellFormedText).isWellFormed()) return 'wellFormed';
  if (value.includes('\u0000')) return 'noNul';
  return null;
}

/** The human text of a {@link TextRule} broken by `property`. @internal */
export function textMessage(property: string, rule: TextRule): string {
  return rule === 'wellFormed'
    ? `${property} must be well-formed Unicode text (it has a lone surrogate code unit)`
    : `${property} must not contain the NUL character (U+0000)`;
}

/**
 * A short description of a bad value for an error message: numbers as
 * written (they are short), every other kind by its type and size, never its
 * content (which may be long, secret or personal).
 * @internal
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'string':
      return value.length === 0 ? 'an empty string' : `a string of ${value.length} UTF-16 code units`;
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (Array.isArray(value)) return `an array of ${value.length} elements`;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
      return 'an object';
  }
}

/** Limits of one JSON value (message attachments, setting values). */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (the top level is depth 1). */
  readonly maxDepth: number;
  /** Most bytes of its UTF-8 JSON text. */
  readonly maxBytes: number;
  /** Most values in all (every array element, object property and the top value). */
  readonly maxNodes: number;
  /** Most elements of the top-level array, when it must be one. */
  readonly maxTopLevelItems?: number;
  /** `omit`: an object property set to `undefined` is left out, as `JSON.stringify` does; `refuse`: it is an error. */
  readonly undefinedProperties: 'omit' | 'refuse';
}

/** The limits of a JSON setting value: 32 levels, 1,000,000 bytes, 100,000 values. */
export const SETTING_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxBytes: 1_000_000, maxNodes: 100_000, undefinedProperties: 'refuse' };

/** The most attachments one message may have. */
export const MAX_ATTACHMENTS = 100;

/** The limits of a message's attachments: at most 100 objects, 32 levels, 1,000,000 bytes, 100,000 values. */
export const ATTACHMENT_LIMITS: JsonLimits = {
  maxDepth: 32,
  maxBytes: 1_000_000,
  maxNodes: 100_000,
  maxTopLevelItems: MAX_ATTACHMENTS,
  undefinedProperties: 'omit',
};

/** A broken JSON rule: where (`path`), which rule, and the human text. @internal */
export interface JsonProblem {
  /** The dotted path of the bad value, e.g. `attachments[2].meta`. */
  path: string;
  /** `isJson`, `noNul`, `wellFormed`, `maxDepth`, `maxSize`, `arrayMaxSize` or `maxNodes`. */
  rule: string;
  /** What is wrong, without the value. */
  message: string;
}

interface Frame {
  readonly container: object;
  readonly keys: readonly string[] | null;
  readonly length: number;
  index: number;
}

const KEY_QUOTE_LIMIT = 32;

/**
 * Checks that `value` is JSON that round-trips exactly within `limits`, with
 * an iterative walk (no recursion, so nesting cannot overflow the stack) that
 * stops at the first problem: only `null`, strings (well-formed, no NUL),
 * finite numbers, booleans, arrays without holes or `undefined`, and plain
 * objects (no `Date`, `Map`, class instances, functions, symbols, bigints or
 * cycles). The work is bounded by `limits.maxNodes` values and
 * `limits.maxBytes` of text, whatever the input's size.
 *
 * @returns The problem, or `null` with the JSON text when the value is fine.
 * @internal
 */
export function checkJson(value: unknown, root: string, limits: JsonLimits): { problem: JsonProblem; text?: undefined } | { problem: null; text: string } {
  const path: Array<string | number> = [];
  const fail = (rule: string, what: string): { problem: JsonProblem } => {
    const where = pathText(root, path);
    return { problem: { path: where, rule, message: `${where} ${what}` } };
  };
  if (limits.maxTopLevelItems !== undefined) {
    if (!Array.isArray(value)) return fail('isArray', 'must be an array');
    if (value.length > limits.maxTopLevelItems) return fail('arrayMaxSize', `must have at most ${limits.maxTopLevelItems} elements, got ${value.length}`);
  }
  const stack: Frame[] = [];
  const ancestors = new Set<object>();
  let nodes = 0;
  // A lower bound of the UTF-8 JSON size, to stop early on huge input; the exact size is checked at the end.
  let bytes = 0;
  let current: unknown = value;
  try {
    for (;;) {
      // Visit `current`.
      nodes++;
      if (nodes > limits.maxNodes) return fail('maxNodes', `holds more than ${limits.maxNodes} values in all`);
      if (current === null) bytes += 4;
      else if (typeof current === 'string') {
        bytes += current.length + 2;
        if (bytes > limits.maxBytes) return fail('maxSize', `makes the JSON longer than ${limits.maxBytes} bytes`);
        const rule = textProblem(current);
        if (rule) return fail(rule, rule === 'wellFormed' ? 'must be well-formed Unicode text (it has a lone surrogate)' : 'must not contain the NUL character (U+0000)');
      } else if (typeof current === 'number') {
        if (!Number.isFinite(current)) return fail('isJson', 'must be a finite number');
        bytes += 1;
      } else if (typeof current === 'boolean') bytes += 4;
      else if (typeof current === 'object') {
        if (stack.length >= limits.maxDepth) return fail('maxDepth', `nests deeper than ${limits.maxDepth} levels`);
        if (ancestors.has(current)) return fail('isJson', 'refers to itself');
        let frame: Frame;
        if (Array.isArray(current)) {
          const length = current.length;
          if (length > limits.maxNodes - nodes) return fail('maxNodes', `holds more than ${limits.maxNodes} values in all`);
          frame = { container: current, keys: null, length, index: 0 };
        } else {
          const proto: unknown = Object.getPrototypeOf(current);
          if (proto !== Object.prototype && proto !== null) return fail('isJson', 'must be a plain object or array (no Date, Map or class instance)');
          const keys = Object.keys(current);
          if (keys.length > limits.maxNodes - nodes) return fail('maxNodes', `holds more than ${limits.maxNodes} values in all`);
          frame = { container: current, keys, length: keys.length, index: 0 };
        }
        bytes += 2 + frame.length;
        if (bytes > limits.maxBytes) return fail('maxSize', `makes the JSON longer than ${limits.maxBytes} bytes`);
        ancestors.add(current);
        stack.push(frame);
        path.push('');
      } else {
        return fail('isJson', `is ${describeValue(current)}, which JSON cannot hold`);
      }
      // Find the next value to visit: the next child of the innermost unfinished container.
      let next: { value: unknown } | null = null;
      while (next === null) {
        const top = stack[stack.length - 1];
        if (top === undefined) break;
        if (top.index >= top.length) {
          stack.pop();
          path.pop();
          ancestors.delete(top.container);
          continue;
        }
        const i = top.index++;
        if (top.keys === null) {
          path[path.length - 1] = i;
          const item = (top.container as unknown[])[i];
          if (item === undefined) return fail('isJson', 'is undefined (or a hole), which a JSON array cannot hold');
          next = { value: item };
        } else {
          const key = top.keys[i]!;
          path[path.length - 1] = key;
          const item = (top.container as Record<string, unknown>)[key];
          if (item === undefined && limits.undefinedProperties === 'omit') continue;
          const rule = textProblem(key);
          if (rule) return fail(rule, rule === 'wellFormed' ? 'has a key that is not well-formed Unicode text' : 'has a key with the NUL character (U+0000)');
          bytes += key.length + 3;
          next = { value: item };
        }
      }
      if (next === null) break;
      current = next.value;
    }
  } catch {
    // A getter or proxy that throws.
    return fail('isJson', 'could not be read as JSON');
  }
  path.length = 0;
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text, 'utf8') > limits.maxBytes) return fail('maxSize', `makes the JSON longer than ${limits.maxBytes} bytes`);
  return { problem: null, text };
}

/** `root[2].meta`, with each key quoted to at most {@link KEY_QUOTE_LIMIT} characters. */
function pathText(root: string, path: ReadonlyArray<string | number>): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += `.${part.length > KEY_QUOTE_LIMIT ? `${part.slice(0, KEY_QUOTE_LIMIT)}...` : part}`;
  }
  return out;
}

/** The JSON-valued properties of each entity class and their limits, registered by {@link IsBoundedJson}. */
const jsonProperties = new WeakMap<object, Array<readonly [property: string, limits: JsonLimits]>>();

/**
 * Marks a property as holding JSON that {@link validateEntity} checks with
 * {@link checkJson} against `limits` (when it is neither `null` nor
 * `undefined`); each problem is an issue with its own rule and path.
 */
export function IsBoundedJson(limits: JsonLimits): PropertyDecorator {
  return (prototype, property) => {
    const target = prototype.constructor;
    let list = jsonProperties.get(target);
    if (!list) jsonProperties.set(target, (list = []));
    list.push([String(property), limits]);
  };
}

function jsonIssues(entity: object, already: readonly ValidationIssue[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (let target: unknown = entity.constructor; typeof target === 'function'; target = Object.getPrototypeOf(target)) {
    for (const [property, limits] of jsonProperties.get(target) ?? []) {
      const value: unknown = (entity as Record<string, unknown>)[property];
      if (value === null || value === undefined || already.some((i) => i.property === property)) continue;
      const { problem } = checkJson(value, property, limits);
      if (problem) issues.push({ property: problem.path, rules: [problem.rule], messages: [problem.message] });
    }
  }
  return issues;
}

function flatten(errors: ValidationError[], prefix = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const property = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      issues.push({ property, rules: Object.keys(error.constraints), messages: Object.values(error.constraints) });
    }
    if (error.children?.length) issues.push(...flatten(error.children, property));
  }
  return issues;
}

/** The `@MaxLength` limits of each entity class, by property (read from class-validator's metadata once per class). */
const maxLengths = new WeakMap<object, ReadonlyArray<readonly [property: string, max: number]>>();

function maxLengthsOf(target: object): ReadonlyArray<readonly [string, number]> {
  let found = maxLengths.get(target);
  if (found === undefined) {
    const limits = new Map<string, number>();
    for (const m of getMetadataStorage().getTargetValidationMetadatas(target as new () => object, '', true, false)) {
      if (m.name === 'maxLength') limits.set(m.propertyName, Math.min(limits.get(m.propertyName) ?? Infinity, Number(m.constraints?.[0])));
    }
    maxLengths.set(target, (found = [...limits]));
  }
  return found;
}

/** Code points in `text`, counted without building an array. */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * `@MaxLength` of class-validator does not count U+FE0E/U+FE0F after a
 * character, while PostgreSQL's varchar(n) counts every code point: recount
 * in code points so an over-long value is refused before SQL on both engines.
 */
function codePointIssues(entity: object, already: readonly ValidationIssue[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [property, max] of maxLengthsOf(entity.constructor)) {
    const value: unknown = (entity as Record<string, unknown>)[property];
    // Code points never outnumber UTF-16 code units: only longer strings need counting.
    if (typeof value !== 'string' || value.length <= max || already.some((i) => i.property === property)) continue;
    if (codePoints(value) > max) {
      issues.push({ property, rules: ['maxLength'], messages: [`${property} must be shorter than or equal to ${max} characters`] });
    }
  }
  return issues;
}

/** Every string property of the entity must be well-formed and free of NUL (see {@link textProblem}). */
function textIssues(entity: object): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const property of Object.keys(entity)) {
    const value: unknown = (entity as Record<string, unknown>)[property];
    if (typeof value !== 'string') continue;
    const rule = textProblem(value);
    if (rule) issues.push({ property, rules: [rule], messages: [textMessage(property, rule)] });
  }
  return issues;
}

/**
 * Validates an entity instance with its class-validator decorators, and
 * refuses text no engine can store as given: every string property must be
 * well-formed Unicode (rule `wellFormed`) without NUL characters (rule
 * `noNul`), and within its `@MaxLength` in code points. JSON properties
 * (decorated with `@IsBoundedJson`) are checked against their limits.
 *
 * @throws {@link EntityValidationError} listing every property and broken rule
 *   (each issue's `messages` holds the human-readable text).
 * @example
 * ```ts
 * const user = Object.assign(new User(), { psid: 'p1', email: 'not-an-email' });
 * await validateEntity(user); // throws: Invalid User: email (isEmail)
 * ```
 */
export async function validateEntity<T extends object>(entity: T): Promise<T> {
  // First: some validators (isEmail's byte count uses encodeURI) throw on lone surrogates.
  const text = textIssues(entity);
  if (text.length > 0) throw new EntityValidationError(entity.constructor.name, text);
  // Valid input (the hot path) is decided by the plan; anything else gets class-validator's issues.
  if (passesDecorators(entity) && codePointIssues(entity, []).length === 0 && jsonIssues(entity, []).length === 0) return entity;
  const errors = await validate(entity, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  const issues = flatten(errors);
  issues.push(...codePointIssues(entity, issues));
  issues.push(...jsonIssues(entity, issues));
  if (issues.length > 0) throw new EntityValidationError(entity.constructor.name, issues);
  return entity;
}

/**
 * Throws {@link EntityValidationError} for one property and rule; for checks
 * that are not class-validator decorators (arguments of repository methods).
 * @internal
 */
export function invalid(entity: string, property: string, rule: string, message: string): never {
  throw new EntityValidationError(entity, [{ property, rules: [rule], messages: [message] }]);
}
