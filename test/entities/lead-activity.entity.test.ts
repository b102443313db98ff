import { beforeAll, describe, expect, it } from 'vitest';
import { LeadActivity } from '../../src/entities/lead-activity.entity';
import { CustomerLabel, LeadActivityType, LeadStage } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectRefused, expectStoredAsUtc, pgColumnTypes, sql, validationIssues } from './fixtures';

const activity = (values: Partial<LeadActivity>): LeadActivity =>
  Object.assign(new LeadActivity(), { activityType: LeadActivityType.NOTE, ...values });

describe.each(engines())('LeadActivity entity on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let userId: number;

  beforeAll(async () => {
    userId = (await makeUser(suite.db)).id;
  });

  it('round-trips every column through the manager', async () => {
    const saved = await suite.db.manager.save(
      activity({
        userId,
        activityType: LeadActivityType.STAGE_CHANGE,
        stageBefore: LeadStage.QUALIFIED,
        stageAfter: LeadStage.CLOSED_WON,
        labelBefore: CustomerLabel.COLD,
        labelAfter: CustomerLabel.HOT,
        scoreBefore: 0,
        scoreAfter: 100,
        note: 'ملاحظة',
        performedBy: 'agent-7',
      }),
    );
    const loaded = await suite.db.manager.findOneByOrFail(LeadActivity, { id: saved.id });
    expect(loaded).toMatchObject({
      userId,
      activityType: 'stage_change',
      stageBefore: 'qualified',
      stageAfter: 'closed_won',
      labelBefore: 'cold',
      labelAfter: 'hot',
      scoreBefore: 0,
      scoreAfter: 100,
      note: 'ملاحظة',
      performedBy: 'agent-7',
    });
    expect(loaded.createdAt).toBeInstanceOf(Date);
    expect(loaded.createdAt.getTime()).toBe(saved.createdAt.getTime());
    await expectStoredAsUtc(suite.db, 'lead_activities', 'created_at', saved.id, saved.createdAt);
  });

  it('keeps optional columns null', async () => {
    const saved = await suite.db.manager.save(activity({ userId }));
    expect(await suite.db.manager.findOneByOrFail(LeadActivity, { id: saved.id })).toMatchObject({
      stageBefore: null,
      stageAfter: null,
      labelBefore: null,
      labelAfter: null,
      scoreBefore: null,
      scoreAfter: null,
      note: null,
      performedBy: null,
    });
  });

  it('has created_at but no updated_at (append-only)', async () => {
    expect('updatedAt' in new LeadActivity()).toBe(false);
    const columns =
      engine === 'postgres'
        ? Object.keys(await pgColumnTypes(suite.db, 'lead_activities'))
        : (await sql<{ name: string }>(suite.db, `SELECT name FROM pragma_table_info('lead_activities')`)).map((c) => c.name);
    expect(columns).toContain('created_at');
    expect(columns).not.toContain('updated_at');
  });

  it('refuses an activity for a user that does not exist', async () => {
    await expectRefused(suite.db.manager.save(activity({ userId: 987_654 })), /foreign key/i);
  });

  it.each([
    ['activity_type', 'gossip'],
    ['stage_before', 'bogus'],
    ['stage_after', 'bogus'],
    ['label_before', 'lukewarm'],
    ['label_after', 'lukewarm'],
  ])('refuses a raw insert of an unknown %s value', async (column, value) => {
    const values: Record<string, unknown> = { user_id: userId, activity_type: 'note', [column]: value };
    const columns = Object.keys(values);
    await expectRefused(
      sql(suite.db, `INSERT INTO "lead_activities" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(values)),
      /CHK_lead_activities_|check constraint/i,
    );
  });
});

describe('LeadActivity validation', () => {
  it('accepts a valid activity', async () => {
    const valid = activity({ userId: 1, stageAfter: LeadStage.HOT, scoreAfter: 80 });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it('refuses scores outside 0..100', async () => {
    expect(await validationIssues(activity({ userId: 1, scoreBefore: -1, scoreAfter: 101 }))).toEqual({
      scoreBefore: ['min'],
      scoreAfter: ['max'],
    });
  });

  it('refuses values outside each enum', async () => {
    const issues = await validationIssues(
      activity({
        userId: 1,
        activityType: 'gossip' as LeadActivityType,
        stageBefore: 'bogus' as LeadStage,
        labelAfter: 'lukewarm' as CustomerLabel,
      }),
    );
    expect(issues).toEqual({ activityType: ['isEnum'], stageBefore: ['isEnum'], labelAfter: ['isEnum'] });
  });

  it('refuses a performedBy longer than 100 characters', async () => {
    expect(await validationIssues(activity({ userId: 1, performedBy: 'a'.repeat(101) }))).toEqual({ performedBy: ['maxLength'] });
  });
});
