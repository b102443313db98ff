import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AppSettings, MASKED_VALUE } from '../../src/entities/app-settings.entity';
import { SettingValueType } from '../../src/enums';
import { EntityValidationError } from '../../src/errors';
import type { SettingValue } from '../../src/repositories/settings.repository';
import { useFreshTestDatabases, useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { firstIssue, rejection, validationIssue } from '../support/errors';

const SECRET = 'EAAB-very-secret-page-token-42';

describe.each(engines())('SettingsRepository on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  const fresh = useFreshTestDatabases(engine);

  const rowOf = (key: string): Promise<AppSettings | null> => suite.db.manager.findOneBy(AppSettings, { key });
  const rowCount = (): Promise<number> => suite.db.manager.count(AppSettings);

  describe('set and get', () => {
    const cases: Array<[string, SettingValue, SettingValueType]> = [
      ['plain string', 'hello', SettingValueType.STRING],
      ['empty string', '', SettingValueType.STRING],
      ['unicode string', 'مرحبا بك 👋 — ünïcödé', SettingValueType.STRING],
      ['string that looks like a number', '42', SettingValueType.STRING],
      ['zero', 0, SettingValueType.NUMBER],
      ['negative fraction', -1.25, SettingValueType.NUMBER],
      ['large number', 1e21, SettingValueType.NUMBER],
      ['false', false, SettingValueType.BOOLEAN],
      ['true', true, SettingValueType.BOOLEAN],
      ['nested JSON', { hours: { open: 9, close: 21 }, days: ['sat', 'sun'], note: 'نعم', off: null, ok: false }, SettingValueType.JSON],
      ['JSON array', [1, 'two', [3], { four: 4 }], SettingValueType.JSON],
      ['JSON null', null, SettingValueType.JSON],
      ['empty object', {}, SettingValueType.JSON],
    ];

    it.each(cases)('round-trips a %s with its type', async (_name, value, type) => {
      const stored = await suite.db.settings.set('test.value', value);
      expect(stored.valueType).toBe(type);
      expect(await suite.db.settings.get('test.value')).toEqual(value);
      expect((await suite.db.settings.list())[0]?.value).toEqual(value);
    });

    it('returns undefined for a key that is not set', async () => {
      expect(await suite.db.settings.get('nothing.here')).toBeUndefined();
    });

    it('fills in the defaults for a new key and returns the stored row', async () => {
      const stored = await suite.db.settings.set('ai.enabled', true);
      expect(stored).toBeInstanceOf(AppSettings);
      expect(stored.id).toBeGreaterThan(0);
      expect(stored.category).toBe('general');
      expect(stored.isSensitive).toBe(false);
      expect(stored.description).toBeNull();
      expect(stored.value).toBe('true');
    });

    it('updates one row on a second set and keeps the omitted options', async () => {
      const first = await suite.db.settings.set('ai.delay_ms', 1500, { category: 'ai', description: 'Pause before answering' });
      const second = await suite.db.settings.set('ai.delay_ms', 2500);
      expect(second.id).toBe(first.id);
      expect(second.category).toBe('ai');
      expect(second.description).toBe('Pause before answering');
      expect(await suite.db.settings.get('ai.delay_ms')).toBe(2500);
      const third = await suite.db.settings.set('ai.delay_ms', 2500, { category: 'bot', description: null });
      expect([third.category, third.description]).toEqual(['bot', null]);
      expect(await rowCount()).toBe(1);
    });

    it('refuses a value of another type than the stored one and writes nothing', async () => {
      await suite.db.settings.set('ai.delay_ms', 1500);
      const before = await rowOf('ai.delay_ms');
      for (const value of ['1500', true, { ms: 1500 }, null] as SettingValue[]) {
        const error = await validationIssue(suite.db.settings.set('ai.delay_ms', value, { category: 'changed' }));
        expect(error.issues).toEqual([expect.objectContaining({ property: 'value', rules: ['settingType'] })]);
        expect(error.message).toContain('value (settingType: ');
      }
      const after = await rowOf('ai.delay_ms');
      expect(after?.value).toBe('1500');
      expect(after?.valueType).toBe(SettingValueType.NUMBER);
      expect(after?.category).toBe('general');
      expect(after?.updatedAt.getTime()).toBe(before?.updatedAt.getTime());
    });

    it('refuses values that cannot round-trip and writes nothing', async () => {
      class Money {
        amount = 1;
      }
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic['self'] = cyclic;
      const bad: unknown[] = [
        Number.NaN,
        Number.POSITIVE_INFINITY,
        undefined,
        () => 1,
        10n,
        Symbol('s'),
        new Date(),
        new Map(),
        new Money(),
        { nested: { n: Number.NaN } },
        { nested: undefined },
        [1, undefined],
        cyclic,
      ];
      for (const value of bad) {
        const error = await validationIssue(suite.db.settings.set('bad.value', value as SettingValue));
        expect(error.issues[0]?.property).toMatch(/^value/);
      }
      expect(await rowCount()).toBe(0);
    });

    it('refuses a key that breaks the entity rules and bad options', async () => {
      for (const key of ['', 'has space', 'semi;colon', 'k'.repeat(129)]) {
        const error = await validationIssue(suite.db.settings.set(key, 1));
        expect(error.issues.map((i) => i.property)).toContain('key');
      }
      expect((await validationIssue(suite.db.settings.set('ok.key', 1, { category: '' }))).issues[0]?.property).toBe('category');
      expect(
        (await validationIssue(suite.db.settings.set('ok.key', 1, { sensitive: 'yes' as unknown as boolean }))).issues[0]?.property,
      ).toBe('isSensitive');
      expect(
        (await validationIssue(suite.db.settings.set('ok.key', 1, { secret: true } as unknown as { sensitive: boolean }))).issues[0]?.property,
      ).toBe('secret');
      await validationIssue(suite.db.settings.get(''));
      expect(await rowCount()).toBe(0);
    });

    it('leaves one row when many sets of one new key run concurrently', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => suite.db.settings.set('race.same', i)));
      expect(new Set(results.map((s) => s.id)).size).toBe(1);
      expect(await rowCount()).toBe(1);
      expect(results.map((s) => Number(s.value))).toContain(await suite.db.settings.get('race.same'));
    });

    it('lets exactly one type win when concurrent sets of a new key disagree on the type', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => suite.db.settings.set('race.types', i % 2 === 0 ? i : `text ${i}`)),
      );
      const row = await rowOf('race.types');
      expect(await rowCount()).toBe(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') {
          expect(outcome.value.valueType).toBe(row?.valueType);
        } else {
          expect(outcome.reason).toBeInstanceOf(EntityValidationError);
          expect((outcome.reason as EntityValidationError).issues[0]?.rules).toEqual(['settingType']);
        }
      }
      expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(10);
    });

    if (engine === 'postgres') {
      // SQLite runs one writer at a time; on PostgreSQL a row inserted by another session
      // after set() looked for the key must not have its type changed by set().
      it('refuses to change the type of a row another session inserted while set() was running', async () => {
        const other = suite.db.dataSource.createQueryRunner();
        await other.connect();
        try {
          await other.startTransaction();
          await other.query('INSERT INTO "app_settings" ("key", "value", "value_type") VALUES ($1, $2, $3)', ['race.held', 'text', 'string']);
          const pending = rejection(suite.db.settings.set('race.held', 5));
          // Wait until set() is blocked on the uncommitted row, then let the other session commit.
          let blocked = false;
          for (let i = 0; i < 200 && !blocked; i++) {
            const rows = (await suite.db.manager.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO "app_settings"%'`,
            )) as unknown[];
            blocked = rows.length > 0;
            if (!blocked) await new Promise((resolve) => setTimeout(resolve, 25));
          }
          expect(blocked).toBe(true);
          await other.commitTransaction();
          const error = await pending;
          expect(error).toBeInstanceOf(EntityValidationError);
          expect((error as EntityValidationError).issues[0]?.rules).toEqual(['settingType']);
          const row = await rowOf('race.held');
          expect([row?.value, row?.valueType]).toEqual(['text', SettingValueType.STRING]);
        } finally {
          if (other.isTransactionActive) await other.rollbackTransaction();
          await other.release();
        }
      });
    }

    it('joins the caller transaction and rolls back with it', async () => {
      await expect(
        suite.db.transaction(async (tx) => {
          await tx.settings.set('tx.key', 'inside');
          expect(await tx.settings.get('tx.key')).toBe('inside');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await suite.db.settings.get('tx.key')).toBeUndefined();
    });

    it('refuses to read a stored value that does not parse as its type, without printing it', async () => {
      await suite.db.settings.set('corrupt.n', 5, { sensitive: true });
      await suite.db.manager.update(AppSettings, { key: 'corrupt.n' }, { value: 'xyz-secret' });
      const error = await validationIssue(suite.db.settings.get('corrupt.n'));
      expect(error.issues[0]?.rules).toEqual(['storedValue']);
      expect(inspect(error, { depth: 10 })).not.toContain('xyz-secret');
    });
  });

  describe('getOrDefault', () => {
    it('returns the fallback when the key is not set, and the stored value when it is', async () => {
      expect(await suite.db.settings.getOrDefault('ai.enabled', true)).toBe(true);
      expect(await suite.db.settings.getOrDefault('shop.hours', { open: 9 })).toEqual({ open: 9 });
      await suite.db.settings.set('ai.enabled', false);
      await suite.db.settings.set('shop.hours', { open: 10 });
      expect(await suite.db.settings.getOrDefault('ai.enabled', true)).toBe(false);
      expect(await suite.db.settings.getOrDefault('shop.hours', { open: 9 })).toEqual({ open: 10 });
    });

    it('refuses a stored value of another type than the fallback', async () => {
      await suite.db.settings.set('ai.enabled', 'yes');
      const error = await validationIssue(suite.db.settings.getOrDefault('ai.enabled', true));
      expect(error.issues[0]?.rules).toEqual(['settingType']);
    });
  });

  describe('list', () => {
    it('lists settings ordered by key with typed values and their metadata', async () => {
      await suite.db.settings.set('b.count', 3, { category: 'x', description: 'A count' });
      await suite.db.settings.set('a.flag', false, { category: 'x' });
      await suite.db.settings.set('c.json', { k: [1] });
      expect(await suite.db.settings.list()).toEqual([
        { key: 'a.flag', value: false, valueType: SettingValueType.BOOLEAN, category: 'x', description: null, isSensitive: false },
        { key: 'b.count', value: 3, valueType: SettingValueType.NUMBER, category: 'x', description: 'A count', isSensitive: false },
        { key: 'c.json', value: { k: [1] }, valueType: SettingValueType.JSON, category: 'general', description: null, isSensitive: false },
      ]);
    });

    it('filters by category', async () => {
      await suite.db.settings.set('ai.a', 1, { category: 'ai' });
      await suite.db.settings.set('fb.b', 2, { category: 'facebook' });
      expect((await suite.db.settings.list({ category: 'ai' })).map((s) => s.key)).toEqual(['ai.a']);
      expect(await suite.db.settings.list({ category: 'none' })).toEqual([]);
      await validationIssue(suite.db.settings.list({ category: '' }));
    });
  });

  describe('sensitive values', () => {
    it('are masked in list()', async () => {
      await suite.db.settings.set('facebook.page_token', SECRET, { category: 'facebook', sensitive: true });
      const [entry] = await suite.db.settings.list({ category: 'facebook' });
      expect(entry?.value).toBe(MASKED_VALUE);
      expect(entry?.isSensitive).toBe(true);
      expect(JSON.stringify(await suite.db.settings.list())).not.toContain(SECRET);
    });

    it('are masked in toJSON(), JSON.stringify and util.inspect but readable with get()', async () => {
      const stored = await suite.db.settings.set('facebook.page_token', SECRET, { sensitive: true });
      expect(stored.toJSON()['value']).toBe(MASKED_VALUE);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
      expect(inspect(stored)).not.toContain(SECRET);
      expect(inspect(await rowOf('facebook.page_token'))).not.toContain(SECRET);
      expect(await suite.db.settings.get('facebook.page_token')).toBe(SECRET);
    });

    it('stay sensitive when set again without the option', async () => {
      await suite.db.settings.set('facebook.page_token', SECRET, { sensitive: true });
      const again = await suite.db.settings.set('facebook.page_token', `${SECRET}-2`);
      expect(again.isSensitive).toBe(true);
      expect((await suite.db.settings.list())[0]?.value).toBe(MASKED_VALUE);
    });

    it('never appear in a type-mismatch error, old or new', async () => {
      await suite.db.settings.set('facebook.app_secret', SECRET, { sensitive: true });
      const error = await validationIssue(suite.db.settings.set('facebook.app_secret', { token: `${SECRET}-new` }));
      const printed = `${error.message}\n${JSON.stringify(error)}\n${inspect(error, { depth: 10 })}`;
      expect(printed).not.toContain(SECRET);
    });

    it('never appear in the error of a failed write, nor in its causes', async () => {
      const broken = await fresh.open();
      // Make the INSERT itself fail, where the driver error carries the query parameters
      // (and, on PostgreSQL, a detail with the failing row).
      if (engine === 'postgres') {
        await broken.manager.query('ALTER TABLE "app_settings" ADD CONSTRAINT "CHK_test_short" CHECK (length("value") < 5)');
      } else {
        await broken.manager.query(
          `CREATE TRIGGER "refuse_settings" BEFORE INSERT ON "app_settings" BEGIN SELECT RAISE(ABORT, 'writes refused'); END`,
        );
      }
      const error = await rejection(broken.settings.set('facebook.page_token', SECRET, { sensitive: true }));
      expect(error).toBeInstanceOf(Error);
      expect(inspect(error, { depth: 10 })).not.toContain(SECRET);
      expect(await broken.settings.get('facebook.page_token')).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('deletes a setting and tells whether it existed', async () => {
      await suite.db.settings.set('old.flag', true);
      expect(await suite.db.settings.delete('old.flag')).toBe(true);
      expect(await suite.db.settings.get('old.flag')).toBeUndefined();
      expect(await suite.db.settings.delete('old.flag')).toBe(false);
    });

    it('lets a deleted key be set again with another type', async () => {
      await suite.db.settings.set('k.changes', 1);
      await suite.db.settings.delete('k.changes');
      await suite.db.settings.set('k.changes', 'one');
      expect(await suite.db.settings.get('k.changes')).toBe('one');
    });
  });

  describe('input checks before SQL', () => {
    const nested = (depth: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };

    it('stores JSON nested 32 levels deep and refuses 33 with rule maxDepth', async () => {
      await suite.db.settings.set('deep.ok', nested(31) as SettingValue);
      expect(await suite.db.settings.get('deep.ok')).toEqual(nested(31));
      expect((await firstIssue(suite.db.settings.set('deep.bad', nested(33) as SettingValue))).rule).toBe('maxDepth');
    });

    it('refuses JSON nested 5,000 levels deep with rule maxDepth, not a RangeError', async () => {
      expect((await firstIssue(suite.db.settings.set('deep.bad', nested(5000) as SettingValue))).rule).toBe('maxDepth');
      expect(await rowCount()).toBe(0);
    });

    it('refuses JSON longer than 1,000,000 bytes with rule maxSize', async () => {
      expect(await firstIssue(suite.db.settings.set('big.json', { text: 'x'.repeat(1_000_000) }))).toEqual({ property: 'value.text', rule: 'maxSize' });
    });

    it('refuses a string value with a lone surrogate or a NUL, with rules wellFormed and noNul', async () => {
      expect(await firstIssue(suite.db.settings.set('text.bad', 'a\ud800'))).toEqual({ property: 'value', rule: 'wellFormed' });
      expect(await firstIssue(suite.db.settings.set('text.bad', 'a\u0000'))).toEqual({ property: 'value', rule: 'noNul' });
      expect(await rowCount()).toBe(0);
    });

    it('refuses a key longer than 128 characters in get and delete instead of looking it up', async () => {
      expect(await firstIssue(suite.db.settings.get('k'.repeat(40_000)))).toEqual({ property: 'key', rule: 'maxLength' });
      expect(await firstIssue(suite.db.settings.delete('k'.repeat(129)))).toEqual({ property: 'key', rule: 'maxLength' });
    });

    it('refuses a category with a NUL in list with rule noNul', async () => {
      expect(await firstIssue(suite.db.settings.list({ category: 'ai\u0000' }))).toEqual({ property: 'category', rule: 'noNul' });
    });
  });
});
