import type { SelectQueryBuilder } from 'typeorm';
import { Brackets } from 'typeorm';
import { LeadActivity } from '../entities/lead-activity.entity';
import { User } from '../entities/user.entity';
import { LeadActivityType } from '../enums';
import { NotFoundError } from '../errors';
import { pageRequest, toPage, type CursorList, type Page, type PageRequest } from '../pagination';
import { invalid } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { buildActivity, insertActivity, type NewLeadActivity } from './support/activities';
import { checkId, optionsOf } from './support/checks';

/** What {@link LeadActivityRepository.recordContact} records besides the contact itself. */
export interface ContactOptions {
  /** Free text, e.g. "called, will visit the showroom on Sunday". */
  note?: string | null;
  /** Who made the contact: an agent id, `ai`, `system`. */
  performedBy?: string | null;
}

const FOR_USER: CursorList = { name: 'leadActivities.listForUser', sort: 'timestamp' };
const RECENT: CursorList = { name: 'leadActivities.recent', sort: 'timestamp' };

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
   * @throws {@link EntityValidationError} for a bad `userId` or `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `leadActivities.listForUser`.
   * @example
   * ```ts
   * let page = await db.leadActivities.listForUser(user.id, { limit: 50 });
   * while (page.nextCursor) page = await db.leadActivities.listForUser(user.id, { limit: 50, cursor: page.nextCursor });
   * ```
   */
  async listForUser(userId: number, page?: PageRequest): Promise<Page<LeadActivity>> {
    checkId('LeadActivity', 'userId', userId);
    return this.#newestFirst(FOR_USER, page, (qb) => qb.where('a.userId = :userId', { userId }));
  }

  /**
   * One page of the audit trail across all leads, newest first: the activity
   * feed of the lead centre.
   *
   * @param page - `limit` (default 20) and the previous page's `nextCursor`.
   * @throws {@link EntityValidationError} for a bad `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `leadActivities.recent`.
   * @example
   * ```ts
   * const { items } = await db.leadActivities.recent({ limit: 10 });
   * for (const a of items) console.log(a.createdAt, a.userId, a.activityType);
   * ```
   */
  async recent(page?: PageRequest): Promise<Page<LeadActivity>> {
    return this.#newestFirst(RECENT, page, (qb) => qb);
  }

  /**
   * Adds an agent's note (type `NOTE`) to a lead's trail.
   *
   * @param userId - The lead.
   * @param note - The text; must not be blank (at most 10,000 characters).
   * @param performedBy - Who wrote it: an agent id, `ai`, `system`.
   * @returns The stored entry.
   * @throws {@link EntityValidationError} for a bad `userId`, a blank or too long note or performer.
   * @throws {@link NotFoundError} when the user does not exist.
   * @example
   * ```ts
   * await db.leadActivities.addNote(user.id, 'Wants the 2-seater in grey', 'agent-7');
   * ```
   */
  async addNote(userId: number, note: string, performedBy?: string | null): Promise<LeadActivity> {
    checkId('LeadActivity', 'userId', userId);
    if (typeof note !== 'string' || note.trim() === '') invalid('LeadActivity', 'note', 'isNotEmpty', 'note must be a non-empty string');
    return this.#append({ userId, activityType: LeadActivityType.NOTE, note, performedBy: performedBy ?? null });
  }

  /**
   * Records that the business contacted the lead outside the chat (a call, a
   * visit): type `CONTACT`.
   *
   * @param userId - The lead.
   * @param options - An optional note and who made the contact.
   * @returns The stored entry.
   * @throws {@link EntityValidationError} for a bad `userId`, a too long note or performer.
   * @throws {@link NotFoundError} when the user does not exist.
   * @example
   * ```ts
   * await db.leadActivities.recordContact(user.id, { note: 'Phoned, no answer', performedBy: 'agent-7' });
   * ```
   */
  async recordContact(userId: number, options?: ContactOptions): Promise<LeadActivity> {
    checkId('LeadActivity', 'userId', userId);
    const { note, performedBy } = optionsOf('ContactOptions', 'options', options);
    return this.#append({ userId, activityType: LeadActivityType.CONTACT, note: note ?? null, performedBy: performedBy ?? null });
  }

  async #append(values: NewLeadActivity): Promise<LeadActivity> {
    const activity = await buildActivity(values);
    const dialect = this.ctx.dialect;
    return this.ctx.transaction(async (tx) => {
      // FOR SHARE keeps the user from being deleted between the check and the insert.
      const qb = tx.manager.createQueryBuilder(User, 'u').select('u.id').where('u.id = :id', { id: values.userId });
      if (!(await dialect.lock(qb, 'read').getOne())) throw new NotFoundError('User', { id: values.userId });
      return insertActivity(tx.manager, dialect, activity);
    });
  }

  /**
   * Keyset page ordered by (created_at, id) descending. The cursor keeps the
   * stored timestamp as the database's own text, not a JS Date: PostgreSQL
   * keeps microseconds, which a millisecond Date would cut and so skip rows.
   */
  async #newestFirst(
    list: CursorList,
    page: PageRequest | undefined,
    filter: (qb: SelectQueryBuilder<LeadActivity>) => SelectQueryBuilder<LeadActivity>,
  ): Promise<Page<LeadActivity>> {
    const dialect = this.ctx.dialect;
    const { limit, key } = pageRequest(list, dialect.engine, page);
    const stamp = dialect.timestampText('"a"."created_at"');
    return this.ctx.read(async (m) => {
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
      return toPage(entities, limit, list, (a) => [stamps.get(a.id) ?? a.createdAt.toISOString(), a.id]);
    });
  }
}
