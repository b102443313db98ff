import { IsBoolean, IsEnum, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { SettingValueType } from '../enums';
import { TimestampedEntity } from './base-record';
import { enumCheck, usesDefaultUnlessSet } from './checks';

/** What {@link AppSettings.toJSON} shows instead of a sensitive value. */
export const MASKED_VALUE = '****';

/** Node's `util.inspect.custom`, by its registered name (no `node:util` import: entities load anywhere). */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * One application setting, stored as text with its type. Table
 * `app_settings`. A sensitive value (an API token, say) never appears in
 * `toJSON()`, logs or errors.
 */
@Entity({ name: 'app_settings' })
@Index('UQ_app_settings_key', ['key'], { unique: true })
@Index('IDX_app_settings_category', ['category'])
@Check('CHK_app_settings_value_type', enumCheck('value_type', SettingValueType))
export class AppSettings extends TimestampedEntity {
  /** Dotted name, e.g. `ai.reply_delay_ms`. Column `key`, unique. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'key may hold only letters, digits and _ . : -' })
  @Column({ type: 'varchar', length: 128 })
  key!: string;

  /** The value as text (JSON text for `json`). Column `value`. */
  @IsString()
  @MaxLength(1_000_000)
  @Column({ type: 'text' })
  value!: string;

  /** How to read `value`. Column `value_type`. */
  @IsEnum(SettingValueType)
  @Column({ type: 'varchar', length: 16 })
  valueType!: SettingValueType;

  /** Group for listing, default `general`. Column `category`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Column({ type: 'varchar', length: 64, default: 'general' })
  category!: string;

  /** What the setting does. Column `description`. */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Whether the value is a secret. Column `is_sensitive`, default false. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsBoolean()
  @Column({ type: 'boolean', default: false })
  isSensitive!: boolean;

  /** Like the base `toJSON()`, but a sensitive value is shown as `****`. */
  override toJSON(): Record<string, unknown> {
    const json = super.toJSON();
    if (this.isSensitive) json['value'] = MASKED_VALUE;
    return json;
  }

  /** What `console.log` and `util.inspect` show: the masked `toJSON()`, so a sensitive value stays hidden there too. */
  [INSPECT](): Record<string, unknown> {
    return this.toJSON();
  }
}
