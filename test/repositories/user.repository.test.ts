import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { Conversation } from '../../src/entities/conversation.entity';
import { LeadActivity } from '../../src/entities/lead-activity.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { CustomerLabel, CustomerType, Governorate, LeadActivityType, LeadStage, MessageSource } from '../../src/enums';
import { EntityValidationError, InvalidCursorError, InvalidEnumValueError, NotFoundError, UniqueConstraintError } from '../../src/errors';
import type { UserPatch } from '../../src/repositories/user.types';
import { makeMessage } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectValidationError, firstIssue } from '../support/errors';

describe.each(engines())('UserRepository on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const psid = (): string => `psid-${engine}-${++seq}`;
  const phone = (): string => `+2010${String(10_000_000 + ++seq)}`;

  const activitiesOf = (userId: number): Promise<LeadActivity[]> =>
    suite.db.manager.find(LeadActivity, { where: { userId }, order: { id: 'ASC' } });
  const userCount = (): Promise<number> => suite.db.manager.count(User);

  describe('lookups', () => {
    it('finds a user by id, psid and phone number', async () => {
      const p = psid();
      const ph = phone();
      const created = await suite.db.users.create({ psid: p, phoneNumber: ph, firstName: 'Ahmed' });
      expect((await suite.db.users.findById(created.id))?.firstName).toBe('Ahmed');
      expect((await suite.db.users.getById(created.id)).psid).toBe(p);
      expect((await suite.db.users.findByPsid(p))?.id).toBe(created.id);
      expect((await suite.db.users.findByPhone(ph))?.id).toBe(created.id);
    });

    it('returns null for an unknown psid, phone number or id', async () => {
      expect(await suite.db.users.findByPsid('nobody')).toBeNull();
      expect(await suite.db.users.findByPhone('+201009999999')).toBeNull();
      expect(await suite.db.users.findById(999_999)).toBeNull();
    });

    it('throws NotFoundError from getById for a missing user', async () => {
      await expect(suite.db.users.getById(999_999)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('create', () => {
    it('fills in the column defaults and timestamps', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      expect(user.id).toBeGreaterThan(0);
      expect(user.leadStage).toBe(LeadStage.NEW);
      expect(user.customerType).toBe(CustomerType.LEAD);
      expect(user.leadScore).toBe(0);
      expect(user.isActive).toBe(true);
      expect(user.customerLabel).toBeNull();
      expect(user.primarySource).toBeNull();
      expect(user.createdAt).toBeInstanceOf(Date);
      expect(user.updatedAt).toBeInstanceOf(Date);
    });

    it.each([
      { what: 'a bad email', input: { psid: 'bad-email', email: 'not-an-email' }, property: 'email' },
      { what: 'a phone number that is not E.164', input: { phoneNumber: '01001234567' }, property: 'phoneNumber' },
      { what: 'a user with neither psid nor phone number', input: { firstName: 'Nobody' }, property: 'psid' },
      { what: 'a property that is not a user field', input: { psid: 'with-id', id: 5 } as never, property: 'id' },
    ])('refuses $what with an EntityValidationError naming $property and writes nothing', async ({ input, property }) => {
      await expectValidationError(suite.db.users.create(input), property);
      expect(await userCount()).toBe(0);
    });

    it.each([
      { key: 'psid', input: { psid: 'twice' }, column: 'psid' },
      { key: 'phone number', input: { phoneNumber: '+201001234567' }, column: 'phone_number' },
    ])('reports a duplicate $key as UniqueConstraintError with the column $column and keeps the first user', async ({ input, column }) => {
      await suite.db.users.create(input);
      const error = await suite.db.users.create(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect((error as UniqueConstraintError).columns).toEqual([column]);
      expect(await userCount()).toBe(1);
    });
  });

  describe('findOrCreate', () => {
    it('creates a user by psid with the defaults given', async () => {
      const p = psid();
      const user = await suite.db.users.findOrCreateByPsid(p, { firstName: 'Ahmed', primarySource: MessageSource.MESSENGER });
      expect(user.psid).toBe(p);
      expect(user.firstName).toBe('Ahmed');
      expect(user.primarySource).toBe(MessageSource.MESSENGER);
    });

    it('does not invent a primary source when none is given', async () => {
      const user = await suite.db.users.findOrCreateByPsid(psid());
      expect(user.primarySource).toBeNull();
    });

    it('returns the existing user unchanged and ignores the defaults', async () => {
      const p = psid();
      const first = await suite.db.users.findOrCreateByPsid(p, { firstName: 'Ahmed' });
      const second = await suite.db.users.findOrCreateByPsid(p, { firstName: 'Other' });
      expect(second.id).toBe(first.id);
      expect(second.firstName).toBe('Ahmed');
      expect(await userCount()).toBe(1);
    });

    it('gives 50 concurrent callers for one psid the same single user', async () => {
      const p = psid();
      const users = await Promise.all(Array.from({ length: 50 }, (_, i) => suite.db.users.findOrCreateByPsid(p, { firstName: `n${i}` })));
      expect(new Set(users.map((u) => u.id)).size).toBe(1);
      expect(await suite.db.manager.countBy(User, { psid: p })).toBe(1);
      expect(await userCount()).toBe(1);
    });

    it('gives 50 concurrent callers for one phone number the same single user', async () => {
      const ph = phone();
      const users = await Promise.all(
        Array.from({ length: 50 }, () => suite.db.users.findOrCreateByPhone(ph, { primarySource: MessageSource.WHATSAPP })),
      );
      expect(new Set(users.map((u) => u.id)).size).toBe(1);
      expect(await suite.db.manager.countBy(User, { phoneNumber: ph })).toBe(1);
      expect(users[0]?.primarySource).toBe(MessageSource.WHATSAPP);
    });

    it('keeps the key over a conflicting key in the defaults', async () => {
      const p = psid();
      const user = await suite.db.users.findOrCreateByPsid(p, { psid: 'something-else' });
      expect(user.psid).toBe(p);
    });

    it('refuses an invalid phone number before writing anything', async () => {
      await expectValidationError(suite.db.users.findOrCreateByPhone('12345'), 'phoneNumber');
      expect(await userCount()).toBe(0);
    });

    it('refuses invalid defaults before writing anything', async () => {
      await expectValidationError(suite.db.users.findOrCreateByPsid(psid(), { email: 'bad' }), 'email');
      expect(await userCount()).toBe(0);
    });

    it('refuses an empty psid', async () => {
      await expectValidationError(suite.db.users.findOrCreateByPsid(''), 'psid');
    });

    it('reports a phone number in the defaults that belongs to another user as UniqueConstraintError', async () => {
      const ph = phone();
      await suite.db.users.create({ phoneNumber: ph });
      const error = await suite.db.users.findOrCreateByPsid(psid(), { phoneNumber: ph }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect((error as UniqueConstraintError).columns).toEqual(['phone_number']);
      expect(await userCount()).toBe(1);
    });
  });

  describe('update', () => {
    it('changes profile fields and returns the stored user', async () => {
      const user = await suite.db.users.create({ psid: psid(), firstName: 'Old' });
      const updated = await suite.db.users.update(user.id, { firstName: 'New', email: 'new@example.com', governorate: Governorate.GIZA });
      expect(updated.firstName).toBe('New');
      expect(updated.email).toBe('new@example.com');
      expect((await suite.db.users.getById(user.id)).governorate).toBe(Governorate.GIZA);
    });

    it('clears a field set to null and leaves undefined ones alone', async () => {
      const user = await suite.db.users.create({ psid: psid(), firstName: 'Ahmed', lastName: 'Ali' });
      const updated = await suite.db.users.update(user.id, { lastName: null, firstName: undefined });
      expect(updated.lastName).toBeNull();
      expect(updated.firstName).toBe('Ahmed');
    });

    it('throws NotFoundError for a missing user', async () => {
      await expect(suite.db.users.update(999_999, { firstName: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses an invalid value and leaves the row as it was', async () => {
      const user = await suite.db.users.create({ psid: psid(), email: 'ok@example.com' });
      await expectValidationError(suite.db.users.update(user.id, { email: 'bad' }), 'email');
      expect((await suite.db.users.getById(user.id)).email).toBe('ok@example.com');
    });

    it('refuses removing both psid and phone number', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expectValidationError(suite.db.users.update(user.id, { psid: null }), 'psid');
      expect((await suite.db.users.getById(user.id)).psid).toBe(user.psid);
    });

    it('refuses id and createdAt', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expectValidationError(suite.db.users.update(user.id, { id: 77 } as unknown as UserPatch), 'id');
      await expectValidationError(suite.db.users.update(user.id, { createdAt: new Date(0) } as unknown as UserPatch), 'createdAt');
      expect((await suite.db.users.getById(user.id)).createdAt.getTime()).toBe(user.createdAt.getTime());
    });

    it('refuses the audited fields and points to the audited methods', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      const error = await expectValidationError(
        suite.db.users.update(user.id, { leadStage: LeadStage.HOT } as unknown as UserPatch),
        'leadStage',
      );
      expect(error.message).toContain('leadStage');
      expect(error.issues[0]?.messages[0]).toContain('changeLeadStage');
      await expectValidationError(suite.db.users.update(user.id, { leadScore: 50 } as unknown as UserPatch), 'leadScore');
      await expectValidationError(suite.db.users.update(user.id, { customerLabel: CustomerLabel.HOT } as unknown as UserPatch), 'customerLabel');
      expect((await suite.db.users.getById(user.id)).leadStage).toBe(LeadStage.NEW);
    });

    it('reports taking another user phone number as UniqueConstraintError', async () => {
      const ph = phone();
      await suite.db.users.create({ phoneNumber: ph });
      const user = await suite.db.users.create({ psid: psid() });
      const error = await suite.db.users.update(user.id, { phoneNumber: ph }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect((error as UniqueConstraintError).columns).toEqual(['phone_number']);
    });

    it('moves updatedAt forward on a change', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await suite.db.users.update(user.id, { notes: 'called' });
      expect(updated.updatedAt.getTime()).toBeGreaterThan(user.updatedAt.getTime());
    });
  });

  describe('changeLeadStage', () => {
    it('changes the stage and writes exactly one STAGE_CHANGE activity', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      const updated = await suite.db.users.changeLeadStage(user.id, LeadStage.QUALIFIED, { performedBy: 'agent-7', note: 'budget ok' });
      expect(updated.leadStage).toBe(LeadStage.QUALIFIED);
      const activities = await activitiesOf(user.id);
      expect(activities).toHaveLength(1);
      expect(activities[0]).toMatchObject({
        activityType: LeadActivityType.STAGE_CHANGE,
        stageBefore: LeadStage.NEW,
        stageAfter: LeadStage.QUALIFIED,
        note: 'budget ok',
        performedBy: 'agent-7',
      });
    });

    it('writes nothing when the stage does not change', async () => {
      const user = await suite.db.users.create({ psid: psid(), leadStage: LeadStage.HOT });
      const same = await suite.db.users.changeLeadStage(user.id, LeadStage.HOT);
      expect(same.leadStage).toBe(LeadStage.HOT);
      expect(same.updatedAt.getTime()).toBe(user.updatedAt.getTime());
      expect(await activitiesOf(user.id)).toHaveLength(0);
    });

    it('refuses a value outside LeadStage with InvalidEnumValueError', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expect(suite.db.users.changeLeadStage(user.id, 'very_hot' as LeadStage)).rejects.toBeInstanceOf(InvalidEnumValueError);
      expect(await activitiesOf(user.id)).toHaveLength(0);
    });

    it('accepts the raw stored value of a stage', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      const updated = await suite.db.users.changeLeadStage(user.id, 'closed_won' as LeadStage);
      expect(updated.leadStage).toBe(LeadStage.CLOSED_WON);
    });

    it('throws NotFoundError for a missing user', async () => {
      await expect(suite.db.users.changeLeadStage(999_999, LeadStage.HOT)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses a too long performer before writing', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expectValidationError(suite.db.users.changeLeadStage(user.id, LeadStage.HOT, { performedBy: 'x'.repeat(101) }), 'performedBy');
      expect((await suite.db.users.getById(user.id)).leadStage).toBe(LeadStage.NEW);
      expect(await activitiesOf(user.id)).toHaveLength(0);
    });

    it('keeps an unbroken audit chain under 20 concurrent changes', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      const stages = [LeadStage.CONTACTED, LeadStage.QUALIFIED, LeadStage.HOT];
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => suite.db.users.changeLeadStage(user.id, stages[i % stages.length] as LeadStage, { performedBy: `a${i}` })),
      );
      const chain = await activitiesOf(user.id);
      expect(chain.length).toBeGreaterThan(0);
      expect(chain[0]?.stageBefore).toBe(LeadStage.NEW);
      for (let i = 1; i < chain.length; i++) {
        expect(chain[i]?.stageBefore).toBe(chain[i - 1]?.stageAfter);
      }
      for (const a of chain) expect(a.stageBefore).not.toBe(a.stageAfter);
      const final = await suite.db.users.getById(user.id);
      expect(chain[chain.length - 1]?.stageAfter).toBe(final.leadStage);
      // The trail read newest first tells the same story.
      const listed = await suite.db.leadActivities.listForUser(user.id, { limit: 500 });
      expect(listed.items.map((a) => a.id)).toEqual(chain.map((a) => a.id).reverse());
    });

    it('rolls back the stage change and the activity when the transaction throws afterwards', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expect(
        suite.db.transaction(async (tx) => {
          await tx.users.changeLeadStage(user.id, LeadStage.HOT, { performedBy: 'agent-1' });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await suite.db.users.getById(user.id)).leadStage).toBe(LeadStage.NEW);
      expect(await activitiesOf(user.id)).toHaveLength(0);
    });

    it('commits with the surrounding transaction', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await suite.db.transaction(async (tx) => {
        await tx.users.changeLeadStage(user.id, LeadStage.HOT);
        await tx.users.changeLabel(user.id, CustomerLabel.HOT);
      });
      const after = await suite.db.users.getById(user.id);
      expect([after.leadStage, after.customerLabel]).toEqual([LeadStage.HOT, CustomerLabel.HOT]);
      expect(await activitiesOf(user.id)).toHaveLength(2);
    });
  });

  describe('changeLabel', () => {
    it('sets a label and writes one LABEL_CHANGE activity', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      const updated = await suite.db.users.changeLabel(user.id, CustomerLabel.WARM, { performedBy: 'ai', note: 'asked price' });
      expect(updated.customerLabel).toBe(CustomerLabel.WARM);
      const activities = await activitiesOf(user.id);
      expect(activities).toHaveLength(1);
      expect(activities[0]).toMatchObject({
        activityType: LeadActivityType.LABEL_CHANGE,
        labelBefore: null,
        labelAfter: CustomerLabel.WARM,
        performedBy: 'ai',
        note: 'asked price',
      });
    });

    it('clears a label with null and records the removal', async () => {
      const user = await suite.db.users.create({ psid: psid(), customerLabel: CustomerLabel.COLD });
      const updated = await suite.db.users.changeLabel(user.id, null);
      expect(updated.customerLabel).toBeNull();
      expect((await activitiesOf(user.id))[0]).toMatchObject({ labelBefore: CustomerLabel.COLD, labelAfter: null });
    });

    it('writes nothing when the label does not change', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await suite.db.users.changeLabel(user.id, null);
      await suite.db.users.changeLabel(user.id, CustomerLabel.HOT);
      await suite.db.users.changeLabel(user.id, CustomerLabel.HOT);
      expect(await activitiesOf(user.id)).toHaveLength(1);
    });

    it('refuses a value outside CustomerLabel with InvalidEnumValueError', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expect(suite.db.users.changeLabel(user.id, 'lukewarm' as CustomerLabel)).rejects.toBeInstanceOf(InvalidEnumValueError);
    });
  });

  describe('adjustScore', () => {
    it('adds the delta and writes one SCORE_CHANGE activity', async () => {
      const user = await suite.db.users.create({ psid: psid(), leadScore: 10 });
      const updated = await suite.db.users.adjustScore(user.id, 15, { performedBy: 'ai' });
      expect(updated.leadScore).toBe(25);
      const activities = await activitiesOf(user.id);
      expect(activities).toHaveLength(1);
      expect(activities[0]).toMatchObject({ activityType: LeadActivityType.SCORE_CHANGE, scoreBefore: 10, scoreAfter: 25 });
    });

    it.each([
      { before: 90, delta: 50, after: 100 },
      { before: 5, delta: -20, after: 0 },
    ])('clamps a score of $before adjusted by $delta at $after', async ({ before, delta, after }) => {
      const user = await suite.db.users.create({ psid: psid(), leadScore: before });
      expect((await suite.db.users.adjustScore(user.id, delta)).leadScore).toBe(after);
      expect((await activitiesOf(user.id))[0]).toMatchObject({ scoreBefore: before, scoreAfter: after });
    });

    it('writes nothing when clamping leaves the score as it was', async () => {
      const user = await suite.db.users.create({ psid: psid(), leadScore: 100 });
      expect((await suite.db.users.adjustScore(user.id, 10)).leadScore).toBe(100);
      const low = await suite.db.users.create({ psid: psid() });
      expect((await suite.db.users.adjustScore(low.id, -3)).leadScore).toBe(0);
      expect((await suite.db.users.adjustScore(low.id, 0)).leadScore).toBe(0);
      expect(await suite.db.manager.count(LeadActivity)).toBe(0);
    });

    it('refuses a delta that is not a whole number', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await expectValidationError(suite.db.users.adjustScore(user.id, 1.5), 'delta');
      await expectValidationError(suite.db.users.adjustScore(user.id, Number.NaN), 'delta');
      expect((await suite.db.users.getById(user.id)).leadScore).toBe(0);
    });

    it('adds up 20 concurrent adjustments without losing one', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      await Promise.all(Array.from({ length: 20 }, () => suite.db.users.adjustScore(user.id, 3)));
      expect((await suite.db.users.getById(user.id)).leadScore).toBe(60);
      expect(await activitiesOf(user.id)).toHaveLength(20);
    });
  });

  describe('search', () => {
    it('matches first name, last name, phone number and psid case-insensitively', async () => {
      const a = await suite.db.users.create({ psid: 'PSID-Alpha-1', firstName: 'Ahmed', lastName: 'Hassan' });
      const b = await suite.db.users.create({ phoneNumber: '+201005550001', firstName: 'Mona', lastName: 'SALEH' });
      await suite.db.users.create({ psid: 'other', firstName: 'Karim' });
      const ids = async (query: string): Promise<number[]> => (await suite.db.users.search({ query })).items.map((u) => u.id);
      expect(await ids('ahm')).toEqual([a.id]);
      expect(await ids('saleh')).toEqual([b.id]);
      expect(await ids('5550001')).toEqual([b.id]);
      expect(await ids('psid-alpha')).toEqual([a.id]);
      expect(await ids('HASS')).toEqual([a.id]);
    });

    it('treats % and _ in the query as plain characters', async () => {
      const literal = await suite.db.users.create({ psid: 'a_b%c' });
      await suite.db.users.create({ psid: 'axbyc' });
      expect((await suite.db.users.search({ query: '_b%' })).items.map((u) => u.id)).toEqual([literal.id]);
      expect((await suite.db.users.search({ query: '%' })).items.map((u) => u.id)).toEqual([literal.id]);
    });

    it('ignores a blank query', async () => {
      await suite.db.users.create({ psid: psid() });
      await suite.db.users.create({ psid: psid() });
      expect((await suite.db.users.search({ query: '  ' })).items).toHaveLength(2);
    });

    it('filters by stage, label, type and governorate', async () => {
      const hot = await suite.db.users.create({
        psid: psid(),
        leadStage: LeadStage.HOT,
        customerLabel: CustomerLabel.HOT,
        customerType: CustomerType.BUSINESS,
        governorate: Governorate.CAIRO,
      });
      const plain = await suite.db.users.create({ psid: psid(), governorate: Governorate.GIZA });
      const ids = async (criteria: Parameters<Database['users']['search']>[0]): Promise<number[]> =>
        (await suite.db.users.search(criteria)).items.map((u) => u.id);
      expect(await ids({ stage: LeadStage.HOT })).toEqual([hot.id]);
      expect(await ids({ label: CustomerLabel.HOT })).toEqual([hot.id]);
      expect(await ids({ label: null })).toEqual([plain.id]);
      expect(await ids({ type: CustomerType.BUSINESS })).toEqual([hot.id]);
      expect(await ids({ governorate: Governorate.GIZA })).toEqual([plain.id]);
      expect(await ids({ stage: LeadStage.NEW, governorate: Governorate.CAIRO })).toEqual([]);
    });

    it('refuses filter values outside their enums with InvalidEnumValueError', async () => {
      await expect(suite.db.users.search({ stage: 'x' as LeadStage })).rejects.toBeInstanceOf(InvalidEnumValueError);
      await expect(suite.db.users.search({ label: 'x' as CustomerLabel })).rejects.toBeInstanceOf(InvalidEnumValueError);
      await expect(suite.db.users.search({ type: 'x' as CustomerType })).rejects.toBeInstanceOf(InvalidEnumValueError);
      await expect(suite.db.users.search({ governorate: 'x' as Governorate })).rejects.toBeInstanceOf(InvalidEnumValueError);
    });

    it('refuses a bad limit with EntityValidationError', async () => {
      await expectValidationError(suite.db.users.search({ limit: 0 }), 'limit');
    });

    it('refuses a cursor it did not make with InvalidCursorError', async () => {
      await expect(suite.db.users.search({ cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('pages through every match newest first with no duplicates or gaps', async () => {
      const created: number[] = [];
      for (let i = 0; i < 23; i++) created.push((await suite.db.users.create({ psid: psid(), firstName: `Page${i}` })).id);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await suite.db.users.search({ query: 'page', limit: 5, cursor });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      expect(pages).toBe(5);
      expect(seen).toEqual([...created].reverse());
    });

    it('stays stable when users are inserted between pages', async () => {
      const created: number[] = [];
      for (let i = 0; i < 10; i++) created.push((await suite.db.users.create({ psid: psid() })).id);
      const first = await suite.db.users.search({ limit: 4 });
      await suite.db.users.create({ psid: psid() });
      await suite.db.users.create({ psid: psid() });
      const seen = first.items.map((u) => u.id);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await suite.db.users.search({ limit: 4, cursor });
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
        if (seen.length > 1000) throw new Error('pagination does not advance');
      }
      expect(seen).toEqual([...created].reverse());
    });

    it('returns no cursor on the last page', async () => {
      await suite.db.users.create({ psid: psid() });
      const page = await suite.db.users.search({ limit: 1 });
      expect(page.items).toHaveLength(1);
      expect(page.nextCursor).toBeNull();
    });
  });

  describe('leadFunnel', () => {
    it('counts users per stage with all 8 stages present', async () => {
      await suite.db.users.create({ psid: psid(), leadStage: LeadStage.HOT });
      await suite.db.users.create({ psid: psid(), leadStage: LeadStage.HOT });
      await suite.db.users.create({ psid: psid() });
      const funnel = await suite.db.users.leadFunnel();
      expect(Object.keys(funnel).sort()).toEqual(Object.values(LeadStage).sort());
      expect(funnel).toEqual({
        [LeadStage.NEW]: 1,
        [LeadStage.CONTACTED]: 0,
        [LeadStage.QUALIFIED]: 0,
        [LeadStage.HOT]: 2,
        [LeadStage.PROPOSAL]: 0,
        [LeadStage.NEGOTIATION]: 0,
        [LeadStage.CLOSED_WON]: 0,
        [LeadStage.CLOSED_LOST]: 0,
      });
    });

    it('gives zeros for every stage on an empty table', async () => {
      const funnel = await suite.db.users.leadFunnel();
      expect(Object.values(funnel)).toEqual(Array.from({ length: 8 }, () => 0));
    });
  });

  describe('delete', () => {
    it('deletes the user with its messages, conversations and activities', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      const keep = await suite.db.users.create({ psid: psid() });
      for (const u of [user, keep]) {
        await makeMessage(suite.db, { userId: u.id, text: 'hi' });
        await suite.db.users.changeLeadStage(u.id, LeadStage.CONTACTED);
      }
      expect(await suite.db.users.delete(user.id)).toBe(true);
      expect(await suite.db.users.findById(user.id)).toBeNull();
      expect(await suite.db.manager.countBy(Message, { userId: user.id })).toBe(0);
      expect(await suite.db.manager.countBy(Conversation, { userId: user.id })).toBe(0);
      expect(await suite.db.manager.countBy(LeadActivity, { userId: user.id })).toBe(0);
      expect(await suite.db.manager.countBy(Message, { userId: keep.id })).toBe(1);
      expect(await suite.db.manager.countBy(LeadActivity, { userId: keep.id })).toBe(1);
    });

    it('returns false for a missing user', async () => {
      expect(await suite.db.users.delete(999_999)).toBe(false);
    });
  });

  describe('input checks before SQL', () => {
    it('refuses id 2^31 with rule max instead of overflowing PostgreSQL integer', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      for (const call of [
        () => suite.db.users.findById(2 ** 31),
        () => suite.db.users.getById(2 ** 31),
        () => suite.db.users.update(2 ** 31, { firstName: 'x' }),
        () => suite.db.users.changeLeadStage(2 ** 31, LeadStage.HOT),
        () => suite.db.users.delete(2 ** 31),
      ]) {
        expect(await firstIssue(call())).toEqual({ property: 'id', rule: 'max' });
      }
      expect((await suite.db.users.getById(user.id)).firstName).toBeNull();
    });

    it('finds the user with id 2^31-1 or none, the largest id there can be', async () => {
      expect(await suite.db.users.findById(2 ** 31 - 1)).toBeNull();
    });

    it('refuses fractional, NaN, infinite, object and SQL-text ids with rule isInt', async () => {
      for (const id of [1.5, Number.NaN, Number.POSITIVE_INFINITY, {}, '1 OR 1=1']) {
        expect(await firstIssue(suite.db.users.findById(id as number))).toEqual({ property: 'id', rule: 'isInt' });
      }
    });

    it('refuses psids with lone surrogates (rule wellFormed) instead of storing two of them as one user', async () => {
      for (const key of ['x\ud800', 'x\udc00']) {
        expect(await firstIssue(suite.db.users.findOrCreateByPsid(key))).toEqual({ property: 'psid', rule: 'wellFormed' });
        expect(await firstIssue(suite.db.users.create({ psid: key }))).toEqual({ property: 'psid', rule: 'wellFormed' });
      }
      expect(await userCount()).toBe(0);
    });

    it('refuses a NUL character in a search query (rule noNul) instead of matching every user', async () => {
      await suite.db.users.create({ psid: psid() });
      expect(await firstIssue(suite.db.users.search({ query: '\u0000' }))).toEqual({ property: 'query', rule: 'noNul' });
    });

    it('treats a backslash in the query as a plain character', async () => {
      const slash = await suite.db.users.create({ psid: 'a\\b' });
      await suite.db.users.create({ psid: 'ab' });
      expect((await suite.db.users.search({ query: 'a\\b' })).items.map((u) => u.id)).toEqual([slash.id]);
      expect((await suite.db.users.search({ query: '\\' })).items.map((u) => u.id)).toEqual([slash.id]);
    });

    it('refuses a search query longer than the longest field it matches (100 characters)', async () => {
      expect(await firstIssue(suite.db.users.search({ query: 'q'.repeat(101) }))).toEqual({ property: 'query', rule: 'maxLength' });
    });

    it('refuses update keys constructor, toString, __proto__ and hasOwnProperty as unknown properties', async () => {
      const user = await suite.db.users.create({ psid: psid() });
      for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const patch = Object.defineProperty({}, key, { value: 'x', enumerable: true }) as UserPatch;
        expect(await firstIssue(suite.db.users.update(user.id, patch))).toEqual({ property: key, rule: 'unknownProperty' });
      }
    });

    it('refuses a 40,000-character psid before any SQL, quoting only its length and writing nothing', async () => {
      const long = '9'.repeat(40_000);
      for (const call of [() => suite.db.users.findByPsid(long), () => suite.db.users.findOrCreateByPsid(long), () => suite.db.users.create({ psid: long })]) {
        const error = await expectValidationError(call(), 'psid');
        expect(error.issues[0]!.messages.join(' ').length).toBeLessThan(200);
        expect(error.message).not.toContain('9'.repeat(100));
      }
      expect(await userCount()).toBe(0);
    });

    it('refuses lastMessageAt outside 1970..9999 with rule dateRange and an Invalid Date with rule isDate', async () => {
      for (const at of [new Date(Date.UTC(10000, 0, 1)), new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), new Date(-8.64e15)]) {
        expect(await firstIssue(suite.db.users.create({ psid: psid(), lastMessageAt: at }))).toEqual({ property: 'lastMessageAt', rule: 'dateRange' });
      }
      expect(await firstIssue(suite.db.users.create({ psid: psid(), lastMessageAt: new Date(Number.NaN) }))).toEqual({ property: 'lastMessageAt', rule: 'isDate' });
      expect(await userCount()).toBe(0);
    });

    it('stores lastMessageAt at both ends of the range exactly', async () => {
      for (const at of [new Date(0), new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999))]) {
        const user = await suite.db.users.create({ psid: psid(), lastMessageAt: at });
        expect((await suite.db.users.getById(user.id)).lastMessageAt?.toISOString()).toBe(at.toISOString());
      }
    });
  });
});
