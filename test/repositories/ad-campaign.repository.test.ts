import { describe, expect, it } from 'vitest';
import { AdCampaign } from '../../src/entities/ad-campaign.entity';
import { Message } from '../../src/entities/message.entity';
import { AdCampaignStatus } from '../../src/enums';
import { InvalidCursorError, InvalidEnumValueError, NotFoundError } from '../../src/errors';
import type { UpsertAdCampaignInput } from '../../src/repositories/ad-campaign.repository';
import { makeConversation, makeMessage } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectValidationError, firstIssue, validationIssue } from '../support/errors';

describe.each(engines())('AdCampaignRepository on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const fbId = (): string => `${engine}_cmp_${++seq}`;

  const campaignCount = (): Promise<number> => suite.db.manager.count(AdCampaign);

  /** Messages attributed to `adCampaignId` (or to none), with the user and conversation they need. */
  async function messagesFor(adCampaignId: number | null, count: number): Promise<Message[]> {
    const { id: conversationId } = await makeConversation(suite.db);
    const messages: Message[] = [];
    for (let i = 0; i < count; i++) messages.push(await makeMessage(suite.db, { conversationId, text: `from the ad ${i}`, adCampaignId }));
    return messages;
  }

  describe('upsertByFacebookId', () => {
    it('inserts a new campaign with the column defaults filled in', async () => {
      const id = fbId();
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Ramadan offers' });
      expect(campaign).toBeInstanceOf(AdCampaign);
      expect(campaign.id).toBeGreaterThan(0);
      expect(campaign.facebookCampaignId).toBe(id);
      expect(campaign.name).toBe('Ramadan offers');
      expect(campaign.status).toBe(AdCampaignStatus.ACTIVE);
      expect(campaign.currency).toBe('EGP');
      expect([campaign.impressions, campaign.clicks, campaign.conversions, campaign.spendMinor]).toEqual([0, 0, 0, 0]);
    });

    it('updates the same row on a second upsert and leaves omitted fields as stored', async () => {
      const id = fbId();
      const startsAt = new Date('2025-03-01T00:00:00.000Z');
      const first = await suite.db.adCampaigns.upsertByFacebookId({
        facebookCampaignId: id,
        name: 'Spring',
        objective: 'MESSAGES',
        currency: 'USD',
        startsAt,
        spendMinor: 1500,
      });
      const second = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Spring 2', status: AdCampaignStatus.PAUSED });
      expect(second.id).toBe(first.id);
      expect(second.name).toBe('Spring 2');
      expect(second.status).toBe(AdCampaignStatus.PAUSED);
      expect(second.objective).toBe('MESSAGES');
      expect(second.currency).toBe('USD');
      expect(second.spendMinor).toBe(1500);
      expect(second.startsAt?.toISOString()).toBe(startsAt.toISOString());
      expect(await campaignCount()).toBe(1);
    });

    it('leaves exactly one row when many upserts of one Facebook id run concurrently', async () => {
      const id = fbId();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: `name ${i}` })),
      );
      expect(new Set(results.map((c) => c.id)).size).toBe(1);
      expect(await campaignCount()).toBe(1);
    });

    it.each<[Partial<UpsertAdCampaignInput>, string]>([
      [{ currency: 'XYZ' }, 'currency'],
      [{ currency: 'egp' }, 'currency'],
      [{ spendMinor: 10.5 }, 'spendMinor'],
      [{ clicks: -1 }, 'clicks'],
      [{ impressions: 2 ** 60 }, 'impressions'],
      [{ startsAt: new Date('2025-02-01'), endsAt: new Date('2025-01-01') }, 'endsAt'],
      [{ name: '' }, 'name'],
    ])('refuses %o naming %s and writes nothing', async (patch, property) => {
      await expectValidationError(suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Bad', ...patch }), property);
      expect(await campaignCount()).toBe(0);
    });

    it('refuses an unknown status with InvalidEnumValueError and writes nothing', async () => {
      await expect(
        suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Bad', status: 'running' as AdCampaignStatus }),
      ).rejects.toBeInstanceOf(InvalidEnumValueError);
      expect(await campaignCount()).toBe(0);
    });
  });

  describe('findByFacebookId', () => {
    it('finds a campaign by its Facebook id and returns null for an unknown one', async () => {
      const id = fbId();
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Find me' });
      expect((await suite.db.adCampaigns.findByFacebookId(id))?.id).toBe(campaign.id);
      expect(await suite.db.adCampaigns.findByFacebookId('nope')).toBeNull();
    });
  });

  describe('recordMetrics', () => {
    it('replaces the cumulative metrics with the snapshot and leaves omitted ones as stored', async () => {
      const id = fbId();
      await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Metrics', impressions: 100, clicks: 10, conversions: 1, spendMinor: 500 });
      await suite.db.adCampaigns.recordMetrics(id, { impressions: 1000, clicks: 40 });
      const campaign = await suite.db.adCampaigns.recordMetrics(id, { impressions: 1200, spendMinor: 900 });
      expect([campaign.impressions, campaign.clicks, campaign.conversions, campaign.spendMinor]).toEqual([1200, 40, 1, 900]);
      const stored = await suite.db.adCampaigns.findByFacebookId(id);
      expect([stored?.impressions, stored?.clicks, stored?.conversions, stored?.spendMinor]).toEqual([1200, 40, 1, 900]);
    });

    it('stores and returns values above 2^31 as numbers', async () => {
      const id = fbId();
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Big' });
      const big = 2 ** 31 + 12_345;
      await suite.db.adCampaigns.recordMetrics(id, { impressions: 9_007_199_254_740_991, spendMinor: big });
      const stored = await suite.db.adCampaigns.getById(campaign.id);
      expect(stored.impressions).toBe(9_007_199_254_740_991);
      expect(stored.spendMinor).toBe(big);
      expect(typeof stored.spendMinor).toBe('number');
    });

    it('refuses negative, fractional, unsafe and non-number values and writes nothing', async () => {
      const id = fbId();
      await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Strict', clicks: 7 });
      const cases: Array<Record<string, unknown>> = [
        { clicks: -1 },
        { impressions: 1.5 },
        { conversions: Number.POSITIVE_INFINITY },
        { spendMinor: 2 ** 53 },
        { clicks: '8' },
        { ctr: 0.5 },
      ];
      for (const snapshot of cases) {
        const error = await validationIssue(suite.db.adCampaigns.recordMetrics(id, snapshot as never));
        expect(error.issues[0]?.property).toBe(Object.keys(snapshot)[0]);
      }
      expect((await suite.db.adCampaigns.findByFacebookId(id))?.clicks).toBe(7);
    });

    it('throws NotFoundError for an unknown Facebook id', async () => {
      await expect(suite.db.adCampaigns.recordMetrics('missing', { clicks: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('performance', () => {
    it('computes the ratios and rounds money per unit to whole minor units', async () => {
      const id = fbId();
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Perf', currency: 'USD' });
      await suite.db.adCampaigns.recordMetrics(id, {
        impressions: 3_000_000_000,
        clicks: 40_000,
        conversions: 800,
        spendMinor: 5_000_000_001,
      });
      expect(await suite.db.adCampaigns.performance(campaign.id)).toEqual({
        campaignId: campaign.id,
        name: 'Perf',
        currency: 'USD',
        impressions: 3_000_000_000,
        clicks: 40_000,
        conversions: 800,
        spendMinor: 5_000_000_001,
        ctr: 40_000 / 3_000_000_000,
        cpcMinor: 125_000,
        costPerConversionMinor: 6_250_000,
        conversionRate: 0.02,
        attributedMessages: 0,
      });
    });

    it('rounds an exact half up', async () => {
      const id = fbId();
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Half', impressions: 8, clicks: 4, conversions: 20, spendMinor: 10 });
      const p = await suite.db.adCampaigns.performance(campaign.id);
      expect(p.cpcMinor).toBe(3); // 2.5
      expect(p.costPerConversionMinor).toBe(1); // 0.5
      expect(p.ctr).toBe(0.5);
      expect(p.conversionRate).toBe(5);
    });

    it('gives null, never NaN or Infinity, for every ratio with a zero denominator', async () => {
      const empty = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Empty' });
      const p = await suite.db.adCampaigns.performance(empty.id);
      expect([p.ctr, p.cpcMinor, p.costPerConversionMinor, p.conversionRate]).toEqual([null, null, null, null]);

      const noClicks = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Seen', impressions: 500, spendMinor: 300 });
      const q = await suite.db.adCampaigns.performance(noClicks.id);
      expect(q.ctr).toBe(0);
      expect([q.cpcMinor, q.costPerConversionMinor, q.conversionRate]).toEqual([null, null, null]);
    });

    it('counts the messages attributed to the campaign only', async () => {
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Attributed' });
      const other = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Other' });
      await messagesFor(campaign.id, 3);
      await messagesFor(other.id, 2);
      await messagesFor(null, 1);
      expect((await suite.db.adCampaigns.performance(campaign.id)).attributedMessages).toBe(3);
      expect((await suite.db.adCampaigns.performance(other.id)).attributedMessages).toBe(2);
    });

    it('throws NotFoundError for an unknown id', async () => {
      await expect(suite.db.adCampaigns.performance(999_999)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('list', () => {
    it('walks every campaign exactly once, newest first, page by page', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push((await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: `c${i}` })).id);
      const seen: number[] = [];
      let page = await suite.db.adCampaigns.list({ limit: 3 });
      const sizes = [page.items.length];
      seen.push(...page.items.map((c) => c.id));
      while (page.nextCursor) {
        page = await suite.db.adCampaigns.list({ limit: 3, cursor: page.nextCursor });
        sizes.push(page.items.length);
        seen.push(...page.items.map((c) => c.id));
      }
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by status', async () => {
      const paused = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'P', status: AdCampaignStatus.PAUSED });
      await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'A' });
      const page = await suite.db.adCampaigns.list({ status: AdCampaignStatus.PAUSED });
      expect(page.items.map((c) => c.id)).toEqual([paused.id]);
      expect(page.nextCursor).toBeNull();
    });

    it('refuses an unknown status with InvalidEnumValueError', async () => {
      await expect(suite.db.adCampaigns.list({ status: 'running' as AdCampaignStatus })).rejects.toBeInstanceOf(InvalidEnumValueError);
    });

    it('refuses a limit of 0 naming limit', async () => {
      expect((await validationIssue(suite.db.adCampaigns.list({ limit: 0 }))).issues[0]?.property).toBe('limit');
    });

    it('refuses a cursor it did not make with InvalidCursorError', async () => {
      await expect(suite.db.adCampaigns.list({ cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('delete', () => {
    it('deletes a campaign and leaves its messages with ad_campaign_id null', async () => {
      const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Gone' });
      const [message] = await messagesFor(campaign.id, 1);
      expect(await suite.db.adCampaigns.delete(campaign.id)).toBe(true);
      expect(await suite.db.adCampaigns.findById(campaign.id)).toBeNull();
      const after = await suite.db.manager.findOneByOrFail(Message, { id: message!.id });
      expect(after.adCampaignId).toBeNull();
      expect(after.text).toBe('from the ad 0');
    });

    it('returns false when there is no such campaign', async () => {
      expect(await suite.db.adCampaigns.delete(999_999)).toBe(false);
    });
  });

  describe('input checks before SQL', () => {
    it('stores bigint metrics above 2^31 up to Number.MAX_SAFE_INTEGER exactly', async () => {
      const id = fbId();
      await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Big' });
      const campaign = await suite.db.adCampaigns.recordMetrics(id, { impressions: 2 ** 31, spendMinor: Number.MAX_SAFE_INTEGER });
      expect(campaign.impressions).toBe(2 ** 31);
      expect(campaign.spendMinor).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('refuses metrics beyond Number.MAX_SAFE_INTEGER with rule max, writing nothing', async () => {
      const id = fbId();
      await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Big' });
      expect(await firstIssue(suite.db.adCampaigns.recordMetrics(id, { spendMinor: 2 ** 53 }))).toEqual({ property: 'spendMinor', rule: 'max' });
      expect(await firstIssue(suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: id, name: 'Big', clicks: 2 ** 60 }))).toEqual({ property: 'clicks', rule: 'max' });
      expect((await suite.db.adCampaigns.findByFacebookId(id))?.spendMinor).toBe(0);
    });

    it('refuses startsAt and endsAt outside 1970..9999 with rule dateRange', async () => {
      expect(await firstIssue(suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Old', startsAt: new Date(Date.UTC(1969, 0, 1)) }))).toEqual({ property: 'startsAt', rule: 'dateRange' });
      expect(await firstIssue(suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: fbId(), name: 'Far', endsAt: new Date(8.64e15) }))).toEqual({ property: 'endsAt', rule: 'dateRange' });
      expect(await campaignCount()).toBe(0);
    });

    it('refuses an id of 2^31 with rule max', async () => {
      expect(await firstIssue(suite.db.adCampaigns.performance(2 ** 31))).toEqual({ property: 'id', rule: 'max' });
    });

    it('refuses snapshot keys such as constructor as unknown properties', async () => {
      const snapshot = Object.defineProperty({}, 'constructor', { value: 1, enumerable: true });
      expect(await firstIssue(suite.db.adCampaigns.recordMetrics(fbId(), snapshot))).toEqual({ property: 'constructor', rule: 'unknownProperty' });
    });
  });
});
