// Ingestion from the BUILT package, loaded the way a service loads it: the
// dist/ CommonJS files, no TypeScript source.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureBuilt } from '../support/build';
import type { WebhookEventResult } from '../../src/meta/index';
import { type EngineName, engines, pgUrl } from '../support/engines';
import { AD_ID, AD_POST_ID, fixture, fixtureBytes, PHONE, PSID, REPLY_MID, WA_ID, WAMID_FAIL, WAMID_OUT } from '../support/meta-fixtures';

const load = createRequire(join(DIST, 'noop.js'));

interface Dist {
  main: typeof import('../../src/index');
  meta: typeof import('../../src/meta/index');
  testing: typeof import('../../src/testing/index');
}

let dist: Dist;
type DistDatabase = Awaited<ReturnType<Dist['testing']['createTestDatabase']>>;

const tmp = mkdtempSync(join(tmpdir(), 'migochat-meta-dist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixtures' Messenger events are at this time (milliseconds), the WhatsApp ones at its seconds. */
const T = 1717171717000;

/** A test database opened by the built package: SQLite in memory (or `file`), or a fresh PostgreSQL database. */
function openDist(engine: EngineName, file?: string): Promise<DistDatabase> {
  return dist.testing.createTestDatabase({ engine, ...(engine === 'postgres' ? { url: pgUrl() } : file !== undefined ? { url: `sqlite:${file}` } : {}) });
}

/** What a result says, in one short line: kind, then outcome / reason / attribution, then message kind or status and count. */
function summary(results: readonly WebhookEventResult[]): unknown[] {
  return results.map((r) => {
    if (r.kind === 'message') return [r.kind, r.outcome, r.messageKind];
    if (r.kind === 'receipt') return [r.kind, r.outcome, r.status, r.count];
    if (r.kind === 'ignored') return [r.kind, r.reason];
    return [r.kind, r.attribution.status];
  });
}

/** Every fixture, in an order that gives each path its telling outcome, and what ingesting it from dist answers. */
const MESSENGER: Array<[string, unknown[]]> = [
  ['messenger-text', [['message', 'created', 'text']]],
  ['messenger-attachments', [['message', 'created', 'image'], ['message', 'created', 'sticker']]],
  ['messenger-postback', [['message', 'created', 'postback']]],
  ['messenger-referral-ad', [['referral', 'matched'], ['message', 'created', 'text']]],
  ['messenger-delivery-watermark', [['receipt', 'applied', 'delivered', 1]]],
  ['messenger-delivery-mids', [['receipt', 'applied', 'delivered', 1], ['receipt', 'unchanged', 'delivered', 0]]],
  ['messenger-read', [['receipt', 'applied', 'read', 2]]],
  ['messenger-echo', [['message', 'duplicate', 'text']]],
  ['messenger-reaction', [['message', 'created', 'reaction'], ['message', 'created', 'reaction']]],
];
const WHATSAPP: Array<[string, unknown[]]> = [
  ['whatsapp-text', [['message', 'created', 'text']]],
  ['whatsapp-image', [['message', 'created', 'image']]],
  ['whatsapp-location', [['message', 'created', 'location']]],
  ['whatsapp-contacts', [['message', 'created', 'contacts']]],
  ['whatsapp-unsupported', [['message', 'created', 'unsupported']]],
  ['whatsapp-reaction', [['message', 'created', 'reaction'], ['message', 'created', 'reaction']]],
  ['whatsapp-statuses', [['receipt', 'unchanged', 'sent', 0], ['receipt', 'applied', 'delivered', 1], ['receipt', 'applied', 'read', 1], ['receipt', 'applied', 'failed', 1]]],
  ['whatsapp-status-unknown', [['ignored', 'unknown-status']]],
  ['whatsapp-status-before-message', [['receipt', 'pending', 'delivered', 0]]],
  ['whatsapp-multi', [['message', 'created', 'text'], ['message', 'created', 'text'], ['ignored', 'unsupported-field'], ['receipt', 'unchanged', 'read', 0]]],
];

beforeAll(() => {
  ensureBuilt();
  dist = { main: load('./index.js'), meta: load('./meta.js'), testing: load('./testing.js') };
});

describe.each(engines())('@migochat/db/meta from dist on %s', (engine) => {
  it('verifies, ingests and records a WhatsApp body and a Messenger body', async () => {
    const db = await dist.testing.createTestDatabase({ engine, ...(engine === 'postgres' ? { url: pgUrl() } : {}) });
    try {
      const raw = fixtureBytes('whatsapp-text');
      expect(dist.meta.verifyWebhookSignature(raw, undefined, 'secret')).toBe(false);
      const [wa] = await dist.meta.ingestWhatsAppWebhook(db, JSON.parse(raw.toString('utf8')));
      expect(wa).toMatchObject({ kind: 'message', outcome: 'created', messageKind: 'text' });
      expect((await db.users.findByPhone(PHONE))?.firstName).toBe('Mona Ali');
      const [fb] = await dist.meta.ingestMessengerWebhook(db, fixture('messenger-text'));
      expect(fb).toMatchObject({ kind: 'message', outcome: 'created', direction: 'inbound' });
      const [again] = await dist.meta.ingestMessengerWebhook(db, fixture('messenger-text'));
      expect(again).toMatchObject({ kind: 'message', outcome: 'duplicate' });
    } finally {
      await db.close();
    }
  });

  it('ingests every Messenger and WhatsApp fixture with the outcome of its path, and a redelivery of all of them writes nothing', async () => {
    const db = await openDist(engine);
    try {
      const campaign = await db.adCampaigns.upsertByFacebookId({ facebookCampaignId: AD_ID, name: 'Summer sale' });
      const post = await db.posts.upsertByFacebookId({ facebookPostId: AD_POST_ID });
      const fb = await db.users.findOrCreateByPsid(PSID);
      // The page's reply (named by the delivery mids, the echo and the reactions) and an older one, before the watermarks.
      await db.messages.recordOutbound({ userId: fb.id, source: dist.main.MessageSource.MESSENGER, text: 'reply', facebookMessageId: REPLY_MID, sentAt: new Date(T + 16_000) });
      await db.messages.recordOutbound({ userId: fb.id, source: dist.main.MessageSource.MESSENGER, text: 'older', facebookMessageId: 'm_older', sentAt: new Date(T + 5_000) });
      const wa = await db.users.findOrCreateByPhone(WA_ID);
      for (const wamid of [WAMID_OUT, WAMID_FAIL]) {
        await db.messages.recordOutbound({ userId: wa.id, source: dist.main.MessageSource.WHATSAPP, text: 'Your order is ready', whatsappMessageId: wamid, sentAt: new Date(T + 20_000) });
      }

      const got: Array<[string, unknown[]]> = [];
      for (const [name] of MESSENGER) got.push([name, summary(await dist.meta.ingestMessengerWebhook(db, fixture(name)))]);
      for (const [name] of WHATSAPP) got.push([name, summary(await dist.meta.ingestWhatsAppWebhook(db, fixture(name)))]);
      expect(got).toEqual([...MESSENGER, ...WHATSAPP]);

      const byMid = (mid: string) => db.manager.findOneByOrFail(dist.main.Message, { facebookMessageId: mid });
      const byWamid = (wamid: string) => db.manager.findOneByOrFail(dist.main.Message, { whatsappMessageId: wamid });
      const ad = await byMid('m_AdClick0001Tx5gaS3K0MlnZcy0EPhtiVeDPQZu3u8JuzxLP2oLqJkzvZr1cMp1Xc4mQ5pB3GJ0JG3j8Ww');
      expect([ad.adCampaignId, ad.postId]).toEqual([campaign.id, post.id]);
      expect([(await byMid(REPLY_MID)).status, (await byMid('m_older')).status]).toEqual([dist.main.MessageStatus.READ, dist.main.MessageStatus.READ]);
      const failed = await byWamid(WAMID_FAIL);
      expect([failed.status, failed.errorCode, failed.errorTitle]).toEqual([dist.main.MessageStatus.FAILED, 131047, 'Re-engagement message']);
      expect((await byWamid(fixture('whatsapp-location').entry[0].changes[0].value.messages[0].id)).attachments?.[0]).toMatchObject({ type: 'location', payload: { latitude: 30.0444196 } });
      expect((await db.users.findByPhone('201112223334'))?.firstName).toBe('Omar Farouk');

      // The status that came first is applied when the service records its message.
      const early = fixture('whatsapp-status-before-message').entry[0].changes[0].value.statuses[0];
      const recorded = await db.messages.recordOutbound({ userId: wa.id, source: dist.main.MessageSource.WHATSAPP, text: 'Shipped', whatsappMessageId: early.id, sentAt: new Date(T + 100_000) });
      expect([recorded.status, recorded.deliveredAt?.getTime()]).toEqual([dist.main.MessageStatus.DELIVERED, Number(early.timestamp) * 1000]);

      const counts = async (): Promise<number[]> => Promise.all([dist.main.User, dist.main.Message, dist.main.Conversation, dist.main.PendingReceipt].map((e) => db.manager.count(e)));
      const before = await counts();
      const again: string[] = [];
      for (const [name] of MESSENGER) for (const r of await dist.meta.ingestMessengerWebhook(db, fixture(name))) again.push(r.kind === 'message' ? r.outcome : r.kind === 'receipt' ? r.outcome : r.kind);
      for (const [name] of WHATSAPP) for (const r of await dist.meta.ingestWhatsAppWebhook(db, fixture(name))) again.push(r.kind === 'message' ? r.outcome : r.kind === 'receipt' ? r.outcome : r.kind);
      expect(again.filter((o) => o === 'created' || o === 'applied')).toEqual([]);
      expect(await counts()).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it('verifies a signature made with the app secret over the raw bytes and refuses a tampered body', () => {
    const raw = fixtureBytes('messenger-text');
    const header = `sha256=${createHmac('sha256', 'app-secret').update(raw).digest('hex')}`;
    expect(dist.meta.verifyWebhookSignature(raw, header, 'app-secret')).toBe(true);
    expect(dist.meta.verifyWebhookSignature(Buffer.concat([raw, Buffer.from(' ')]), header, 'app-secret')).toBe(false);
    expect(dist.meta.verifyWebhookSignature(raw, header, 'other-secret')).toBe(false);
  });

  it('erases an ingested customer: no personal field, text or platform id in the rows or a later export, status by code', async () => {
    const db = await openDist(engine);
    try {
      await dist.meta.ingestWhatsAppWebhook(db, fixture('whatsapp-text'));
      await dist.meta.ingestWhatsAppWebhook(db, fixture('whatsapp-location'));
      await dist.meta.ingestMessengerWebhook(db, fixture('messenger-text'));
      const wa = (await db.users.findByPhone(PHONE))!;
      const fb = (await db.users.findByPsid(PSID))!;
      const codes = [(await db.users.erase(wa.id, { performedBy: 'meta-data-deletion-callback' })).confirmationCode, (await db.users.erase(fb.id)).confirmationCode];
      for (const code of codes) expect(await db.users.erasureStatus(code)).toMatchObject({ confirmationCode: code, status: 'completed' });
      for (const id of [wa.id, fb.id]) {
        const user = await db.manager.findOneByOrFail(dist.main.User, { id });
        expect([user.phoneNumber, user.firstName, user.psid?.startsWith('erased:')]).toEqual([null, null, true]);
        const messages = await db.manager.findBy(dist.main.Message, { userId: id });
        expect(messages.map((m) => [m.text, m.attachments, m.facebookMessageId, m.whatsappMessageId])).toEqual(messages.map(() => [null, null, null, null]));
      }
      expect([await db.users.findByPhone(WA_ID), await db.users.findByPsid(PSID)]).toEqual([null, null]);
      const file = join(tmp, `export-${engine}.ndjson`);
      await dist.main.exportDatabase(db, file);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('"data_erasures"');
      for (const secret of ['Mona Ali', WA_ID, PSID, 'blue sofa', 'Tahrir Square']) expect([secret, text.includes(secret)]).toEqual([secret, false]);
    } finally {
      await db.close();
    }
  });

  it('throws the main entry point\'s WebhookPayloadError for a malformed body', async () => {
    const db = await dist.testing.createTestDatabase({ engine, ...(engine === 'postgres' ? { url: pgUrl() } : {}) });
    try {
      const body = fixture('whatsapp-text');
      body.entry[0].changes[0].value.messages[0].timestamp = '1717171717000';
      const error: unknown = await dist.meta.ingestWhatsAppWebhook(db, body).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(dist.main.WebhookPayloadError);
      expect(dist.meta.WebhookPayloadError).toBe(dist.main.WebhookPayloadError);
      expect(dist.main.isMigochatDbError(error) && error.code).toBe('INVALID_WEBHOOK_PAYLOAD');
      expect((await db.users.findByPhone(PHONE))).toBeNull();
    } finally {
      await db.close();
    }
  });
});

describe('users.erase from dist on a SQLite file', () => {
  it('leaves no copy of the erased customer in the file or its WAL', async () => {
    const file = join(tmp, 'erase-dist.db');
    const db = await openDist('sqlite', file);
    try {
      await dist.meta.ingestWhatsAppWebhook(db, fixture('whatsapp-text'));
      await dist.meta.ingestMessengerWebhook(db, fixture('messenger-text'));
      const holds = (needle: string): boolean => [file, `${file}-wal`].some((f) => {
        try {
          return readFileSync(f).includes(needle);
        } catch {
          return false;
        }
      });
      // The scan sees the data before the erasure, so its silence after means something.
      expect(['Mona Ali', WA_ID, PSID, 'MjAxMDAxMjM0NTY3'].map(holds)).toEqual([true, true, true, true]);
      for (const user of [await db.users.findByPhone(PHONE), await db.users.findByPsid(PSID)]) await db.users.erase(user!.id);
      for (const secret of ['Mona Ali', WA_ID, PSID, 'blue sofa', 'MjAxMDAxMjM0NTY3']) expect([secret, holds(secret)]).toEqual([secret, false]);
    } finally {
      await db.close();
    }
  });
});
