/**
 * The audited lead changes (stage, label, score): the user row and its
 * {@link LeadActivity} written in one transaction, under the user's row lock.
 *
 * @internal
 * @module
 */
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect } from '../../dialect/index';
import type { LeadActivity } from '../../entities/lead-activity.entity';
import { User } from '../../entities/user.entity';
import type { DatabaseScope } from '../../scope';
import { validateEntity } from '../../validation';
import { insertActivity, type NewLeadActivity } from '../support/activities';
import { optionsOf } from '../support/checks';
import type { LeadChangeOptions } from '../user.types';
import { lockUser, writeUser } from './writes';

const MIN_SCORE = 0;
const MAX_SCORE = 100;

/** What an audited change writes: the user's new values and the audit entry. */
export interface LeadChange {
  values: QueryDeepPartialEntity<User>;
  activity: LeadActivity;
}

/**
 * Runs one audited change in `tx`: locks and reads the user, lets `decide`
 * compute the new values and the audit entry (or `null` for no change), then
 * writes both.
 */
export async function applyLeadChange(tx: DatabaseScope, dialect: Dialect, id: number, decide: (user: User) => LeadChange | null): Promise<User> {
  const user = await lockUser(tx, dialect, id);
  const change = decide(user);
  if (!change) return user;
  await validateEntity(change.activity);
  await writeUser(tx.manager, dialect, id, change.values);
  await insertActivity(tx.manager, dialect, change.activity);
  return tx.manager.findOneByOrFail(User, { id });
}

/** A lead score clamped to 0..100. */
export function clampScore(score: number): number {
  return Math.min(MAX_SCORE, Math.max(MIN_SCORE, score));
}

/** The audit entry's note and performer; the entry's validation checks their types and lengths. */
export function changeMeta(options: LeadChangeOptions | undefined): Pick<NewLeadActivity, 'note' | 'performedBy'> {
  const { note, performedBy } = optionsOf('LeadChangeOptions', 'options', options);
  return { note: note ?? null, performedBy: performedBy ?? null };
}
