// The Meta webhook ingest writes through the repositories inside one transaction: its changes come out as events after it commits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import type { LiveEvent } from '../../src/events/types';
import { ingestMessengerWebhook, ingestWhatsAppWebhook } from '../../src/meta/index';
import { engines, openTestDb } from '../support/engines';

const body = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'meta', `${name}.json`), 'utf8'));

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe.each(engines())('events of the webhook ingest on %s', (engine) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  it('publishes the conversation and message of a WhatsApp text, and nothing for its redelivery', async () => {
    db = await openTestDb(engine);
    const seen: LiveEvent[] = [];
    const stop = db.events.subscribe({}, (e) => void seen.push(e));
    await db.events.ready();
    await ingestWhatsAppWebhook(db, body('whatsapp-text'));
    await ingestWhatsAppWebhook(db, body('whatsapp-text'));
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await settle();
    expect(seen.map((e) => e.type)).toEqual(['conversation.opened', 'message.recorded']);
    expect(seen[1]).toMatchObject({ source: MessageSource.WHATSAPP, direction: 'inbound' });
    stop();
  });

  it('publishes a status for each message a Messenger read watermark moves', async () => {
    db = await openTestDb(engine);
    // The read fixture's customer, with two replies sent before its watermark.
    const raw = body('messenger-read') as { entry: Array<{ messaging: Array<{ sender: { id: string }; read: { watermark: number } }> }> };
    const event = raw.entry[0]!.messaging[0]!;
    const user = await db.users.findOrCreateByPsid(event.sender.id);
    const sentAt = new Date(event.read.watermark - 60_000);
    const replies = [];
    for (const text of ['one', 'two']) replies.push(await db.messages.recordOutbound({ userId: user.id, text, source: MessageSource.MESSENGER, sentAt }));
    const seen: LiveEvent[] = [];
    const stop = db.events.subscribe({ types: 'message.status' }, (e) => void seen.push(e));
    await db.events.ready();
    await ingestMessengerWebhook(db, raw);
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toMatchObject(replies.map((r) => ({ type: 'message.status', messageId: r.id, status: 'read' })));
    stop();
  });
});
