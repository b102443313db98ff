import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation } from '../../src/entities/conversation.entity';
import { LeadActivity } from '../../src/entities/lead-activity.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { CustomerLabel, CustomerType, Governorate, LeadStage, MessageSource } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { makeMessage } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectRefused, expectSecondRefused, expectStoredAsUtc, sql, sqliteUtcText, validationIssues } from './fixtures';

const user = (values: Partial<User>): User => Object.assign(new User(), values);

describe.each(engines())('User entity on %s', (engine) => {
  const tz = process.env['TZ'];
  beforeAll(() => {
    // A local zone far from UTC, set before the database opens: stored and read dates must not shift with it.
    process.env['TZ'] = 'Pacific/Kiritimati';
  });
  afterAll(() => {
    process.env['TZ'] = tz;
  });
  const suite = useTestDatabase(engine);

  it('round-trips every column through the manager', async () => {
    const lastMessageAt = new Date('2024-03-05T22:15:30.123Z');
    const values = {
      psid: 'psid-round-trip',
      phoneNumber: '+201001234567',
      firstName: 'أحمد',
      lastName: "O'Brien",
      email: 'ahmed@example.com',
      profilePicUrl: 'https://cdn.example.com/p/1.jpg',
      governorate: Governorate.KAFR_EL_SHEIKH,
      leadStage: LeadStage.CLOSED_WON,
      customerLabel: CustomerLabel.WARM,
      customerType: CustomerType.WHOLESALE,
      leadScore: 100,
      primarySource: MessageSource.WHATSAPP,
      notes: 'line 1\nline 2 🚀',
      isActive: false,
    };
    const saved = await suite.db.manager.save(user({ ...values, lastMessageAt }));
    const loaded = await suite.db.manager.findOneByOrFail(User, { id: saved.id });
    expect(loaded).toBeInstanceOf(User);
    // The enums come back as their stored values.
    expect(loaded).toMatchObject({
      ...values,
      governorate: 'kafr_el_sheikh',
      leadStage: 'closed_won',
      customerLabel: 'warm',
      customerType: 'wholesale',
      primarySource: 'whatsapp',
    });
    expect(loaded.lastMessageAt).toBeInstanceOf(Date);
    expect(loaded.lastMessageAt?.toISOString()).toBe('2024-03-05T22:15:30.123Z');
    expect(loaded.createdAt).toBeInstanceOf(Date);
    expect(loaded.updatedAt).toBeInstanceOf(Date);
    expect(loaded.createdAt.getTime()).toBe(saved.createdAt.getTime());
  });

  it('fills in the defaults of the design', async () => {
    const saved = await suite.db.manager.save(user({ psid: 'psid-defaults' }));
    const loaded = await suite.db.manager.findOneByOrFail(User, { id: saved.id });
    expect(loaded).toMatchObject({
      phoneNumber: null,
      leadStage: LeadStage.NEW,
      customerLabel: null,
      customerType: CustomerType.LEAD,
      leadScore: 0,
      primarySource: null,
      isActive: true,
      lastMessageAt: null,
    });
    expect(typeof loaded.isActive).toBe('boolean');
  });

  it('accepts a user known only by phone number', async () => {
    const saved = await suite.db.manager.save(user({ phoneNumber: '+201111111111' }));
    expect((await suite.db.manager.findOneByOrFail(User, { id: saved.id })).psid).toBeNull();
  });

  it('stores dates as UTC (text on SQLite, timestamptz on PostgreSQL)', async () => {
    const at = new Date('2023-12-31T23:59:59.999Z');
    const saved = await suite.db.manager.save(user({ psid: 'psid-utc', lastMessageAt: at }));
    await expectStoredAsUtc(suite.db, 'users', 'last_message_at', saved.id, at);
    await expectStoredAsUtc(suite.db, 'users', 'created_at', saved.id, saved.createdAt);
  });

  it('moves updatedAt forward on update, kept to the millisecond and never before createdAt', async () => {
    const saved = await suite.db.manager.save(user({ psid: 'psid-updated-at' }));
    saved.firstName = 'changed';
    await suite.db.manager.save(saved);
    await suite.db.manager.update(User, { id: saved.id }, { lastName: 'also changed' });
    const loaded = await suite.db.manager.findOneByOrFail(User, { id: saved.id });
    expect(loaded.lastName).toBe('also changed');
    expect(loaded.updatedAt.getTime()).toBeGreaterThanOrEqual(loaded.createdAt.getTime());
    if (engine === 'sqlite') {
      const [row] = await sql<{ updated_at: string }>(suite.db, 'SELECT "updated_at" FROM "users" WHERE "id" = ?', [saved.id]);
      expect(row?.updated_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      expect(row?.updated_at).toBe(sqliteUtcText(loaded.updatedAt));
    }
  });

  it.each([
    { key: 'psid', values: { psid: 'psid-unique' } },
    { key: 'phone number', values: { phoneNumber: '+201222222222' } },
  ])('refuses a second user with the same $key', async ({ values }) => {
    await expectSecondRefused(suite.db, () => user(values));
  });

  it('allows many users without a psid or without a phone number', async () => {
    await suite.db.manager.save([user({ phoneNumber: '+201333333331' }), user({ phoneNumber: '+201333333332' })]);
    await suite.db.manager.save([user({ psid: 'psid-nophone-1' }), user({ psid: 'psid-nophone-2' })]);
    const rows = await sql<{ n: number | string }>(suite.db, `SELECT COUNT(*) AS n FROM "users" WHERE "phone_number" LIKE '+20133333333%'`);
    expect(Number(rows[0]?.n)).toBe(2);
  });

  it('deletes the messages, conversations and lead activities of a deleted user', async () => {
    const owner = await suite.db.manager.save(user({ psid: 'psid-cascade' }));
    const other = await suite.db.manager.save(user({ psid: 'psid-survivor' }));
    for (const who of [owner, other]) {
      await makeMessage(suite.db, { userId: who.id, text: 'hi' });
      await suite.db.leadActivities.addNote(who.id, 'n');
    }
    await suite.db.manager.delete(User, { id: owner.id });
    for (const entity of [Message, Conversation, LeadActivity]) {
      expect(await suite.db.manager.countBy(entity, { userId: owner.id }), entity.name).toBe(0);
      expect(await suite.db.manager.countBy(entity, { userId: other.id }), entity.name).toBe(1);
    }
  });

  it.each([
    ['lead_stage', 'bogus'],
    ['customer_label', 'lukewarm'],
    ['customer_type', 'alien'],
    ['governorate', 'atlantis'],
    ['primary_source', 'telegram'],
  ])('refuses a raw insert of an unknown %s value', async (column, value) => {
    await expectRefused(
      sql(suite.db, `INSERT INTO "users" ("psid", "${column}") VALUES (?, ?)`, [`psid-check-${column}`, value]),
      /CHK_users_|check constraint/i,
    );
  });

  it('accepts a raw insert of a known enum value', async () => {
    await sql(suite.db, `INSERT INTO "users" ("psid", "lead_stage", "governorate") VALUES (?, ?, ?)`, ['psid-raw-ok', 'hot', 'giza']);
    const loaded = await suite.db.manager.findOneByOrFail(User, { psid: 'psid-raw-ok' });
    expect(loaded.leadStage).toBe(LeadStage.HOT);
    expect(loaded.governorate).toBe(Governorate.GIZA);
  });

  it('refuses a raw insert with a lead score above 100 or below 0', async () => {
    await expectRefused(sql(suite.db, `INSERT INTO "users" ("psid", "lead_score") VALUES ('psid-score-high', 101)`), /CHK_users_lead_score|check/i);
    await expectRefused(sql(suite.db, `INSERT INTO "users" ("psid", "lead_score") VALUES ('psid-score-low', -1)`), /CHK_users_lead_score|check/i);
  });

  it('refuses a raw insert with neither psid nor phone number', async () => {
    await expectRefused(sql(suite.db, `INSERT INTO "users" ("first_name") VALUES ('nobody')`), /CHK_users_identity|check/i);
  });
});

describe('User validation', () => {
  it('accepts a valid user', async () => {
    const valid = user({ psid: 'p', phoneNumber: '+201001234567', email: 'a@b.co', leadScore: 55, leadStage: LeadStage.HOT });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it('requires a psid or a phone number', async () => {
    const issues = await validationIssues(user({ firstName: 'x' }));
    expect(Object.keys(issues)).toEqual(['psid']);
    expect(issues['psid']).toContain('isNotEmpty');
  });

  it.each(['01001234567', '+0123456789', '+20 100 123 4567', '+2010', '+2010012345678901'])(
    'refuses the non-E.164 phone number %s',
    async (phoneNumber) => {
      expect(await validationIssues(user({ phoneNumber }))).toEqual({ phoneNumber: ['matches'] });
    },
  );

  it('refuses a bad email', async () => {
    expect(await validationIssues(user({ psid: 'p', email: 'not-an-email' }))).toEqual({ email: ['isEmail'] });
  });

  it('refuses a profile picture URL that is not http(s)', async () => {
    expect(await validationIssues(user({ psid: 'p', profilePicUrl: 'ftp://example.com/p.jpg' }))).toEqual({ profilePicUrl: ['isUrl'] });
    expect(await validationIssues(user({ psid: 'p', profilePicUrl: 'not a url' }))).toEqual({ profilePicUrl: ['isUrl'] });
  });

  it('refuses a lead score of 101, of -1 and a fractional score', async () => {
    expect(await validationIssues(user({ psid: 'p', leadScore: 101 }))).toEqual({ leadScore: ['max'] });
    expect(await validationIssues(user({ psid: 'p', leadScore: -1 }))).toEqual({ leadScore: ['min'] });
    expect(await validationIssues(user({ psid: 'p', leadScore: 5.5 }))).toEqual({ leadScore: ['isInt'] });
  });

  it('refuses values outside each enum', async () => {
    const issues = await validationIssues(
      user({
        psid: 'p',
        leadStage: 'bogus' as LeadStage,
        customerLabel: 'lukewarm' as CustomerLabel,
        customerType: 'alien' as CustomerType,
        governorate: 'atlantis' as Governorate,
        primarySource: 'telegram' as MessageSource,
      }),
    );
    expect(issues).toEqual({
      leadStage: ['isEnum'],
      customerLabel: ['isEnum'],
      customerType: ['isEnum'],
      governorate: ['isEnum'],
      primarySource: ['isEnum'],
    });
  });

  it('refuses a null lead stage (the default applies only when it is left out)', async () => {
    expect(await validationIssues(user({ psid: 'p', leadStage: null as unknown as LeadStage }))).toEqual({ leadStage: ['isEnum'] });
  });

  it('refuses names longer than 100 characters', async () => {
    expect(await validationIssues(user({ psid: 'p', firstName: 'x'.repeat(101) }))).toEqual({ firstName: ['maxLength'] });
  });

  it('names the property and rule in the error message', async () => {
    await expect(validateEntity(user({ psid: 'p', email: 'nope', leadScore: 101 }))).rejects.toThrow(
      /Invalid User: email \(isEmail: email must be an email\); leadScore \(max: leadScore must not be greater than 100\)/,
    );
  });
});
