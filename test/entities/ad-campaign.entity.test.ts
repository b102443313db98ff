import { describe, expect, it } from 'vitest';
import { AdCampaign } from '../../src/entities/ad-campaign.entity';
import { AdCampaignStatus } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectRefused, expectSecondRefused, expectStoredAsUtc, pgColumnTypes, sql, validationIssues } from './fixtures';

const campaign = (values: Partial<AdCampaign>): AdCampaign => Object.assign(new AdCampaign(), { name: 'Campaign', ...values });

describe.each(engines())('AdCampaign entity on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('round-trips every column, with counters and spend above 2^31 as numbers', async () => {
    const startsAt = new Date('2024-05-01T00:00:00.000Z');
    const endsAt = new Date('2024-05-31T21:59:59.999Z');
    const big = 2 ** 31 + 12_345; // past a 32-bit integer
    const saved = await suite.db.manager.save(
      campaign({
        facebookCampaignId: '120200000000000001',
        name: 'حملة رمضان',
        status: AdCampaignStatus.PAUSED,
        objective: 'MESSAGES',
        impressions: 9_007_199_254_740_991,
        clicks: big,
        conversions: 3,
        spendMinor: 5_000_000_000,
        currency: 'USD',
        startsAt,
        endsAt,
      }),
    );
    const loaded = await suite.db.manager.findOneByOrFail(AdCampaign, { id: saved.id });
    expect(loaded).toMatchObject({
      facebookCampaignId: '120200000000000001',
      name: 'حملة رمضان',
      status: 'paused',
      objective: 'MESSAGES',
      impressions: Number.MAX_SAFE_INTEGER,
      clicks: big,
      conversions: 3,
      spendMinor: 5_000_000_000,
      currency: 'USD',
    });
    for (const key of ['impressions', 'clicks', 'conversions', 'spendMinor'] as const) {
      expect(typeof loaded[key], key).toBe('number');
    }
    expect(loaded.startsAt?.toISOString()).toBe(startsAt.toISOString());
    expect(loaded.endsAt?.toISOString()).toBe(endsAt.toISOString());
    await expectStoredAsUtc(suite.db, 'ad_campaigns', 'ends_at', saved.id, endsAt);
  });

  it('keeps money in an integer column, never a float', async () => {
    if (engine === 'postgres') {
      expect((await pgColumnTypes(suite.db, 'ad_campaigns'))['spend_minor']).toBe('bigint');
    } else {
      const [column] = await sql<{ type: string }>(suite.db, `SELECT type FROM pragma_table_info('ad_campaigns') WHERE name = 'spend_minor'`);
      expect(column?.type.toLowerCase()).toBe('bigint');
    }
  });

  it('defaults to an active EGP campaign with zero metrics', async () => {
    const saved = await suite.db.manager.save(campaign({ facebookCampaignId: 'camp-defaults' }));
    expect(await suite.db.manager.findOneByOrFail(AdCampaign, { id: saved.id })).toMatchObject({
      status: AdCampaignStatus.ACTIVE,
      currency: 'EGP',
      impressions: 0,
      clicks: 0,
      conversions: 0,
      spendMinor: 0,
      objective: null,
      startsAt: null,
      endsAt: null,
    });
  });

  it('refuses a second campaign with the same facebook campaign id', async () => {
    await expectSecondRefused(suite.db, () => campaign({ facebookCampaignId: 'camp-dup' }));
  });

  it('refuses a raw insert of an unknown status', async () => {
    await expectRefused(
      sql(suite.db, `INSERT INTO "ad_campaigns" ("facebook_campaign_id", "name", "status") VALUES ('camp-bad', 'x', 'deleted')`),
      /CHK_ad_campaigns_status|check/i,
    );
  });

  it.each(['impressions', 'clicks', 'conversions', 'spend_minor'])('refuses a raw insert with a negative %s', async (column) => {
    await expectRefused(
      sql(suite.db, `INSERT INTO "ad_campaigns" ("facebook_campaign_id", "name", "${column}") VALUES (?, 'x', -1)`, [`camp-neg-${column}`]),
      /CHK_ad_campaigns_|check/i,
    );
  });
});

describe('AdCampaign validation', () => {
  it('accepts a valid campaign', async () => {
    const valid = campaign({ facebookCampaignId: 'c', spendMinor: 1999, currency: 'EGP' });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it.each(['egp', 'EGPX', 'XYZ', 'E1P', ''])('refuses the currency %j', async (currency) => {
    expect(await validationIssues(campaign({ facebookCampaignId: 'c', currency }))).toEqual({ currency: ['isISO4217CurrencyCode'] });
  });

  it('refuses negative metrics and spend', async () => {
    expect(
      await validationIssues(campaign({ facebookCampaignId: 'c', impressions: -1, clicks: -1, conversions: -1, spendMinor: -1 })),
    ).toEqual({ impressions: ['min'], clicks: ['min'], conversions: ['min'], spendMinor: ['min'] });
  });

  it('refuses fractional money (minor units are whole numbers)', async () => {
    expect(await validationIssues(campaign({ facebookCampaignId: 'c', spendMinor: 19.99 }))).toEqual({ spendMinor: ['isInt'] });
  });

  it('refuses an unknown status', async () => {
    expect(await validationIssues(campaign({ facebookCampaignId: 'c', status: 'deleted' as AdCampaignStatus }))).toEqual({ status: ['isEnum'] });
  });

  it('requires a name and a facebook campaign id', async () => {
    const issues = await validationIssues(Object.assign(new AdCampaign(), {}));
    expect(issues['name']).toContain('isNotEmpty');
    expect(issues['facebookCampaignId']).toContain('isNotEmpty');
  });
});
