/**
 * Platform timestamps to Dates: Messenger sends milliseconds since 1970 as a
 * number, WhatsApp unix seconds as a string of digits. A value in the wrong
 * unit lands in 1970 or in the year 57000; both are refused here, before
 * anything is written, with the unit mistake named.
 *
 * @internal
 * @module
 */
import { fail, field, type Json } from './payload-reader';

/** No Meta platform message is older than this (Facebook itself started in 2004). */
const EARLIEST = Date.UTC(2004, 0, 1);
/** Clocks drift, but not by more than a day. */
const AHEAD_MS = 24 * 60 * 60 * 1000;

function plausible(ms: number): boolean {
  return ms >= EARLIEST && ms <= Date.now() + AHEAD_MS;
}

const WINDOW = 'between 2004-01-01 and one day from now';

/** `parent[key]`, Messenger milliseconds, as a Date. */
export function messengerTime(parent: Json, key: string, path: string): Date {
  const at = field(path, key);
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(at, 'must be milliseconds since 1970 as a whole number', value);
  }
  if (plausible(value)) return new Date(value);
  const hint = plausible(value * 1000) ? ': it looks like seconds, and Messenger sends milliseconds' : '';
  return fail(at, `must be a time ${WINDOW}, got ${value} (${describeTime(value)})${hint}`);
}

/** `parent[key]`, WhatsApp unix seconds as a string, as a Date. */
export function whatsAppTime(parent: Json, key: string, path: string): Date {
  const at = field(path, key);
  const value = parent[key];
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    fail(at, 'must be unix seconds as a string of digits', value);
  }
  const ms = Number(value) * 1000;
  if (plausible(ms)) return new Date(ms);
  const hint = plausible(Number(value)) ? ': it looks like milliseconds, and WhatsApp sends seconds' : '';
  return fail(at, `must be a time ${WINDOW}, got "${value}" (${describeTime(ms)})${hint}`);
}

function describeTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? 'not a date' : date.toISOString();
}
