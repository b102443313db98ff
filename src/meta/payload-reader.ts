/**
 * Reads a parsed webhook body field by field, keeping the path of each field
 * so a bad one is reported as `entry[0].messaging[2].timestamp: must be ...`.
 *
 * @internal
 * @module
 */
import { WebhookPayloadError } from '../errors';
import { textProblem } from '../validation';

/** A JSON object of the body. */
export type Json = Record<string, unknown>;

/** `base.key` (or `key` at the top). */
export function field(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** `base[index]`. */
export function item(base: string, index: number): string {
  return `${base}[${index}]`;
}

/** A short description of what a bad value is, for the rule text. */
function got(value: unknown): string {
  if (value === undefined) return 'it is missing';
  if (value === null) return 'got null';
  if (Array.isArray(value)) return 'got an array';
  if (typeof value === 'string') return `got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `got ${String(value)} (a ${typeof value})`;
  return `got ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}`;
}

/** Throws the typed error for the field at `path`; with `value`, the rule says what was there instead. */
export function fail(path: string, rule: string, ...value: [unknown?]): never {
  throw new WebhookPayloadError(path, value.length > 0 ? `${rule}, ${got(value[0])}` : rule);
}

/** `value` as a JSON object (not null, not an array). */
export function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object', value);
  return value as Json;
}

/** `parent[key]` as an object, or `undefined` when absent. */
export function optionalObject(parent: Json, key: string, path: string): Json | undefined {
  const value = parent[key];
  return value === undefined ? undefined : object(value, field(path, key));
}

/** `parent[key]` as an array (`required`: present), or `[]` when absent and optional. */
export function array(parent: Json, key: string, path: string, required: boolean): unknown[] {
  const value = parent[key];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) fail(field(path, key), 'must be an array', value);
  return value;
}

/** Text with no NUL and no lone surrogate (neither can be stored on both engines). */
function storable(text: string): boolean {
  return textProblem(text) === null;
}

/** `parent[key]` as a string of 1 to `maxLength` characters. */
export function string(parent: Json, key: string, path: string, maxLength = 255): string {
  return stringValue(parent[key], field(path, key), maxLength);
}

/** `value` (at `path`) as a string of 1 to `maxLength` characters. */
export function stringValue(value: unknown, path: string, maxLength = 255): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string', value);
  if (value.length > maxLength) fail(path, `must be at most ${maxLength} characters, got ${value.length}`);
  if (!storable(value)) fail(path, 'must not hold a NUL character or a lone surrogate');
  return value;
}

/** `parent[key]` as a string (empty allowed) of at most `maxLength` characters, or `undefined` when absent. */
export function optionalString(parent: Json, key: string, path: string, maxLength = 20_000): string | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  const at = field(path, key);
  if (typeof value !== 'string') fail(at, 'must be a string', value);
  if (value.length > maxLength) fail(at, `must be at most ${maxLength} characters, got ${value.length}`);
  if (!storable(value)) fail(at, 'must not hold a NUL character or a lone surrogate');
  return value;
}

/** `parent[key]` as a finite number, or `undefined` when absent and not `required`. */
export function number(parent: Json, key: string, path: string, required: true): number;
export function number(parent: Json, key: string, path: string, required: false): number | undefined;
export function number(parent: Json, key: string, path: string, required: boolean): number | undefined {
  const value = parent[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field(path, key), 'must be a finite number', value);
  return value;
}

/** `parent[key]` as `true`/`false`, or `undefined` when absent. */
export function optionalBoolean(parent: Json, key: string, path: string): boolean | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(field(path, key), 'must be true or false', value);
  return value;
}

/** `parent[key]` as a string id: Meta sends some ids (app ids, sticker ids) as numbers. */
export function optionalId(parent: Json, key: string, path: string): string | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return string(parent, key, path);
}
