import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { Brackets } from 'typeorm';
import { SQLITE_NOW, type Engine } from '../column-types';
import { LeadActivity } from '../entities/lead-activity.entity';
import { User } from '../entities/user.entity';
import { LeadActivityType } from '../enums';
import { NotFoundError } from '../errors';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination';
import { invalid, validateEntity } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** What {@link LeadActivityRepository.recordContact} records besides the contact itself. */
export interface ContactOptions {
  /** Free text, e.g. "called, will visit the showroom on Sunday". */
  note?: string | null;
  /** Who made the contact: an agent id, `ai`, `system`. */
  performedBy?: string | null;
}

/** The columns of a new audit entry; `id` and `createdAt` come from the database. @internal */
export type NewLeadActivity = Pick<LeadActivity, 'userId' | 'activityType'> &
  Partial<Pick<LeadActivity, 'stageBefore' | 'stageAfter' | 'labelBefore' | 'labelAfter' | 'scoreBefore' | 'scoreAfter' | 'note' | 'performedBy'>>;

/**
 * Builds and validates an audit entry without writing it, so callers can
 * refuse bad input before any SQL runs.
 *
 * @throws {@link EntityValidationError} for a bad note, performer or value.
 * @internal
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
 * `created_at` is the time of the write itself (`clock_timestamp()` on
 * PostgreSQL, not the transaction's start), so entries written one after
 * another under a row lock sort in the order they happened.
 * @internal
 */
export async function insertActivity(manager: EntityManager, engine: Engine, activity: LeadActivity): Promise<LeadActivity> {
  const now = engine === 'postgres' ? 'clock_timestamp()' : SQLITE_NOW;
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

/**
 * Queries and commands on {@link LeadActivity}: the leads' append-only audit
 * trail. Reached as `db.leadActivities`.
 *
 * Stage, label and score entries are written by `db.users.changeLeadStage`,
 * `changeLabel` and `adjustScore`, in the same transaction as the change;
 * this repository reads the trail and adds notes and contacts.
 */
export class LeadActivityRepository extends EntityRepository<LeadActivity> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, LeadActivity);
  }

  /**
   * One page of a lead's audit trail, newest first (`created_at`, then `id`,
   * descending). An unknown user simply has an empty trail.
   *
   * @param userId - The lead.
   * @param page - `limit` (default 20) and the previous page's `nextCursor`.
   * @throws {@link EntityValidationError} for a bad `limit` or `cursor`.
   * @example
   * ```ts
   * let page = await db.leadActivities.listForUser(user.id, { limit: 50 });
   * while (page.nextCursor) page = await db.leadActivities.listForUser(user.id, { limit: 50, cursor: page.nextCursor });
   * ```
   */
  async listForUser(userId: number, page: PageRequest = {}): Promise<Page<LeadActivity>> {
    checkId(userId, 'userId');
    return this.newestFirst(page, (qb) => qb.where('a.userId = :userId', { userId }));
  }

  /**
   * One page of the audit trail across all leads, newest first: the activity
   * feed of the lead centre.
   *
   * @param page - `limit` (default 20) and the previous page's `nextCursor`.
   * @throws {@link EntityValidationError} for a bad `limit` or `cursor`.
   * @example
   * ```ts
   * const { items } = await db.leadActivities.recent({ limit: 10 });
   * for (const a of items) console.log(a.createdAt, a.userId, a.activityType);
   * ```
   */
  async recent(page: PageRequest = {}): Promise<Page<LeadActivity>> {
    return this.newestFirst(page, (qb) => qb);
  }

  /**
   * Adds an agent's note (type `NOTE`) to a lead's trail.
   *
   * @param userId - The lead.
   * @param note - The text; must not be blank (at most 10,000 characters).
   * @param performedBy - Who wrote it: an agent id, `ai`, `system`.
   * @returns The stored entry.
   * @throws {@link EntityValidationError} for a blank or too long note or performer.
   * @throws {@link NotFoundError} when the user does not exist.
   * @example
   * ```ts
   * await db.leadActivities.addNote(user.id, 'Wants the 2-seater in grey', 'agent-7');
   * ```
   */
  async addNote(userId: number, note: string, performedBy?: string | null): Promise<LeadActivity> {
    if (typeof note !== 'string' || note.trim() === '') invalid('LeadActivity', 'note', 'isNotEmpty', 'note must be a non-empty string');
    return this.append({ userId, activityType: LeadActivityType.NOTE, note, performedBy: performedBy ?? null });
  }

  /**
   * Records that the business contacted the lead outside the chat (a call, a
   * visit): type `CONTACT`.
   *
   * @param userId - The lead.
   * @param options - An optional note and who made the contact.
   * @returns The stored entry.
   * @throws {@link EntityValidationError} for a too long note or performer.
   * @throws {@link NotFoundError} when the user does not exist.
   * @example
   * ```ts
   * await db.leadActivities.recordContact(user.id, { note: 'Phoned, no answer', performedBy: 'agent-7' });
   * ```
   */
  async recordContact(userId: number, options: ContactOptions = {}): Promise<LeadActivity> {
    return this.append({
      userId,
      activityType: LeadActivityType.CONTACT,
      note: options.note ?? null,
      performedBy: options.performedBy ?? null,
    });
  }

  private async append(values: NewLeadActivity): Promise<LeadActivity> {
    checkId(values.userId, 'userId');
    const activity = await buildActivity(values);
    return this.ctx.transaction(async (tx) => {
      // FOR SHARE keeps the user from being deleted between the check and the insert.
      const qb = tx.manager.createQueryBuilder(User, 'u').select('u.id').where('u.id = :id', { id: values.userId });
      if (tx.engine === 'postgres') qb.setLock('pessimistic_read');
      if (!(await qb.getOne())) throw new NotFoundError('User', { id: values.userId });
      return insertActivity(tx.manager, tx.engine, activity);
    });
  }

  /**
   * Keyset page ordered by (created_at, id) descending. The cursor keeps the
   * stored timestamp as the database's own text, not a JS Date: PostgreSQL
   * keeps microseconds, which a millisecond Date would cut and so skip rows.
   */
  private async newestFirst(
    page: PageRequest,
    filter: (qb: SelectQueryBuilder<LeadActivity>) => SelectQueryBuilder<LeadActivity>,
  ): Promise<Page<LeadActivity>> {
    const limit = pageLimit(page.limit);
    const key = decodeCursor(page.cursor);
    if (key && typeof key[0] !== 'string') invalid('PageRequest', 'cursor', 'cursor', 'cursor is not a nextCursor returned by this method');
    const engine = this.ctx.engine;
    const stamp = engine === 'postgres' ? 'CAST("a"."created_at" AS text)' : '"a"."created_at"';
    return this.ctx.run(async (m) => {
      const qb = filter(m.createQueryBuilder(LeadActivity, 'a')).addSelect(stamp, 'cursor_at');
      if (key) {
        const [at, id] = key;
        qb.andWhere(
          new Brackets((w) => {
            w.where('a.createdAt < :cursorAt', { cursorAt: at }).orWhere('(a.createdAt = :cursorAt AND a.id < :cursorId)', {
              cursorAt: at,
              cursorId: id,
            });
          }),
        );
      }
      qb.orderBy('a.createdAt', 'DESC').addOrderBy('a.id', 'DESC').limit(limit + 1);
      const { entities, raw } = await qb.getRawAndEntities<{ a_id: number | string; cursor_at: string }>();
      const stamps = new Map(raw.map((r) => [Number(r.a_id), String(r.cursor_at)]));
      return toPage(entities, limit, (a) => [stamps.get(a.id) ?? a.createdAt.toISOString(), a.id]);
    });
  }
}

function checkId(id: unknown, property: string): void {
  if (!Number.isSafeInteger(id) || (id as number) < 1) invalid('LeadActivity', property, 'isInt', `${property} must be a positive whole number`);
}
