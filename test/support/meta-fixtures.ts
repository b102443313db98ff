// The committed Meta webhook bodies of test/fixtures/meta/, and what a test of
// ingestion reads back: row counts of every table ingestion writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../src/database';

const FIXTURES = join(__dirname, '..', 'fixtures', 'meta');

/** A fixture body, parsed afresh (tests may change their copy). */
// Typed loosely on purpose: tests reach into the bodies to break one field.
export function fixture(name: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}

/** The raw bytes of a fixture, as Meta would send them. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(FIXTURES, `${name}.json`));
}

/** The fixtures' customer: Messenger PSID, page, WhatsApp id and its E.164 form. */
export const PSID = '7294851036418275';
export const PAGE_ID = '104582317890123';
export const WA_ID = '201001234567';
export const PHONE = '+201001234567';
/** The ad and post the referral fixtures name. */
export const AD_ID = '120208765432109876';
export const AD_POST_ID = '104582317890123_122134567890123456';
/** The outbound wamids the status fixtures report on. */
export const WAMID_OUT = 'wamid.HBgMMjAxMDAxMjM0NTY3FQIAERgSQjE5RjUxOTk5QTlFOEMzMDk2AA==';
export const WAMID_FAIL = 'wamid.HBgMMjAxMDAxMjM0NTY3FQIAERgSNTg1QjM0RjhBOUY2RTQ3MTQ1AA==';
/** The page's reply mid the echo, delivery and reaction fixtures name. */
export const REPLY_MID = 'm_Reply0001Tx5gaS3K0MlnZcy0EPhtiVeDPQZu3u8JuzxLP2oLqJkzvZr1cMp1Xc4mQ5pB3GJ0JG3j8Ww';

const WRITTEN = ['users', 'conversations', 'messages', 'lead_activities', 'pending_receipts', 'data_erasures'] as const;

/** Rows in each table ingestion writes. */
export async function rowCounts(db: Database): Promise<Record<(typeof WRITTEN)[number], number>> {
  const out = {} as Record<(typeof WRITTEN)[number], number>;
  for (const table of WRITTEN) {
    const rows = (await db.manager.query(`SELECT COUNT(*) AS n FROM "${table}"`)) as Array<{ n: unknown }>;
    out[table] = Number(rows[0]?.n);
  }
  return out;
}
