import { describe, expect, it } from 'vitest';
import { AppSettings, MASKED_VALUE } from '../../src/entities/app-settings.entity';
import { SettingValueType } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { rejection } from '../support/errors';
import { expectRefused, expectSecondRefused, expectStoredAsUtc, sql, validationIssues } from './fixtures';

const setting = (values: Partial<AppSettings>): AppSettings =>
  Object.assign(new AppSettings(), { valueType: SettingValueType.STRING, value: 'v', ...values });

describe.each(engines())('AppSettings entity on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('round-trips every column through the manager', async () => {
    const value = JSON.stringify({ model: 'gpt', temperature: 0.2, stop: ['\n'], nested: { ok: true } });
    const saved = await suite.db.manager.save(
      setting({
        key: 'ai.responder:config-v2',
        value,
        valueType: SettingValueType.JSON,
        category: 'ai',
        description: 'The responder settings',
        isSensitive: true,
      }),
    );
    const loaded = await suite.db.manager.findOneByOrFail(AppSettings, { id: saved.id });
    expect(loaded).toMatchObject({
      key: 'ai.responder:config-v2',
      value,
      valueType: 'json',
      category: 'ai',
      description: 'The responder settings',
      isSensitive: true,
    });
    expect(loaded.updatedAt).toBeInstanceOf(Date);
    await expectStoredAsUtc(suite.db, 'app_settings', 'updated_at', saved.id, loaded.updatedAt);
  });

  it('defaults to the general category and a non-sensitive value', async () => {
    const saved = await suite.db.manager.save(setting({ key: 'defaults.key' }));
    expect(await suite.db.manager.findOneByOrFail(AppSettings, { id: saved.id })).toMatchObject({
      category: 'general',
      isSensitive: false,
      description: null,
    });
  });

  it('keeps a long text value whole', async () => {
    const value = 'x'.repeat(100_000);
    const saved = await suite.db.manager.save(setting({ key: 'long.value', value }));
    expect((await suite.db.manager.findOneByOrFail(AppSettings, { id: saved.id })).value).toBe(value);
  });

  it('refuses a second setting with the same key', async () => {
    await expectSecondRefused(suite.db, () => setting({ key: 'dup.key' }));
  });

  it('refuses a raw insert of an unknown value type', async () => {
    await expectRefused(
      sql(suite.db, `INSERT INTO "app_settings" ("key", "value", "value_type") VALUES ('bad.type', 'x', 'yaml')`),
      /CHK_app_settings_value_type|check/i,
    );
  });

  it('masks a sensitive value loaded from the database in toJSON', async () => {
    const saved = await suite.db.manager.save(setting({ key: 'secret.token', value: 'EAAB-very-secret', isSensitive: true }));
    const loaded = await suite.db.manager.findOneByOrFail(AppSettings, { id: saved.id });
    expect(JSON.stringify(loaded)).not.toContain('EAAB-very-secret');
    expect(loaded.value).toBe('EAAB-very-secret');
  });
});

describe('AppSettings toJSON', () => {
  it('shows a sensitive value as ****', () => {
    const json = setting({ key: 'fb.page_token', value: 'EAAB-secret', isSensitive: true }).toJSON();
    expect(MASKED_VALUE).toBe('****');
    expect(json['value']).toBe('****');
    expect(json['key']).toBe('fb.page_token');
    expect(JSON.stringify(setting({ key: 'k', value: 'EAAB-secret', isSensitive: true }))).not.toContain('EAAB-secret');
  });

  it('shows a value that is not sensitive', () => {
    const json = setting({ key: 'ai.delay', value: '1500', valueType: SettingValueType.NUMBER, isSensitive: false }).toJSON();
    expect(json).toMatchObject({ key: 'ai.delay', value: '1500', valueType: 'number', isSensitive: false });
  });

  it('does not change the value itself', () => {
    const secret = setting({ key: 'k', value: 'EAAB-secret', isSensitive: true });
    secret.toJSON();
    expect(secret.value).toBe('EAAB-secret');
  });
});

describe('AppSettings validation', () => {
  it('accepts a valid setting', async () => {
    const valid = setting({ key: 'ai.reply_delay_ms', value: '1500', valueType: SettingValueType.NUMBER });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it.each(['has space', 'semi;colon', 'slash/key', 'ünïcode'])('refuses the key %j', async (key) => {
    expect(await validationIssues(setting({ key }))).toEqual({ key: ['matches'] });
  });

  it('refuses an unknown value type', async () => {
    expect(await validationIssues(setting({ key: 'k', valueType: 'yaml' as SettingValueType }))).toEqual({ valueType: ['isEnum'] });
  });

  it('refuses a key longer than 128 characters', async () => {
    expect(await validationIssues(setting({ key: 'k'.repeat(129) }))).toEqual({ key: ['maxLength'] });
  });

  it('never puts a sensitive value in a validation error', async () => {
    const error = (await rejection(validateEntity(setting({ key: 'bad key', value: 'EAAB-secret', isSensitive: true })))) as Error;
    expect(error.message).not.toContain('EAAB-secret');
    expect(JSON.stringify(error)).not.toContain('EAAB-secret');
  });
});
