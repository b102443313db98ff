import { redactValues } from '../driver-errors';
import { AppSettings, MASKED_VALUE } from '../entities/app-settings.entity';
import { SettingValueType } from '../enums';
import { EntityValidationError } from '../errors';
import { checkJson, describeValue, invalid, SETTING_JSON_LIMITS } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { checkKey, optionsOf } from './support/checks';
import { upsertRow, validated } from './support/writes';

/** Any value JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A setting's value: a string, a finite number, a boolean (each stored with
 * its own `valueType`) or any other JSON value (objects, arrays, `null`:
 * stored as `json`).
 */
export type SettingValue = string | number | boolean | JsonValue;

/** Options of {@link SettingsRepository.set}; omitted ones keep the stored value (or the default for a new key). */
export interface SetSettingOptions {
  /** Group for listing, e.g. `ai` (default `general`). */
  category?: string;
  /** What the setting does. */
  description?: string | null;
  /** Whether the value is a secret that must never be shown (default false). */
  sensitive?: boolean;
}

/** Options of {@link SettingsRepository.list}. */
export interface ListSettingsOptions {
  /** Only settings of this category. */
  category?: string;
}

/** One setting as {@link SettingsRepository.list} shows it. */
export interface SettingEntry {
  /** The setting's key. */
  key: string;
  /** The typed value, or {@link MASKED_VALUE} (`'****'`) when the setting is sensitive. */
  value: SettingValue;
  /** How the value is stored. */
  valueType: SettingValueType;
  /** The setting's group. */
  category: string;
  /** What the setting does. */
  description: string | null;
  /** Whether the value is a secret (and masked here). */
  isSensitive: boolean;
}

/** The most settings {@link SettingsRepository.list} returns (the first ones by key). */
export const MAX_SETTINGS_LIST = 1000;

/** Column lengths of `key` and `category`. */
const KEY_LENGTH = 128;
const CATEGORY_LENGTH = 64;

/**
 * Typed application settings (`app_settings`). Reached as `db.settings`.
 *
 * Each value keeps its type: strings, finite numbers and booleans come back as
 * they went in, and any other JSON value (objects, arrays, `null`) is stored
 * as JSON text. A key keeps the type of its first value: {@link set} refuses
 * a value of another type (delete the key first to change it).
 *
 * A sensitive value (an API token, say) never appears in `toJSON()`,
 * {@link list}, error messages or query logs.
 */
export class SettingsRepository extends EntityRepository<AppSettings> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, AppSettings);
  }

  /**
   * The typed value of a setting, or `undefined` when the key is not set
   * (`null` is a value a `json` setting can hold, so it does not mean
   * "missing"). `T` is a compile-time assertion only; for a type checked at
   * run time use {@link getOrDefault}.
   *
   * @throws {@link EntityValidationError} when `key` is not a non-empty string of at most
   *   128 characters (without NUL or lone surrogates), or the stored text does not parse
   *   as its `valueType` (written around this library).
   * @example
   * ```ts
   * const delay = await db.settings.get<number>('ai.reply_delay_ms'); // number | undefined
   * ```
   */
  async get<T extends SettingValue = SettingValue>(key: string): Promise<T | undefined> {
    checkKey('AppSettings', 'key', key, KEY_LENGTH);
    const row = await this.ctx.read((m) => m.findOneBy(AppSettings, { key }));
    return row ? (parseStored(row) as T) : undefined;
  }

  /**
   * The value of a setting, or `fallback` when the key is not set. The
   * stored value must have the type of `fallback` (a number for a number,
   * any JSON for an object, array or `null`), so the result is of that type.
   *
   * @throws {@link EntityValidationError} when the stored value has another
   *   type (rule `settingType`; the message names the types, never the value),
   *   for a bad key, or a fallback that is not a setting value.
   * @example
   * ```ts
   * const enabled = await db.settings.getOrDefault('ai.enabled', true); // boolean
   * const hours = await db.settings.getOrDefault('business.hours', { open: 9, close: 21 });
   * ```
   */
  async getOrDefault(key: string, fallback: string): Promise<string>;
  async getOrDefault(key: string, fallback: number): Promise<number>;
  async getOrDefault(key: string, fallback: boolean): Promise<boolean>;
  async getOrDefault<T extends JsonValue>(key: string, fallback: T): Promise<T>;
  async getOrDefault(key: string, fallback: SettingValue): Promise<SettingValue> {
    checkKey('AppSettings', 'key', key, KEY_LENGTH);
    const expected = classify(fallback, 'fallback').valueType;
    const row = await this.ctx.read((m) => m.findOneBy(AppSettings, { key }));
    if (!row) return fallback;
    if (row.valueType !== expected) throw typeMismatch(key, row.valueType, expected, 'is not');
    return parseStored(row);
  }

  /**
   * Sets a setting, creating it if needed. The type is taken from the value:
   * a string is `string`, a finite number `number`, a boolean `boolean`, and
   * a plain object, array or `null` is `json` (nested values must be JSON:
   * no `undefined`, functions, `NaN`, `Date`s or class instances; at most 32
   * levels deep, 100,000 values and 1,000,000 bytes of JSON text; text without
   * NUL or lone surrogates). An existing
   * key keeps its type: a value of another type is refused and nothing is
   * written. Options that are omitted keep their stored value (or the
   * default for a new key: category `general`, not sensitive).
   *
   * Race-safe: concurrent sets of one key leave one row, and a concurrent set
   * with another type fails instead of changing the type.
   *
   * @param key - Letters, digits and `_ . : -`, at most 128 characters.
   * @param value - The value.
   * @param options - Category, description and whether the value is secret.
   * @returns The setting as stored. Its `value` is the raw text; its `toJSON()` masks a sensitive value.
   * @throws {@link EntityValidationError} for a bad key, a value that is not
   *   JSON or not finite, a value of another type than the stored one (rule
   *   `settingType`), or bad options; nothing is written. Messages never contain the value.
   * @example
   * ```ts
   * await db.settings.set('ai.reply_delay_ms', 1500, { category: 'ai', description: 'Pause before the AI answers' });
   * await db.settings.set('facebook.page_token', token, { category: 'facebook', sensitive: true });
   * await db.settings.set('business.hours', { open: 9, close: 21 });
   * ```
   */
  async set(key: string, value: SettingValue, options?: SetSettingOptions): Promise<AppSettings> {
    const { valueType, text } = classify(value, 'value');
    const values: Record<string, unknown> = { key, value: text, valueType };
    const given = optionsOf('AppSettings', 'options', options);
    for (const name of Object.keys(given)) {
      if (name !== 'category' && name !== 'description' && name !== 'sensitive') {
        const quoted = name.length > 32 ? `${name.slice(0, 32)}...` : name;
        invalid('AppSettings', quoted, 'unknownProperty', `${quoted} is not a setting option (category, description, sensitive)`);
      }
    }
    if (given.category !== undefined) values['category'] = given.category;
    if (given.description !== undefined) values['description'] = given.description;
    if (given.sensitive !== undefined) values['isSensitive'] = given.sensitive;
    await validated(AppSettings, values as Partial<AppSettings>);
    const dialect = this.ctx.dialect;
    try {
      return await this.ctx.transaction(async (tx) => {
        const m = tx.manager;
        const read = m.createQueryBuilder(AppSettings, 's').where('s.key = :key', { key });
        // PostgreSQL: lock the row so a concurrent set cannot change its type under us
        // (on SQLite the transaction already holds the write lock).
        const existing = await dialect.lock(read, 'write').getOne();
        if (existing && existing.valueType !== valueType) throw typeMismatch(key, existing.valueType, valueType, 'refuses');
        await upsertRow(m, AppSettings, values, 'key', {
          // A row inserted concurrently after our read keeps its type: the update is skipped and caught below.
          guard: dialect.upsertGuard('"app_settings"."value_type" = EXCLUDED."value_type"'),
        });
        const stored = await m.findOneByOrFail(AppSettings, { key });
        if (stored.valueType !== valueType) throw typeMismatch(key, stored.valueType, valueType, 'refuses');
        return stored;
      });
    } catch (error) {
      throw redactValues(error);
    }
  }

  /**
   * Every setting (of one category, if given) ordered by key, with typed
   * values; a sensitive value is shown as {@link MASKED_VALUE} (`'****'`).
   * Settings are few: at most {@link MAX_SETTINGS_LIST} (1000) are returned,
   * the first by key.
   *
   * @throws {@link EntityValidationError} when `category` is not a non-empty string of at
   *   most 64 characters (without NUL or lone surrogates).
   * @example
   * ```ts
   * for (const s of await db.settings.list({ category: 'ai' })) console.log(s.key, s.value);
   * ```
   */
  async list(options?: ListSettingsOptions): Promise<SettingEntry[]> {
    const { category } = optionsOf('ListSettingsOptions', 'options', options);
    if (category !== undefined) checkKey('ListSettingsOptions', 'category', category, CATEGORY_LENGTH);
    const rows = await this.ctx.read((m) => {
      const qb = m.createQueryBuilder(AppSettings, 's');
      if (category !== undefined) qb.where('s.category = :category', { category });
      return qb.orderBy('s.key', 'ASC').limit(MAX_SETTINGS_LIST).getMany();
    });
    return rows.map((row) => ({
      key: row.key,
      value: row.isSensitive ? MASKED_VALUE : parseStored(row),
      valueType: row.valueType,
      category: row.category,
      description: row.description,
      isSensitive: row.isSensitive,
    }));
  }

  /**
   * Removes a setting.
   *
   * @returns `true` if it existed, `false` if not.
   * @throws {@link EntityValidationError} when `key` is not a non-empty string of at most 128 characters.
   * @example
   * ```ts
   * await db.settings.delete('feature.old_flag');
   * ```
   */
  async delete(key: string): Promise<boolean> {
    checkKey('AppSettings', 'key', key, KEY_LENGTH);
    const result = await this.ctx.run((m) => m.delete(AppSettings, { key }));
    return (result.affected ?? 0) > 0;
  }
}

/**
 * The type a value is stored as and its stored text; refuses what cannot
 * round-trip. JSON is checked with {@link checkJson} (iterative, bounded by
 * {@link SETTING_JSON_LIMITS}) and its issues name the path, never the value.
 */
function classify(value: unknown, property: string): { valueType: SettingValueType; text: string } {
  switch (typeof value) {
    case 'string':
      return { valueType: SettingValueType.STRING, text: value };
    case 'number':
      if (!Number.isFinite(value)) invalid('AppSettings', property, 'isFinite', `${property} must be a finite number`);
      return { valueType: SettingValueType.NUMBER, text: String(value) };
    case 'boolean':
      return { valueType: SettingValueType.BOOLEAN, text: String(value) };
    case 'object': {
      const checked = checkJson(value, property, SETTING_JSON_LIMITS);
      if (checked.problem) invalid('AppSettings', checked.problem.path, checked.problem.rule, checked.problem.message);
      return { valueType: SettingValueType.JSON, text: checked.text };
    }
    default:
      return invalid('AppSettings', property, 'isSettingValue', `${property} must be a string, number, boolean or JSON value, got ${describeValue(value)}`);
  }
}

/** The stored text as its type; a value that does not parse was written around this library. */
function parseStored(row: AppSettings): SettingValue {
  const text = row.value;
  const corrupt = (): never =>
    invalid('AppSettings', 'value', 'storedValue', `the stored value of setting "${row.key}" is not a valid ${row.valueType}`);
  switch (row.valueType) {
    case SettingValueType.STRING:
      return text;
    case SettingValueType.NUMBER: {
      const n = text.trim() === '' ? NaN : Number(text);
      return Number.isFinite(n) ? n : corrupt();
    }
    case SettingValueType.BOOLEAN:
      return text === 'true' ? true : text === 'false' ? false : corrupt();
    case SettingValueType.JSON:
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        return corrupt();
      }
    default:
      return corrupt();
  }
}

function typeMismatch(key: string, stored: SettingValueType, given: SettingValueType, verb: 'refuses' | 'is not'): EntityValidationError {
  const message =
    verb === 'refuses'
      ? `setting "${key}" holds a ${stored} value and refuses a ${given} value; delete it first to change its type`
      : `setting "${key}" holds a ${stored} value, not a ${given} value like the fallback`;
  return new EntityValidationError('AppSettings', [{ property: 'value', rules: ['settingType'], messages: [message] }]);
}

