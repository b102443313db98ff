import {
  IsDate,
  IsEnum,
  IsInt,
  isISO4217CurrencyCode,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { Check, Column, Entity, Index, type ValueTransformer } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { AdCampaignStatus } from '../enums';
import { TimestampedEntity } from './base-record';
import { enumCheck, IsDateInRange, nonNegativeCheck, usesDefaultUnlessSet } from './checks';

/** PostgreSQL returns `bigint` as a string; money and counters are numbers to callers. */
const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/**
 * An upper-case ISO 4217 code (`EGP`). class-validator's own check upper-cases
 * first and would let `egp` through into the stored data; the rule name stays
 * `isISO4217CurrencyCode`.
 */
function IsUpperCaseCurrencyCode(): PropertyDecorator {
  return ValidateBy({
    name: 'isISO4217CurrencyCode',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^[A-Z]{3}$/.test(value) && isISO4217CurrencyCode(value),
      defaultMessage: () => 'currency must be an upper-case ISO 4217 code, e.g. EGP',
    },
  });
}

/**
 * A Facebook ad campaign with its delivery metrics. Table `ad_campaigns`.
 * Money is integer minor units (piastres for EGP), never a float.
 */
@Entity({ name: 'ad_campaigns' })
@Index('UQ_ad_campaigns_facebook_campaign_id', ['facebookCampaignId'], { unique: true })
@Check('CHK_ad_campaigns_status', enumCheck('status', AdCampaignStatus))
@Check('CHK_ad_campaigns_impressions', nonNegativeCheck('impressions'))
@Check('CHK_ad_campaigns_clicks', nonNegativeCheck('clicks'))
@Check('CHK_ad_campaigns_conversions', nonNegativeCheck('conversions'))
@Check('CHK_ad_campaigns_spend_minor', nonNegativeCheck('spend_minor'))
export class AdCampaign extends TimestampedEntity {
  /** Facebook's campaign id. Column `facebook_campaign_id`, unique. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255 })
  facebookCampaignId!: string;

  /** The campaign's name as set in Ads Manager. Column `name`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  /** Whether the campaign is active, paused or archived. Column `status`, default `active`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(AdCampaignStatus)
  @Column({ type: 'varchar', length: 16, default: AdCampaignStatus.ACTIVE })
  status!: AdCampaignStatus;

  /** Facebook's campaign objective, e.g. `MESSAGES`. Column `objective`. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Column({ type: 'varchar', length: 64, nullable: true })
  objective!: string | null;

  /** Times the ads were shown, from the latest metrics snapshot. Column `impressions`, at least 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(Number.MAX_SAFE_INTEGER)
  @Min(0)
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  impressions!: number;

  /** Clicks on the ads, from the latest metrics snapshot. Column `clicks`, at least 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(Number.MAX_SAFE_INTEGER)
  @Min(0)
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  clicks!: number;

  /** Conversions Facebook attributes to the campaign (e.g. conversations started). Column `conversions`, at least 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(Number.MAX_SAFE_INTEGER)
  @Min(0)
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  conversions!: number;

  /** Amount spent in minor units of `currency` (piastres for EGP). Column `spend_minor`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(Number.MAX_SAFE_INTEGER)
  @Min(0)
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  spendMinor!: number;

  /** ISO 4217 code. Column `currency`, default `EGP`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsUpperCaseCurrencyCode()
  @Column({ type: 'varchar', length: 3, default: 'EGP' })
  currency!: string;

  /** When the campaign starts or started, if scheduled. Column `starts_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  startsAt!: Date | null;

  /** When the campaign ends or ended, if scheduled. Column `ends_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  endsAt!: Date | null;
}
