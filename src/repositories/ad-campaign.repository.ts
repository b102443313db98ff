import { AdCampaign } from '../entities/ad-campaign.entity';
import { AdCampaignStatus } from '../enums';
import { NotFoundError } from '../errors';
import { pageRequest, toPage, type CursorList, type Page, type PageRequest } from '../pagination';
import { invalid } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { hydrateRow, statement } from './sql';
import { checkCount, checkEnum, checkId, checkKey, optionsOf, pickInput } from './support/checks';
import { updateRow, upsertRow, validated } from './support/writes';

/**
 * The values of {@link AdCampaignRepository.upsertByFacebookId}.
 * `facebookCampaignId` and `name` are required. On insert, omitted columns
 * take their defaults (`status` ACTIVE, metrics 0, `currency` EGP); on update,
 * omitted properties are left as stored and `null` clears a nullable column.
 */
export interface UpsertAdCampaignInput {
  /** Facebook's campaign id (the unique key). */
  facebookCampaignId: string;
  /** The campaign's name. */
  name: string;
  /** Active, paused or archived. */
  status?: AdCampaignStatus;
  /** Facebook's campaign objective, e.g. `MESSAGES`. */
  objective?: string | null;
  /** Impressions so far, a whole number from 0 to 2^53-1. */
  impressions?: number;
  /** Clicks so far, a whole number from 0 to 2^53-1. */
  clicks?: number;
  /** Conversions so far, a whole number from 0 to 2^53-1. */
  conversions?: number;
  /** Spend so far in integer minor units of `currency` (piastres for EGP), >= 0. */
  spendMinor?: number;
  /** Upper-case ISO 4217 code, e.g. `EGP`, `USD`. */
  currency?: string;
  /** When the campaign starts. */
  startsAt?: Date | null;
  /** When it ends; not before `startsAt` when both are given. */
  endsAt?: Date | null;
}

/**
 * A metrics snapshot for {@link AdCampaignRepository.recordMetrics}: the
 * campaign's cumulative totals as the Marketing API reports them. Each
 * value given replaces the stored total; omitted values are left as stored.
 */
export interface AdCampaignMetrics {
  /** Impressions so far, a whole number from 0 to 2^53-1. */
  impressions?: number;
  /** Clicks so far, a whole number from 0 to 2^53-1. */
  clicks?: number;
  /** Conversions so far, a whole number from 0 to 2^53-1. */
  conversions?: number;
  /** Spend so far in integer minor units, >= 0. */
  spendMinor?: number;
}

/**
 * A campaign's metrics and the ratios derived from them, from
 * {@link AdCampaignRepository.performance}. Every ratio whose denominator is
 * 0 is `null` (never `NaN` or `Infinity`).
 */
export interface AdCampaignPerformance {
  /** The campaign's id. */
  campaignId: number;
  /** The campaign's name. */
  name: string;
  /** ISO 4217 code of the money values. */
  currency: string;
  /** Impressions so far. */
  impressions: number;
  /** Clicks so far. */
  clicks: number;
  /** Conversions so far. */
  conversions: number;
  /** Spend so far, integer minor units. */
  spendMinor: number;
  /** Click-through rate, clicks / impressions, as a fraction (0.05 is 5%); `null` without impressions. */
  ctr: number | null;
  /** Cost per click, spend / clicks rounded to whole minor units (half up); `null` without clicks. */
  cpcMinor: number | null;
  /** Cost per conversion, spend / conversions rounded to whole minor units (half up); `null` without conversions. */
  costPerConversionMinor: number | null;
  /** Conversions / clicks, as a fraction; `null` without clicks. */
  conversionRate: number | null;
  /** How many messages are attributed to the campaign (`messages.ad_campaign_id`). */
  attributedMessages: number;
}

/** Criteria of {@link AdCampaignRepository.list}. */
export interface AdCampaignListOptions extends PageRequest {
  /** Only campaigns with this status. */
  status?: AdCampaignStatus;
}

const CAMPAIGN_INPUT_KEYS: ReadonlySet<string> = new Set<keyof UpsertAdCampaignInput>([
  'facebookCampaignId',
  'name',
  'status',
  'objective',
  'impressions',
  'clicks',
  'conversions',
  'spendMinor',
  'currency',
  'startsAt',
  'endsAt',
]);

const METRIC_KEYS: ReadonlySet<string> = new Set<keyof AdCampaignMetrics>(['impressions', 'clicks', 'conversions', 'spendMinor']);

/** Column length of `facebook_campaign_id`. */
const FACEBOOK_ID_LENGTH = 255;

const LIST: CursorList = { name: 'adCampaigns.list', sort: 'id' };

/**
 * Queries and commands on {@link AdCampaign}: Facebook ad campaigns, their
 * delivery metrics and performance. Reached as `db.adCampaigns`.
 *
 * Money is integer minor units of the campaign's currency (`spendMinor`),
 * never a float; metric columns are `bigint` and always come back as numbers.
 */
export class AdCampaignRepository extends EntityRepository<AdCampaign> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, AdCampaign);
  }

  /**
   * The campaign with this Facebook id, or `null`.
   *
   * @throws {@link EntityValidationError} when `facebookCampaignId` is not a non-empty string
   *   of at most 255 characters, or has a NUL or a lone surrogate.
   * @example
   * ```ts
   * const campaign = await db.adCampaigns.findByFacebookId('23851234567890');
   * ```
   */
  async findByFacebookId(facebookCampaignId: string): Promise<AdCampaign | null> {
    checkKey('AdCampaign', 'facebookCampaignId', facebookCampaignId, FACEBOOK_ID_LENGTH);
    return this.ctx.read((m) => m.findOneBy(AdCampaign, { facebookCampaignId }));
  }

  /**
   * Inserts the campaign, or updates the stored one with the same
   * `facebookCampaignId`. Race-safe: one `INSERT ... ON CONFLICT
   * (facebook_campaign_id) DO UPDATE` statement, so concurrent calls for one
   * Facebook id leave exactly one row and never raise a duplicate-key error
   * (the last writer's values win). On update only the properties given are
   * changed (and `updatedAt`).
   *
   * @param data - The campaign; `facebookCampaignId` and `name` are required.
   * @returns The campaign as stored after the write.
   * @throws {@link EntityValidationError} for invalid or unknown properties (a
   *   lower-case or unknown currency, a negative or fractional metric, `endsAt`
   *   before `startsAt`); nothing is written.
   * @example
   * ```ts
   * const campaign = await db.adCampaigns.upsertByFacebookId({
   *   facebookCampaignId: '23851234567890',
   *   name: 'Ramadan offers',
   *   objective: 'MESSAGES',
   *   currency: 'EGP',
   * });
   * ```
   */
  async upsertByFacebookId(data: UpsertAdCampaignInput): Promise<AdCampaign> {
    const values = pickInput('AdCampaign', data, CAMPAIGN_INPUT_KEYS);
    for (const key of METRIC_KEYS) if (values[key] !== undefined) checkCount('AdCampaign', key, values[key], Number.MAX_SAFE_INTEGER);
    if (values['status'] !== undefined) values['status'] = checkEnum(AdCampaignStatus, 'AdCampaignStatus', values['status']);
    if (typeof values['currency'] === 'string' && values['currency'] !== values['currency'].toUpperCase()) {
      invalid('AdCampaign', 'currency', 'isISO4217CurrencyCode', 'currency must be an upper-case ISO 4217 code, e.g. EGP');
    }
    const { startsAt, endsAt } = values;
    if (startsAt instanceof Date && endsAt instanceof Date && endsAt.getTime() < startsAt.getTime()) {
      invalid('AdCampaign', 'endsAt', 'notBeforeStart', 'endsAt must not be before startsAt');
    }
    const campaign = await validated(AdCampaign, values as Partial<AdCampaign>);
    const facebookCampaignId = campaign.facebookCampaignId;
    return this.ctx.run(async (m) => {
      await upsertRow(m, AdCampaign, values, 'facebookCampaignId');
      return m.findOneByOrFail(AdCampaign, { facebookCampaignId });
    });
  }

  /**
   * Records a metrics snapshot. The values are the campaign's cumulative
   * totals as Facebook reports them (lifetime impressions, clicks,
   * conversions, spend), so each value given **replaces** the stored one; it
   * is not added to it. Omitted values are left as stored.
   *
   * @param facebookCampaignId - Facebook's campaign id.
   * @param snapshot - The totals, whole numbers from 0 to 2^53-1 (`Number.MAX_SAFE_INTEGER`; `spendMinor` in minor units).
   * @returns The campaign after the change.
   * @throws {@link EntityValidationError} for a negative, fractional or non-number value, or an unknown key; nothing is written.
   * @throws {@link NotFoundError} when no campaign has this Facebook id.
   * @example
   * ```ts
   * await db.adCampaigns.recordMetrics('23851234567890', {
   *   impressions: 120_000,
   *   clicks: 3_400,
   *   conversions: 85,
   *   spendMinor: 1_250_000, // 12,500.00 EGP
   * });
   * ```
   */
  async recordMetrics(facebookCampaignId: string, snapshot: AdCampaignMetrics): Promise<AdCampaign> {
    checkKey('AdCampaign', 'facebookCampaignId', facebookCampaignId, FACEBOOK_ID_LENGTH);
    const values = pickInput('AdCampaign', snapshot, METRIC_KEYS);
    for (const [key, value] of Object.entries(values)) checkCount('AdCampaign', key, value, Number.MAX_SAFE_INTEGER);
    return this.ctx.run(async (m) => {
      if (Object.keys(values).length > 0) {
        await updateRow(m, this.ctx.dialect, AdCampaign, { facebookCampaignId }, values);
      }
      const campaign = await m.findOneBy(AdCampaign, { facebookCampaignId });
      if (!campaign) throw new NotFoundError('AdCampaign', { facebookCampaignId });
      return campaign;
    });
  }

  /**
   * A campaign's metrics, the ratios derived from them and the number of
   * messages attributed to it. Ratios are fractions (`ctr` 0.05 is 5%); the
   * per-unit costs are rounded to whole minor units (half up). A ratio whose
   * denominator is 0 is `null`.
   *
   * @param id - The campaign's id (not its Facebook id).
   * @throws {@link NotFoundError} when there is no such campaign.
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647.
   * @example
   * ```ts
   * const p = await db.adCampaigns.performance(campaign.id);
   * console.log(`${p.name}: CTR ${p.ctr === null ? '-' : (p.ctr * 100).toFixed(2) + '%'}, CPC ${p.cpcMinor ?? '-'} ${p.currency} minor units`);
   * ```
   */
  async performance(id: number): Promise<AdCampaignPerformance> {
    checkId('AdCampaign', 'id', id);
    const dialect = this.ctx.dialect;
    // One statement: the campaign and its count over the `ad_campaign_id` index.
    const sql = statement(
      dialect,
      'campaign-performance',
      () => 'SELECT a.*, (SELECT COUNT(*) FROM "messages" m WHERE m."ad_campaign_id" = a."id") AS "attributed_messages" FROM "ad_campaigns" a WHERE a."id" = ?',
    );
    const { campaign, attributed } = await this.ctx.read(async (m) => {
      const row = (await dialect.queryRows(m, sql, [id]))[0];
      if (!row) throw new NotFoundError('AdCampaign', { id });
      return { campaign: hydrateRow(m, AdCampaign, row), attributed: Number(row['attributed_messages']) };
    });
    // The entity's transformer already turns bigint strings into numbers; Number() guards raw values too.
    const impressions = Number(campaign.impressions);
    const clicks = Number(campaign.clicks);
    const conversions = Number(campaign.conversions);
    const spendMinor = Number(campaign.spendMinor);
    return {
      campaignId: campaign.id,
      name: campaign.name,
      currency: campaign.currency,
      impressions,
      clicks,
      conversions,
      spendMinor,
      ctr: ratio(clicks, impressions),
      cpcMinor: roundedRatio(spendMinor, clicks),
      costPerConversionMinor: roundedRatio(spendMinor, conversions),
      conversionRate: ratio(conversions, clicks),
      attributedMessages: attributed,
    };
  }

  /**
   * One page of campaigns, newest first (by id, keyset paginated: stable
   * while campaigns are added between pages), optionally of one status.
   *
   * @throws {@link InvalidEnumValueError} when `status` is not an {@link AdCampaignStatus}.
   * @throws {@link EntityValidationError} for a bad `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `adCampaigns.list`.
   * @example
   * ```ts
   * let page = await db.adCampaigns.list({ status: AdCampaignStatus.ACTIVE, limit: 50 });
   * while (page.nextCursor) page = await db.adCampaigns.list({ status: AdCampaignStatus.ACTIVE, limit: 50, cursor: page.nextCursor });
   * ```
   */
  async list(options?: AdCampaignListOptions): Promise<Page<AdCampaign>> {
    const criteria = optionsOf('AdCampaignListOptions', 'options', options);
    const { limit, key } = pageRequest(LIST, this.ctx.engine, criteria);
    const status = criteria.status === undefined ? undefined : checkEnum(AdCampaignStatus, 'AdCampaignStatus', criteria.status);
    return this.ctx.read(async (m) => {
      const qb = m.createQueryBuilder(AdCampaign, 'c');
      if (status !== undefined) qb.andWhere('c.status = :status', { status });
      if (key) qb.andWhere('c.id < :afterId', { afterId: key[1] });
      const rows = await qb.orderBy('c.id', 'DESC').limit(limit + 1).getMany();
      return toPage(rows, limit, LIST, (c) => [null, c.id]);
    });
  }

  /**
   * Deletes a campaign. Messages attributed to it keep existing with
   * `adCampaignId` set to `null` (the foreign key is `ON DELETE SET NULL`).
   *
   * @returns `true` if a campaign was deleted, `false` if there was none.
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647.
   * @example
   * ```ts
   * await db.adCampaigns.delete(campaign.id);
   * ```
   */
  async delete(id: number): Promise<boolean> {
    checkId('AdCampaign', 'id', id);
    const result = await this.ctx.run((m) => m.delete(AdCampaign, { id }));
    return (result.affected ?? 0) > 0;
  }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** numerator / denominator rounded half up, in exact integer arithmetic (no float error near .5). */
function roundedRatio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  return Number((2n * n + d) / (2n * d));
}
