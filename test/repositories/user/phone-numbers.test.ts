import { describe, expect, it } from 'vitest';
import { User } from '../../../src/entities/user.entity';
import { useTestDatabase } from '../../support/database';
import { engines } from '../../support/engines';
import { firstIssue, validationIssue } from '../../support/errors';

describe.each(engines())('user phone numbers on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  const users = () => suite.db.manager.find(User, { order: { id: 'ASC' } });

  it('finds or creates one user whichever form of the number arrives', async () => {
    const created = await suite.db.users.findOrCreateByPhone('201001234567');
    expect(created.phoneNumber).toBe('+201001234567');
    for (const form of ['+201001234567', '00201001234567', '+20 100 123-4567', '201001234567']) {
      expect((await suite.db.users.findOrCreateByPhone(form)).id).toBe(created.id);
      expect((await suite.db.users.findByPhone(form))?.id).toBe(created.id);
    }
    expect(await users()).toHaveLength(1);
  });

  it('finds a user created with +E.164 by its WhatsApp wa_id', async () => {
    const user = await suite.db.users.create({ phoneNumber: '+201001234567' });
    expect((await suite.db.users.findByPhone('201001234567'))?.id).toBe(user.id);
  });

  it('stores the E.164 form from create, update and findOrCreateByPsid defaults', async () => {
    const a = await suite.db.users.create({ phoneNumber: '0020 100 123 4567' });
    const b = await suite.db.users.create({ psid: 'psid-b' });
    await suite.db.users.update(b.id, { phoneNumber: '201001234568' });
    const c = await suite.db.users.findOrCreateByPsid('psid-c', { phoneNumber: '+20 (100) 123 4569' });
    expect((await users()).map((u) => [u.id, u.phoneNumber])).toEqual([
      [a.id, '+201001234567'],
      [b.id, '+201001234568'],
      [c.id, '+201001234569'],
    ]);
  });

  it('treats another form of a taken number as taken', async () => {
    await suite.db.users.create({ phoneNumber: '+201001234567' });
    await expect(suite.db.users.create({ phoneNumber: '201001234567' })).rejects.toMatchObject({ code: 'UNIQUE_CONSTRAINT' });
  });

  it('still clears a phone number with null', async () => {
    const user = await suite.db.users.create({ psid: 'psid-x', phoneNumber: '201001234567' });
    expect((await suite.db.users.update(user.id, { phoneNumber: null })).phoneNumber).toBeNull();
  });

  it('refuses an invalid number with rule isPhoneNumber in every method, writing nothing', async () => {
    expect(await firstIssue(suite.db.users.findOrCreateByPhone('12345'))).toEqual({ property: 'phoneNumber', rule: 'isPhoneNumber' });
    expect(await firstIssue(suite.db.users.findByPhone('01001234567'))).toEqual({ property: 'phoneNumber', rule: 'isPhoneNumber' });
    expect(await firstIssue(suite.db.users.create({ phoneNumber: '+20100' }))).toEqual({ property: 'phoneNumber', rule: 'isPhoneNumber' });
    await expect(suite.db.users.findOrCreateByPhone('12345')).rejects.toThrow(/phoneNumber \(isPhoneNumber: phoneNumber must be a valid phone number with its country code/);
    expect(await users()).toEqual([]);
  });

  it('answers the user for every form after it was created with +E.164, where 0.1.0 answered null for the wa_id form', async () => {
    const user = await suite.db.users.create({ phoneNumber: '+201001234567', firstName: 'Mona' });
    const forms = ['201001234567', '+201001234567', '00201001234567', '+20 100 123 4567', '+20-100-123-4567'];
    expect(await Promise.all(forms.map(async (form) => (await suite.db.users.findByPhone(form))?.id))).toEqual(forms.map(() => user.id));
  });

  it('puts the field and the rule text in message itself, not only in issues, for every phone input', async () => {
    const user = await suite.db.users.create({ psid: 'psid-rule' });
    const calls = [
      suite.db.users.findByPhone('01001234567'),
      suite.db.users.findOrCreateByPhone('12345'),
      suite.db.users.create({ phoneNumber: '+20100' }),
      suite.db.users.update(user.id, { phoneNumber: '0100 123' }),
      suite.db.users.findOrCreateByPsid('psid-new', { phoneNumber: 'call me' }),
    ];
    for (const call of calls) {
      const error = await validationIssue(call);
      const issue = error.issues.find((i) => i.property === 'phoneNumber')!;
      expect(error.message).toContain('phoneNumber');
      expect(error.message).toContain('isPhoneNumber');
      expect(error.message).toContain('with its country code');
      expect(error.message).toContain(issue.messages[0]!);
    }
    expect((await users()).map((u) => u.id)).toEqual([user.id]);
  });

  it('finds a user by a formatted number in search', async () => {
    const user = await suite.db.users.create({ phoneNumber: '+201001234567', firstName: 'Mona' });
    await suite.db.users.create({ phoneNumber: '+201009999999', firstName: 'Other' });
    for (const query of ['0020 100 123 4567', '100-123-4567', '+201001234567']) {
      expect((await suite.db.users.search({ query })).items.map((u) => u.id)).toEqual([user.id]);
    }
  });
});
