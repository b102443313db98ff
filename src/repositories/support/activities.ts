/**
 * Audit entries (`lead_activities`), written by the lead-activity repository
 * and, in the same transaction as the change they record, by the user
 * repository's audited changes.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { LeadActivity } from '../../entities/lead-activity.entity';
import { validateEntity } from '../../validation';

/** The columns of a new audit entry; `id` and `createdAt` come from the database. */
export type NewLeadActivity = Pick<LeadActivity, 'userId' | 'activityType'> &
  Partial<Pick<LeadActivity, 'stageBefore' | 'stageAfter' | 'labelBefore' | 'labelAfter' | 'scoreBefore' | 'scoreAfter' | 'note' | 'performedBy'>>;

/**
 * Builds and validates an audit entry without writing it, so callers can
 * refuse bad input before any SQL runs.
 *
 * @throws {@link EntityValidationError} for a bad note, performer or value.
 */
export async function buildActivity(values: NewLeadActivity): Promise<LeadActivity> {
  const activity = new LeadActivity();
  activity.userId = values.userId;
  activity.activityType = values.activityType;
  activity.stageBefore = values.stageBefore ?? null;
  activity.stageAfter = values.stageAfter ?? null;
  activity.labelBefore = values.labelBefore ?? null;
  activity.labelAfter = values.labelAfter ?? null;
  activity.scoreBefore = values.scoreBefore ?? null;
  activity.scoreAfter = values.scoreAfter ?? null;
  activity.note = values.note ?? null;
  activity.performedBy = values.performedBy ?? null;
  return validateEntity(activity);
}

/**
 * Inserts a validated audit entry on `manager` and returns it as stored.
 *
 * `created_at` is the time of the write itself ({@link Dialect.statementNow}:
 * `clock_timestamp()` on PostgreSQL, not the transaction's start), so entries
 * written one after another under a row lock sort in the order they happened.
 */
export async function insertActivity(manager: EntityManager, dialect: Dialect, activity: LeadActivity): Promise<LeadActivity> {
  const now = dialect.statementNow;
  const result = await manager
    .createQueryBuilder()
    .insert()
    .into(LeadActivity)
    .values({
      userId: activity.userId,
      activityType: activity.activityType,
      stageBefore: activity.stageBefore,
      stageAfter: activity.stageAfter,
      labelBefore: activity.labelBefore,
      labelAfter: activity.labelAfter,
      scoreBefore: activity.scoreBefore,
      scoreAfter: activity.scoreAfter,
      note: activity.note,
      performedBy: activity.performedBy,
      createdAt: () => now,
    })
    .execute();
  const id = Number((result.identifiers[0] as { id?: unknown } | undefined)?.id);
  return manager.findOneByOrFail(LeadActivity, { id });
}
