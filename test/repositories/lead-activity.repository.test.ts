import { describe, expect, it } from 'vitest';
import { LeadActivity } from '../../src/entities/lead-activity.entity';
import { LeadActivityType, LeadStage } from '../../src/enums';
import { EntityValidationError, InvalidCursorError, NotFoundError } from '../../src/errors';
import type { Page, PageRequest } from '../../src/pagination';
import { makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { firstIssue } from '../support/errors';

describe.each(engines())('LeadActivityRepository on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  const activityCount = (): Promise<number> => suite.db.manager.count(LeadActivity);

  /** Every item of a paged listing, following nextCursor to the end. */
  async function collect(fetch: (page: PageRequest) => Promise<Page<LeadActivity>>, limit: number): Promise<number[]> {
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await fetch({ limit, cursor });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
      // A cursor that does not advance would loop forever: fail instead.
      if (ids.length > 1000) throw new Error('pagination does not advance');
    } while (cursor);
    return ids;
  }

  /** The ids of a user's activities as the database orders them, newest first. */
  async function orderedIds(userId?: number): Promise<number[]> {
    const qb = suite.db.manager.createQueryBuilder(LeadActivity, 'a').orderBy('a.createdAt', 'DESC').addOrderBy('a.id', 'DESC');
    if (userId !== undefined) qb.where('a.userId = :userId', { userId });
    return (await qb.getMany()).map((a) => a.id);
  }

  describe('addNote', () => {
    it('stores a NOTE entry with the text and the performer', async () => {
      const user = await makeUser(suite.db);
      const note = await suite.db.leadActivities.addNote(user.id, 'Wants the grey sofa', 'agent-7');
      expect(note).toBeInstanceOf(LeadActivity);
      expect(note).toMatchObject({
        userId: user.id,
        activityType: LeadActivityType.NOTE,
        note: 'Wants the grey sofa',
        performedBy: 'agent-7',
        stageBefore: null,
        stageAfter: null,
      });
      expect(note.createdAt).toBeInstanceOf(Date);
      expect(await suite.db.leadActivities.getById(note.id)).toMatchObject({ note: 'Wants the grey sofa' });
    });

    it('leaves the performer empty when none is given', async () => {
      const user = await makeUser(suite.db);
      expect((await suite.db.leadActivities.addNote(user.id, 'hello')).performedBy).toBeNull();
    });

    it('refuses a blank note with an EntityValidationError naming note and writes nothing', async () => {
      const user = await makeUser(suite.db);
      const error = await suite.db.leadActivities.addNote(user.id, '   ').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
      expect((error as EntityValidationError).issues.map((i) => i.property)).toEqual(['note']);
      expect(await activityCount()).toBe(0);
    });

    it('refuses a performer longer than 100 characters and writes nothing', async () => {
      const user = await makeUser(suite.db);
      const error = await suite.db.leadActivities.addNote(user.id, 'ok', 'x'.repeat(101)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
      expect((error as EntityValidationError).issues.map((i) => i.property)).toEqual(['performedBy']);
      expect(await activityCount()).toBe(0);
    });

    it('throws NotFoundError for a missing user and writes nothing', async () => {
      const error = await suite.db.leadActivities.addNote(999_999, 'hello').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).criteria).toEqual({ id: 999_999 });
      expect(await activityCount()).toBe(0);
    });

    it('is rolled back with a surrounding transaction that throws', async () => {
      const user = await makeUser(suite.db);
      await expect(
        suite.db.transaction(async (tx) => {
          await tx.leadActivities.addNote(user.id, 'draft');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await activityCount()).toBe(0);
    });
  });

  describe('recordContact', () => {
    it('stores a CONTACT entry with the optional note and performer', async () => {
      const user = await makeUser(suite.db);
      const contact = await suite.db.leadActivities.recordContact(user.id, { note: 'Phoned, no answer', performedBy: 'agent-2' });
      expect(contact).toMatchObject({ activityType: LeadActivityType.CONTACT, note: 'Phoned, no answer', performedBy: 'agent-2' });
    });

    it('needs no options', async () => {
      const user = await makeUser(suite.db);
      expect(await suite.db.leadActivities.recordContact(user.id)).toMatchObject({ activityType: LeadActivityType.CONTACT, note: null });
    });

    it('throws NotFoundError for a missing user', async () => {
      await expect(suite.db.leadActivities.recordContact(999_999)).rejects.toBeInstanceOf(NotFoundError);
      expect(await activityCount()).toBe(0);
    });
  });

  describe('listForUser', () => {
    it('lists only that user entries, newest first', async () => {
      const user = await makeUser(suite.db);
      const other = await makeUser(suite.db);
      const first = await suite.db.leadActivities.addNote(user.id, 'one');
      await suite.db.leadActivities.addNote(other.id, 'elsewhere');
      const second = await suite.db.users.changeLeadStage(user.id, LeadStage.CONTACTED).then(async () => (await orderedIds(user.id))[0]);
      const third = await suite.db.leadActivities.recordContact(user.id);
      const page = await suite.db.leadActivities.listForUser(user.id);
      expect(page.items.map((a) => a.id)).toEqual([third.id, second, first.id]);
      expect(page.items.every((a) => a.userId === user.id)).toBe(true);
      expect(page.nextCursor).toBeNull();
    });

    it('gives an empty page for a user without entries', async () => {
      expect(await suite.db.leadActivities.listForUser(999_999)).toEqual({ items: [], nextCursor: null });
    });

    it('pages through every entry with no duplicates or gaps', async () => {
      const user = await makeUser(suite.db);
      for (let i = 0; i < 7; i++) await suite.db.leadActivities.addNote(user.id, `n${i}`);
      const ids = await collect((p) => suite.db.leadActivities.listForUser(user.id, p), 2);
      expect(ids).toHaveLength(7);
      expect(ids).toEqual(await orderedIds(user.id));
    });

    it('stays stable when entries are added between pages', async () => {
      const user = await makeUser(suite.db);
      for (let i = 0; i < 6; i++) await suite.db.leadActivities.addNote(user.id, `n${i}`);
      const before = await orderedIds(user.id);
      const first = await suite.db.leadActivities.listForUser(user.id, { limit: 2 });
      await suite.db.leadActivities.addNote(user.id, 'newer');
      await suite.db.leadActivities.addNote(user.id, 'newest');
      const seen = first.items.map((a) => a.id);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await suite.db.leadActivities.listForUser(user.id, { limit: 2, cursor });
        seen.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor;
        if (seen.length > 1000) throw new Error('pagination does not advance');
      }
      expect(seen).toEqual(before);
    });

    it('pages correctly through entries with equal or sub-millisecond timestamps', async () => {
      const user = await makeUser(suite.db);
      // Six entries within one millisecond: equal on SQLite (ties broken by id), microseconds apart on PostgreSQL.
      for (let i = 0; i < 6; i++) {
        const at = engine === 'postgres' ? `TIMESTAMPTZ '2030-01-01 00:00:00.000${(i * 137) % 600 + 100}+00'` : `'2030-01-01 00:00:00.000'`;
        await suite.db.manager
          .createQueryBuilder()
          .insert()
          .into(LeadActivity)
          .values({ userId: user.id, activityType: LeadActivityType.NOTE, note: `n${i}`, createdAt: () => at })
          .execute();
      }
      const expected = await orderedIds(user.id);
      expect(await collect((p) => suite.db.leadActivities.listForUser(user.id, p), 1)).toEqual(expected);
      expect(await collect((p) => suite.db.leadActivities.listForUser(user.id, p), 4)).toEqual(expected);
    });

    it('refuses a bad limit with EntityValidationError', async () => {
      await expect(suite.db.leadActivities.listForUser(1, { limit: 501 })).rejects.toBeInstanceOf(EntityValidationError);
    });

    it('refuses a cursor it did not make with InvalidCursorError', async () => {
      await expect(suite.db.leadActivities.listForUser(1, { cursor: 'nope' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('refuses a cursor that came from another kind of listing', async () => {
      for (let i = 0; i < 3; i++) await makeUser(suite.db);
      const { nextCursor } = await suite.db.users.search({ limit: 1 });
      expect(nextCursor).not.toBeNull();
      await expect(suite.db.leadActivities.listForUser(1, { cursor: nextCursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('refuses a user id that is not a positive whole number', async () => {
      await expect(suite.db.leadActivities.listForUser(0)).rejects.toBeInstanceOf(EntityValidationError);
    });
  });

  describe('recent', () => {
    it('lists entries across users, newest first', async () => {
      const a = await makeUser(suite.db);
      const b = await makeUser(suite.db);
      const n1 = await suite.db.leadActivities.addNote(a.id, 'a1');
      const n2 = await suite.db.leadActivities.addNote(b.id, 'b1');
      const n3 = await suite.db.leadActivities.recordContact(a.id);
      const page = await suite.db.leadActivities.recent({ limit: 10 });
      expect(page.items.map((x) => x.id)).toEqual([n3.id, n2.id, n1.id]);
      expect(new Set(page.items.map((x) => x.userId))).toEqual(new Set([a.id, b.id]));
    });

    it('pages across users with no duplicates or gaps', async () => {
      const users = [await makeUser(suite.db), await makeUser(suite.db), await makeUser(suite.db)];
      for (let i = 0; i < 9; i++) await suite.db.leadActivities.addNote(users[i % 3]!.id, `n${i}`);
      const ids = await collect((p) => suite.db.leadActivities.recent(p), 4);
      expect(ids).toHaveLength(9);
      expect(ids).toEqual(await orderedIds());
    });

    it('uses the default page size of 20', async () => {
      const user = await makeUser(suite.db);
      for (let i = 0; i < 21; i++) await suite.db.leadActivities.addNote(user.id, `n${i}`);
      const page = await suite.db.leadActivities.recent();
      expect(page.items).toHaveLength(20);
      expect(page.nextCursor).not.toBeNull();
    });
  });

  describe('input checks before SQL', () => {
    it('refuses a note with a NUL and a performer with a lone surrogate, writing nothing', async () => {
      const user = await makeUser(suite.db);
      expect(await firstIssue(suite.db.leadActivities.addNote(user.id, 'a\u0000b'))).toEqual({ property: 'note', rule: 'noNul' });
      expect(await firstIssue(suite.db.leadActivities.recordContact(user.id, { performedBy: 'agent\udc00' }))).toEqual({ property: 'performedBy', rule: 'wellFormed' });
      expect(await activityCount()).toBe(0);
    });

    it('refuses a userId of 2^31 with rule max', async () => {
      expect(await firstIssue(suite.db.leadActivities.listForUser(2 ** 31))).toEqual({ property: 'userId', rule: 'max' });
      expect(await firstIssue(suite.db.leadActivities.addNote(2 ** 31, 'note'))).toEqual({ property: 'userId', rule: 'max' });
    });

    it('refuses contact options that are not an object with rule isObject', async () => {
      const user = await makeUser(suite.db);
      expect(await firstIssue(suite.db.leadActivities.recordContact(user.id, null as unknown as undefined))).toEqual({ property: 'options', rule: 'isObject' });
    });
  });
});
