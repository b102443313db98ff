import { Brackets, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect } from '../dialect/index';
import type { LeadActivity } from '../entities/lead-activity.entity';
import { User } from '../entities/user.entity';
import { CustomerLabel, CustomerType, Governorate, LeadActivityType, LeadStage, MessageSource } from '../enums';
import { NotFoundError, UniqueConstraintError } from '../errors';
import { pageRequest, toPage, type CursorList, type Page, type PageRequest } from '../pagination';
import type { DatabaseScope } from '../scope';
import { invalid, validateEntity } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { selectOne } from './sql';
import { buildActivity, insertActivity, type NewLeadActivity } from './support/activities';
import { checkEnum, checkId, checkInteger, checkKey, checkMaxLength, checkObject, checkText, optionsOf, pickInput } from './support/checks';

/**
 * The values of a new user. `psid` or `phoneNumber` (or both) is required;
 * everything else is optional and omitted columns take their defaults
 * (`leadStage` NEW, `customerType` LEAD, `leadScore` 0, `isActive` true).
 */
export interface CreateUserInput {
  /** Messenger page-scoped id. */
  psid?: string | null;
  /** WhatsApp number in E.164 form, e.g. `+201001234567`. */
  phoneNumber?: string | null;
  /** Given name. */
  firstName?: string | null;
  /** Family name. */
  lastName?: string | null;
  /** Email address. */
  email?: string | null;
  /** Profile picture URL (http or https). */
  profilePicUrl?: string | null;
  /** Where in Egypt the customer lives. */
  governorate?: Governorate | null;
  /** Initial funnel stage (no audit entry is written for the initial value). */
  leadStage?: LeadStage;
  /** Initial label. */
  customerLabel?: CustomerLabel | null;
  /** What kind of customer. */
  customerType?: CustomerType;
  /** Initial score, 0 to 100. */
  leadScore?: number;
  /** The channel the customer first came through. */
  primarySource?: MessageSource | null;
  /** Free-form agent notes. */
  notes?: string | null;
  /** False for opted-out or archived customers. */
  isActive?: boolean;
  /** When the customer last wrote or was written to. */
  lastMessageAt?: Date | null;
}

/**
 * The fields {@link UserRepository.update} may change. `leadStage`,
 * `customerLabel` and `leadScore` are left out on purpose: they change only
 * through the audited methods (`changeLeadStage`, `changeLabel`,
 * `adjustScore`), which write the audit trail. A property set to `undefined`
 * is left as it is; `null` clears it.
 */
export type UserPatch = Omit<CreateUserInput, 'leadStage' | 'customerLabel' | 'leadScore'>;

/** Who made an audited change and why. */
export interface LeadChangeOptions {
  /** An agent id, `ai`, `system` (at most 100 characters). */
  performedBy?: string | null;
  /** Free text stored with the audit entry. */
  note?: string | null;
}

/** Criteria of {@link UserRepository.search}; all optional and combined with AND. */
export interface UserSearch extends PageRequest {
  /**
   * Case-insensitive substring of the first name, last name, phone number or
   * psid, at most 100 characters (the longest of them). `%`, `_` and `\`
   * match themselves. Blank means no text filter.
   */
  query?: string;
  /** Only users in this funnel stage. */
  stage?: LeadStage;
  /** Only users with this label; `null` for users without one. */
  label?: CustomerLabel | null;
  /** Only users of this customer type. */
  type?: CustomerType;
  /** Only users from this governorate. */
  governorate?: Governorate;
}

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

/** The longest column {@link UserRepository.search} matches (first and last name). */
const MAX_QUERY_LENGTH = 100;
/** Column lengths of the unique keys. */
const PSID_LENGTH = 64;
const PHONE_LENGTH = 16;

const SEARCH: CursorList = { name: 'users.search', sort: 'id' };

const MIN_SCORE = 0;
const MAX_SCORE = 100;

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
   * The user with this WhatsApp number (E.164, e.g. `+201001234567`), or `null`.
   *
   * @throws {@link EntityValidationError} when `phone` is not a non-empty string of at
   *   most 16 characters, or has a NUL or a lone surrogate.
   * @example
   * ```ts
   * const user = await db.users.findByPhone('+201001234567');
   * ```
   */
  async findByPhone(phone: string): Promise<User | null> {
    checkKey('User', 'phoneNumber', phone, PHONE_LENGTH);
    return this.#findOneByKey('phone_number', phone);
  }

  /**
   * The user with this unique key. Fixed SQL + direct hydration: webhook handlers call this for
   * every event, and `findOneBy` spends ~10x the query's own time building SQL and mapping aliases.
   */
  async #findOneByKey(column: 'psid' | 'phone_number', value: string): Promise<User | null> {
    return this.ctx.run((m) => selectOne(m, this.ctx.dialect, User, column, value));
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
   * none. Race-safe like {@link findOrCreateByPsid}. The number must already
   * be in E.164 form (`+201001234567`); it is not reformatted.
   *
   * @param phone - The E.164 phone number.
   * @param defaults - Values for a new user (its `phoneNumber` is always `phone`).
   * @throws {@link EntityValidationError} for an invalid number or defaults; nothing is written.
   * @throws {@link UniqueConstraintError} when `defaults.psid` belongs to another user.
   * @example
   * ```ts
   * const user = await db.users.findOrCreateByPhone('+201001234567', { primarySource: MessageSource.WHATSAPP });
   * ```
   */
  async findOrCreateByPhone(phone: string, defaults?: Partial<CreateUserInput>): Promise<User> {
    checkKey('User', 'phoneNumber', phone, PHONE_LENGTH);
    return this.#findOrCreate('phoneNumber', phone, optionsOf('User', 'defaults', defaults));
  }

  /**
   * Inserts a new user after validating it. Initial `leadStage`,
   * `customerLabel` and `leadScore` may be given; they are not audited.
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
      const changed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(changes)) {
        if (!sameValue(value, (current as unknown as Record<string, unknown>)[key])) changed[key] = value;
      }
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
    return this.#audited(id, (user) => {
      if (user.leadStage === to) return null;
      draft.stageBefore = user.leadStage;
      return { values: { leadStage: to }, activity: draft };
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
      const after = Math.min(MAX_SCORE, Math.max(MIN_SCORE, user.leadScore + delta));
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
    const options = optionsOf('UserSearch', 'criteria', criteria);
    const { limit, key } = pageRequest(SEARCH, this.ctx.engine, options);
    const query: unknown = options.query;
    if (query !== undefined && typeof query !== 'string') invalid('UserSearch', 'query', 'isString', 'query must be a string');
    const text = typeof query === 'string' ? query.trim() : '';
    // Longer text can match no field; NUL and lone surrogates would match differently per engine.
    checkMaxLength('UserSearch', 'query', text, MAX_QUERY_LENGTH);
    checkText('UserSearch', 'query', text);
    const stage = options.stage === undefined ? undefined : checkEnum(LeadStage, 'LeadStage', options.stage);
    const label = options.label === undefined || options.label === null ? options.label : checkEnum(CustomerLabel, 'CustomerLabel', options.label);
    const type = options.type === undefined ? undefined : checkEnum(CustomerType, 'CustomerType', options.type);
    const governorate = options.governorate === undefined ? undefined : checkEnum(Governorate, 'Governorate', options.governorate);
    return this.ctx.run(async (m) => {
      const qb = m.createQueryBuilder(User, 'u');
      if (text !== '') {
        // The database folds both sides: JavaScript's toLowerCase folds letters
        // (É, astral capitals) that SQLite's and PostgreSQL's LOWER may keep.
        const pattern = `%${escapeLike(text)}%`;
        qb.andWhere(
          new Brackets((w) => {
            for (const column of ['u.firstName', 'u.lastName', 'u.phoneNumber', 'u.psid']) {
              w.orWhere(`LOWER(${column}) LIKE LOWER(:pattern) ESCAPE '\\'`, { pattern });
            }
          }),
        );
      }
      if (stage !== undefined) qb.andWhere('u.leadStage = :stage', { stage });
      if (label === null) qb.andWhere('u.customerLabel IS NULL');
      else if (label !== undefined) qb.andWhere('u.customerLabel = :label', { label });
      if (type !== undefined) qb.andWhere('u.customerType = :type', { type });
      if (governorate !== undefined) qb.andWhere('u.governorate = :governorate', { governorate });
      if (key) qb.andWhere('u.id < :afterId', { afterId: key[1] });
      const rows = await qb.orderBy('u.id', 'DESC').limit(limit + 1).getMany();
      return toPage(rows, limit, SEARCH, (u) => [null, u.id]);
    });
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
    const rows = await this.ctx.run((m) =>
      m
        .createQueryBuilder(User, 'u')
        .select('u.leadStage', 'stage')
        .addSelect('COUNT(*)', 'count')
        .groupBy('u.leadStage')
        .getRawMany<{ stage: string; count: string | number }>(),
    );
    const funnel = Object.fromEntries(Object.values(LeadStage).map((s) => [s, 0])) as Record<LeadStage, number>;
    for (const row of rows) {
      if (row.stage in funnel) funnel[row.stage as LeadStage] = Number(row.count);
    }
    return funnel;
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
  async #audited(
    id: number,
    decide: (user: User) => { values: QueryDeepPartialEntity<User>; activity: LeadActivity } | null,
  ): Promise<User> {
    const dialect = this.ctx.dialect;
    return this.ctx.transaction(async (tx) => {
      const user = await lockUser(tx, dialect, id);
      const change = decide(user);
      if (!change) return user;
      await validateEntity(change.activity);
      await writeUser(tx.manager, dialect, id, change.values);
      await insertActivity(tx.manager, dialect, change.activity);
      return tx.manager.findOneByOrFail(User, { id });
    });
  }
}

/** Reads the user for a change; on PostgreSQL `FOR UPDATE` serialises concurrent changers (SQLite's queue already does). */
async function lockUser(tx: DatabaseScope, dialect: Dialect, id: number): Promise<User> {
  const qb = tx.manager.createQueryBuilder(User, 'u').where('u.id = :id', { id });
  const user = await dialect.lock(qb, 'write').getOne();
  if (!user) throw new NotFoundError('User', { id });
  return user;
}

/** UPDATE of the given columns; `updated_at` keeps milliseconds on SQLite (TypeORM would write CURRENT_TIMESTAMP). */
async function writeUser(manager: EntityManager, dialect: Dialect, id: number, values: QueryDeepPartialEntity<User>): Promise<void> {
  const set = dialect.touch(values);
  await manager.createQueryBuilder().update(User).set(set).where('id = :id', { id }).execute();
}

/** The columns of an insert: only what was set, so the database defaults apply to the rest. */
function insertValues(user: User): QueryDeepPartialEntity<User> {
  const values: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const value = (user as unknown as Record<string, unknown>)[key];
    if (value !== undefined) values[key] = value;
  }
  return values as QueryDeepPartialEntity<User>;
}

/** A new user from input, validated. */
async function buildUser(input: unknown): Promise<User> {
  return validateEntity(Object.assign(new User(), cleanInput(input, false)));
}

/** Keeps the known input keys that are set; refuses unknown, read-only and (for patches) audited ones. */
function cleanInput(input: unknown, isPatch: boolean): Record<string, unknown> {
  checkObject('User', 'input', input);
  if (isPatch) {
    for (const key of Object.keys(input)) {
      const audited = AUDITED_KEYS.get(key);
      if (audited !== undefined && (input as Record<string, unknown>)[key] !== undefined) {
        invalid('User', key, 'audited', `${key} cannot be changed with update(); use ${audited}(), which records the change`);
      }
    }
  }
  return pickInput('User', input, INPUT_KEYS);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/** The audit entry's note and performer; the entry's validation checks their types and lengths. */
function changeMeta(options: LeadChangeOptions | undefined): Pick<NewLeadActivity, 'note' | 'performedBy'> {
  const { note, performedBy } = optionsOf('LeadChangeOptions', 'options', options);
  return { note: note ?? null, performedBy: performedBy ?? null };
}

/** Escapes LIKE wildcards so user text matches literally (with `ESCAPE '\'`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
