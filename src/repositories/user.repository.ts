import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { contextOf } from '../events/emit';
import type { LeadActivity } from '../entities/lead-activity.entity';
import { User } from '../entities/user.entity';
import { CustomerLabel, LeadActivityType, LeadStage } from '../enums';
import { UniqueConstraintError } from '../errors';
import type { Page } from '../pagination';
import { normalizePhoneNumber } from '../phone-number';
import { validateEntity } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { selectOne } from './sql';
import { buildActivity } from './support/activities';
import { checkEnum, checkId, checkInteger, checkKey, optionsOf } from './support/checks';
import { funnelOf, stageCountRows } from './user/funnel';
import { buildUser, changedColumns, cleanInput, insertValues } from './user/input';
import { applyLeadChange, changeMeta, clampScore, type LeadChange } from './user/lead-changes';
import { eraseUser, findErasure, prepareErasure } from './user/erase';
import { checkSearch, searchUsers } from './user/search';
import { lockUser, writeUser } from './user/writes';
import type { CreateUserInput, LeadChangeOptions, UserPatch, UserSearch } from './user.types';
import type { EraseOptions, ErasureReceipt, ErasureStatus } from './user-erasure.types';

/** Column length of the psid. */
const PSID_LENGTH = 64;

/**
 * Queries and commands on {@link User}, the CRM's customers (leads). Reached
 * as `db.users`.
 *
 * Stage, label and score changes go through {@link changeLeadStage},
 * {@link changeLabel} and {@link adjustScore}: each writes the user and one
 * {@link LeadActivity} in one transaction, so the audit trail never misses a
 * change. {@link update} refuses those three fields.
 */
export class UserRepository extends EntityRepository<User> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, User);
  }

  /**
   * The user with this Messenger page-scoped id, or `null`.
   *
   * @throws {@link EntityValidationError} when `psid` is not a non-empty string of at
   *   most 64 characters, or has a NUL or a lone surrogate.
   * @example
   * ```ts
   * const user = await db.users.findByPsid(event.sender.id);
   * ```
   */
  async findByPsid(psid: string): Promise<User | null> {
    checkKey('User', 'psid', psid, PSID_LENGTH);
    return this.#findOneByKey('psid', psid);
  }

  /**
   * The user with this WhatsApp number, or `null`. The number is normalised
   * first ({@link normalizePhoneNumber}): `+201001234567`, the `wa_id`
   * `201001234567` and `0020 100 123 4567` find the same user.
   *
   * @throws {@link EntityValidationError} (rule `isPhoneNumber`) when `phone` is not a
   *   valid phone number with its country code.
   * @example
   * ```ts
   * const user = await db.users.findByPhone(message.from); // a WhatsApp wa_id
   * ```
   */
  async findByPhone(phone: string): Promise<User | null> {
    return this.#findOneByKey('phone_number', normalizePhoneNumber(phone, 'phoneNumber'));
  }

  /**
   * The user with this unique key. Fixed SQL + direct hydration: webhook handlers call this for
   * every event, and `findOneBy` spends ~10x the query's own time building SQL and mapping aliases.
   */
  async #findOneByKey(column: 'psid' | 'phone_number', value: string): Promise<User | null> {
    return this.ctx.read((m) => selectOne(m, this.ctx.dialect, User, column, value));
  }

  /**
   * The user with this psid, created with `defaults` if there is none.
   * Race-safe: any number of concurrent calls for one psid, in one process or
   * many, return the same user and never a duplicate-key error (the insert is
   * `INSERT ... ON CONFLICT DO NOTHING`, then the row is read by psid).
   * `defaults` apply only when the user is created; an existing user is
   * returned unchanged. Nothing is guessed: `primarySource` is set only when
   * `defaults` gives it.
   *
   * @param psid - The Messenger page-scoped id.
   * @param defaults - Values for a new user (its `psid` is always `psid`).
   * @throws {@link EntityValidationError} for an invalid psid or defaults; nothing is written.
   * @throws {@link UniqueConstraintError} when `defaults.phoneNumber` belongs to another user.
   * @example
   * ```ts
   * const user = await db.users.findOrCreateByPsid(event.sender.id, {
   *   firstName: profile.first_name,
   *   primarySource: MessageSource.MESSENGER,
   * });
   * ```
   */
  async findOrCreateByPsid(psid: string, defaults?: Partial<CreateUserInput>): Promise<User> {
    checkKey('User', 'psid', psid, PSID_LENGTH);
    return this.#findOrCreate('psid', psid, optionsOf('User', 'defaults', defaults));
  }

  /**
   * The user with this WhatsApp number, created with `defaults` if there is
   * none. Race-safe like {@link findOrCreateByPsid}. The number is normalised
   * to E.164 first ({@link normalizePhoneNumber}), so the WhatsApp `wa_id`
   * (`201001234567`) and `+201001234567` are the same user.
   *
   * @param phone - The phone number: E.164, a `wa_id`, or formatted with spaces, dashes or a leading 00.
   * @param defaults - Values for a new user (its `phoneNumber` is always `phone`).
   * @throws {@link EntityValidationError} for an invalid number or defaults; nothing is written.
   * @throws {@link UniqueConstraintError} when `defaults.psid` belongs to another user.
   * @example
   * ```ts
   * const user = await db.users.findOrCreateByPhone('+201001234567', { primarySource: MessageSource.WHATSAPP });
   * ```
   */
  async findOrCreateByPhone(phone: string, defaults?: Partial<CreateUserInput>): Promise<User> {
    const e164 = normalizePhoneNumber(phone, 'phoneNumber');
    return this.#findOrCreate('phoneNumber', e164, optionsOf('User', 'defaults', defaults));
  }

  /**
   * Inserts a new user after validating it. Initial `leadStage`,
   * `customerLabel` and `leadScore` may be given; they are not audited. A
   * `phoneNumber` is stored in E.164 form ({@link normalizePhoneNumber}).
   *
   * @returns The stored user, defaults and timestamps filled in.
   * @throws {@link EntityValidationError} for invalid values (e.g. neither psid
   *   nor phone number, a bad email or phone number); nothing is written.
   * @throws {@link UniqueConstraintError} when the psid or phone number is taken.
   * @example
   * ```ts
   * const user = await db.users.create({ phoneNumber: '+201001234567', firstName: 'Mona', governorate: Governorate.GIZA });
   * ```
   */
  async create(input: CreateUserInput): Promise<User> {
    const user = await buildUser(input);
    return this.ctx.run(async (m) => {
      const result = await m.createQueryBuilder().insert().into(User).values(insertValues(user)).execute();
      const id = Number((result.identifiers[0] as { id?: unknown } | undefined)?.id);
      return m.findOneByOrFail(User, { id });
    });
  }

  /**
   * Changes a user's profile fields: loads it, applies `patch`, validates the
   * result and saves the changed columns, in one transaction.
   *
   * `leadStage`, `customerLabel` and `leadScore` are refused here: use
   * {@link changeLeadStage}, {@link changeLabel} and {@link adjustScore},
   * which record the change in the audit trail. `id`, `createdAt` and
   * `updatedAt` cannot be changed either.
   *
   * @param id - The user.
   * @param patch - The fields to change; `undefined` leaves a field as it is, `null` clears it.
   *   A `phoneNumber` is stored in E.164 form ({@link normalizePhoneNumber}).
   * @returns The user as stored after the change.
   * @throws {@link NotFoundError} when there is no such user.
   * @throws {@link EntityValidationError} for invalid values or a refused field; nothing is written.
   * @throws {@link UniqueConstraintError} when the new psid or phone number is taken.
   * @example
   * ```ts
   * const user = await db.users.update(42, { email: 'mona@example.com', governorate: Governorate.CAIRO });
   * ```
   */
  async update(id: number, patch: UserPatch): Promise<User> {
    checkId('User', 'id', id);
    const changes = cleanInput(patch, true);
    const dialect = this.ctx.dialect;
    return this.ctx.transaction(async (tx) => {
      const current = await lockUser(tx, dialect, id);
      const merged = Object.assign(new User(), current, changes);
      await validateEntity(merged);
      const changed = changedColumns(current, changes);
      if (Object.keys(changed).length === 0) return current;
      await writeUser(tx.manager, dialect, id, changed as QueryDeepPartialEntity<User>);
      return tx.manager.findOneByOrFail(User, { id });
    });
  }

  /**
   * Moves a lead to another funnel stage and records a `STAGE_CHANGE` entry
   * (before, after, note, performer) in the same transaction. The user's row
   * is locked while the current stage is read (PostgreSQL), so concurrent
   * changes form one unbroken chain of entries. Changing to the current stage
   * writes nothing.
   *
   * @param id - The user.
   * @param stage - The new stage (enum member or its value).
   * @param options - Who made the change and an optional note.
   * @returns The user after the change (unchanged if it was already at `stage`).
   * @throws {@link InvalidEnumValueError} when `stage` is not a {@link LeadStage}.
   * @throws {@link EntityValidationError} for a too long note or performer.
   * @throws {@link NotFoundError} when there is no such user.
   * @example
   * ```ts
   * await db.users.changeLeadStage(user.id, LeadStage.QUALIFIED, { performedBy: 'agent-7', note: 'Budget confirmed' });
   * ```
   */
  async changeLeadStage(id: number, stage: LeadStage, options?: LeadChangeOptions): Promise<User> {
    checkId('User', 'id', id);
    const to = checkEnum(LeadStage, 'LeadStage', stage);
    const draft = await buildActivity({ userId: id, activityType: LeadActivityType.STAGE_CHANGE, stageAfter: to, ...changeMeta(options) });
    const dialect = this.ctx.dialect;
    return this.ctx.transaction(async (tx) => {
      let from: LeadStage | null = null;
      const user = await applyLeadChange(tx, dialect, id, (current) => {
        if (current.leadStage === to) return null;
        from = draft.stageBefore = current.leadStage;
        return { values: { leadStage: to }, activity: draft };
      });
      if (from !== null) contextOf(tx).emit({ type: 'lead.stageChanged', userId: id, from, to });
      return user;
    });
  }

  /**
   * Sets or clears a lead's label and records a `LABEL_CHANGE` entry in the
   * same transaction, with the user's row locked like {@link changeLeadStage}.
   * Setting the current label writes nothing.
   *
   * @param id - The user.
   * @param label - The new label, or `null` to remove it.
   * @param options - Who made the change and an optional note.
   * @returns The user after the change.
   * @throws {@link InvalidEnumValueError} when `label` is neither `null` nor a {@link CustomerLabel}.
   * @throws {@link EntityValidationError} for a too long note or performer.
   * @throws {@link NotFoundError} when there is no such user.
   * @example
   * ```ts
   * await db.users.changeLabel(user.id, CustomerLabel.HOT, { performedBy: 'ai' });
   * await db.users.changeLabel(user.id, null); // remove the label
   * ```
   */
  async changeLabel(id: number, label: CustomerLabel | null, options?: LeadChangeOptions): Promise<User> {
    checkId('User', 'id', id);
    const to = label === null ? null : checkEnum(CustomerLabel, 'CustomerLabel', label);
    const draft = await buildActivity({ userId: id, activityType: LeadActivityType.LABEL_CHANGE, labelAfter: to, ...changeMeta(options) });
    return this.#audited(id, (user) => {
      if (user.customerLabel === to) return null;
      draft.labelBefore = user.customerLabel;
      return { values: { customerLabel: to }, activity: draft };
    });
  }

  /**
   * Adds `delta` (negative to lower) to a lead's score, clamped to 0..100,
   * and records a `SCORE_CHANGE` entry in the same transaction, with the
   * user's row locked like {@link changeLeadStage}. When clamping leaves the
   * score as it was (or `delta` is 0), nothing is written.
   *
   * @param id - The user.
   * @param delta - A whole number to add to the score.
   * @param options - Who made the change and an optional note.
   * @returns The user after the change.
   * @throws {@link EntityValidationError} when `delta` is not a whole number, or for a too long note or performer.
   * @throws {@link NotFoundError} when there is no such user.
   * @example
   * ```ts
   * await db.users.adjustScore(user.id, +15, { performedBy: 'ai', note: 'Asked for the price list' });
   * ```
   */
  async adjustScore(id: number, delta: number, options?: LeadChangeOptions): Promise<User> {
    checkId('User', 'id', id);
    checkInteger('User', 'delta', delta, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const draft = await buildActivity({ userId: id, activityType: LeadActivityType.SCORE_CHANGE, ...changeMeta(options) });
    return this.#audited(id, (user) => {
      const after = clampScore(user.leadScore + delta);
      if (after === user.leadScore) return null;
      draft.scoreBefore = user.leadScore;
      draft.scoreAfter = after;
      return { values: { leadScore: after }, activity: draft };
    });
  }

  /**
   * One page of users matching `criteria`, newest first (by id, keyset
   * paginated: stable while users are added between pages).
   *
   * @throws {@link InvalidEnumValueError} for a `stage`, `label`, `type` or `governorate` outside its enum.
   * @throws {@link EntityValidationError} for a bad `limit` or `query` (not a string, longer
   *   than 100 characters, a NUL or a lone surrogate).
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `users.search`.
   * @example
   * ```ts
   * const page = await db.users.search({ query: 'ahmed', stage: LeadStage.HOT, limit: 25 });
   * const next = page.nextCursor ? await db.users.search({ query: 'ahmed', stage: LeadStage.HOT, limit: 25, cursor: page.nextCursor }) : null;
   * ```
   */
  async search(criteria?: UserSearch): Promise<Page<User>> {
    const filter = checkSearch(criteria, this.ctx.engine);
    return this.ctx.read((m) => searchUsers(m, filter));
  }

  /**
   * How many users are in each funnel stage, every stage present (0 when
   * empty), in one `GROUP BY` query. Counts all users, active or not.
   *
   * @example
   * ```ts
   * const funnel = await db.users.leadFunnel();
   * console.log(funnel[LeadStage.NEW], funnel[LeadStage.CLOSED_WON]);
   * ```
   */
  async leadFunnel(): Promise<Record<LeadStage, number>> {
    const rows = await this.ctx.read((m) => stageCountRows(m));
    return funnelOf(rows);
  }

  /**
   * Deletes a user; the database deletes its messages, conversations and
   * lead activities with it.
   *
   * @returns `true` if a user was deleted, `false` if there was none.
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647.
   * @example
   * ```ts
   * if (!(await db.users.delete(42))) console.warn('already gone');
   * ```
   */
  async delete(id: number): Promise<boolean> {
    checkId('User', 'id', id);
    const result = await this.ctx.run((m) => m.delete(User, { id }));
    return (result.affected ?? 0) > 0;
  }

  /**
   * Erases a customer's personal data, as Meta's data deletion callback and
   * privacy law require, in one transaction (joining the caller's), and
   * returns a confirmation code for the customer.
   *
   * Cleared: the user's names, phone number, email, picture, notes and
   * governorate (the `psid` becomes a random `erased:...` marker, so the row
   * links to no platform account and a later message from the same person
   * starts a new user); every message's text, attachments and platform ids
   * (a WhatsApp wamid encodes the number); the conversations' previews; the
   * notes of earlier audit entries. Kept, for the funnel and the campaign
   * reports: the user row with its lead stage, label, score, type, source
   * and times (made inactive), and every message row with its kind,
   * direction, source, status, times and post and campaign ids. An audit
   * entry (`NOTE`, naming only the confirmation code and `performedBy`) and
   * a `data_erasures` row are written in the same transaction.
   *
   * On SQLite the changes are written with `secure_delete` on, so the old
   * bytes are zeroed rather than left in free pages, and when the call is
   * not inside your transaction the WAL is checkpointed and truncated
   * afterwards, so no copy survives in the `-wal` file either (inside
   * `db.transaction`, run `PRAGMA wal_checkpoint(TRUNCATE)` after it
   * commits). On PostgreSQL the old row versions are dead tuples until
   * VACUUM (autovacuum) reclaims them; backups keep what they hold.
   *
   * @param id - The user.
   * @param options - Who asked.
   * @returns The confirmation code (random, 128 bits), `completed`, and when.
   * @throws {@link NotFoundError} when there is no such user.
   * @throws {@link EntityValidationError} for a bad `id` or a `performedBy` longer than 100 characters; nothing is written.
   * @example
   * ```ts
   * // Meta's data deletion callback, after parsing its signed_request. Its user_id is
   * // app-scoped, not the page-scoped PSID: map it first (e.g. Graph API ids_for_pages).
   * const user = await db.users.findByPsid(await psidOf(request.user_id));
   * if (user) {
   *   const { confirmationCode } = await db.users.erase(user.id, { performedBy: 'meta-data-deletion-callback' });
   *   res.json({ url: `https://crm.example.com/deletion?code=${confirmationCode}`, confirmation_code: confirmationCode });
   * }
   * ```
   */
  async erase(id: number, options?: EraseOptions): Promise<ErasureReceipt> {
    checkId('User', 'id', id);
    const prepared = await prepareErasure(id, optionsOf('User', 'options', options));
    const dialect = this.ctx.dialect;
    const outer = this.ctx.inTransaction;
    const receipt = await this.ctx.transaction((tx) => eraseUser(tx, dialect, id, prepared));
    // The WAL still holds the pages as they were before: fold it into the file and truncate it.
    if (this.ctx.engine === 'sqlite' && !outer) await this.ctx.run((m) => m.query('PRAGMA wal_checkpoint(TRUNCATE)'));
    return receipt;
  }

  /**
   * What became of an erasure, by the confirmation code {@link erase}
   * returned (the page behind Meta's data deletion status URL), or `null`
   * for a code that was never issued.
   *
   * @throws {@link EntityValidationError} when `code` is not a non-empty string of at most 64 characters.
   * @example
   * ```ts
   * const status = await db.users.erasureStatus(req.query.code);
   * res.send(status ? `Erased on ${status.erasedAt.toISOString()}` : 'Unknown confirmation code');
   * ```
   */
  async erasureStatus(code: string): Promise<ErasureStatus | null> {
    checkKey('DataErasure', 'confirmationCode', code, 64);
    const dialect = this.ctx.dialect;
    return this.ctx.run((m) => findErasure(m, dialect, code));
  }

  async #findOrCreate(keyProperty: 'psid' | 'phoneNumber', key: string, defaults: Partial<CreateUserInput>): Promise<User> {
    const values = cleanInput(defaults, false);
    values[keyProperty] = key;
    const user = await validateEntity(Object.assign(new User(), values));
    return this.ctx.run(async (m) => {
      // DO NOTHING swallows the duplicate when a concurrent caller won the race; on
      // PostgreSQL it waits for that caller to commit, so the read below sees its row.
      await m.createQueryBuilder().insert().into(User).values(insertValues(user)).orIgnore().updateEntity(false).execute();
      const found = await m.findOneBy(User, keyProperty === 'psid' ? { psid: key } : { phoneNumber: key });
      if (found) return found;
      // Nothing has the key, so the insert was skipped over the other unique column.
      const other = keyProperty === 'psid' ? 'phone_number' : 'psid';
      throw new UniqueConstraintError(`Duplicate value for users(${other}): another user has this ${other}`, {
        table: 'users',
        columns: [other],
      });
    });
  }

  /**
   * Runs one audited change: locks and reads the user, lets `decide` compute
   * the new values and the audit entry (or `null` for no change), then writes
   * both, all in one transaction.
   */
  async #audited(id: number, decide: (user: User) => LeadChange | null): Promise<User> {
    const dialect = this.ctx.dialect;
    return this.ctx.transaction((tx) => applyLeadChange(tx, dialect, id, decide));
  }
}
