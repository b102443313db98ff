// Ingestion from the BUILT package, loaded the way a service loads it: the
// dist/ CommonJS files, no TypeScript source.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureBuilt } from '../support/build';
import { engines, pgUrl } from '../support/engines';
import { fixture, fixtureBytes, PHONE } from '../support/meta-fixtures';

const load = createRequire(join(DIST, 'noop.js'));

interface Dist {
  main: typeof import('../../src/index');
  meta: typeof import('../../src/meta/index');
  testing: typeof import('../../src/testing/index');
}

let dist: Dist;

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
