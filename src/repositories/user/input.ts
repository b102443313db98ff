/**
 * A user's input, cleaned and built: the known keys of
 * {@link CreateUserInput}, the audited ones a patch refuses, validated new
 * users, the columns of an insert and the columns a patch really changes.
 *
 * @internal
 * @module
 */
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { User } from '../../entities/user.entity';
import { normalizePhoneNumber } from '../../phone-number';
import { invalid, validateEntity } from '../../validation';
import { checkObject, pickInput } from '../support/checks';
import type { CreateUserInput } from '../user.types';

const INPUT_KEYS: ReadonlySet<string> = new Set<keyof CreateUserInput>([
  'psid',
  'phoneNumber',
  'firstName',
  'lastName',
  'email',
  'profilePicUrl',
  'governorate',
  'leadStage',
  'customerLabel',
  'customerType',
  'leadScore',
  'primarySource',
  'notes',
  'isActive',
  'lastMessageAt',
]);

const AUDITED_KEYS: ReadonlyMap<string, string> = new Map([
  ['leadStage', 'changeLeadStage'],
  ['customerLabel', 'changeLabel'],
  ['leadScore', 'adjustScore'],
]);

/** The columns of an insert: only what was set, so the database defaults apply to the rest. */
export function insertValues(user: User): QueryDeepPartialEntity<User> {
  const values: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const value = (user as unknown as Record<string, unknown>)[key];
    if (value !== undefined) values[key] = value;
  }
  return values as QueryDeepPartialEntity<User>;
}

/** A new user from input, validated. */
export async function buildUser(input: unknown): Promise<User> {
  return validateEntity(Object.assign(new User(), cleanInput(input, false)));
}

/** Keeps the known input keys that are set, a phone number in E.164 form; refuses unknown, read-only and (for patches) audited ones. */
export function cleanInput(input: unknown, isPatch: boolean): Record<string, unknown> {
  checkObject('User', 'input', input);
  if (isPatch) {
    for (const key of Object.keys(input)) {
      const audited = AUDITED_KEYS.get(key);
      if (audited !== undefined && (input as Record<string, unknown>)[key] !== undefined) {
        invalid('User', key, 'audited', `${key} cannot be changed with update(); use ${audited}(), which records the change`);
      }
    }
  }
  const values = pickInput('User', input, INPUT_KEYS);
  // One form for every number, so a wa_id and the +E.164 form are one user.
  if (typeof values['phoneNumber'] === 'string') values['phoneNumber'] = normalizePhoneNumber(values['phoneNumber'], 'phoneNumber');
  return values;
}

/** The entries of `changes` whose value differs from `current`'s (Dates by instant). */
export function changedColumns(current: User, changes: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (!sameValue(value, (current as unknown as Record<string, unknown>)[key])) changed[key] = value;
  }
  return changed;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}
