// The snippets of docs/guides/live-inbox.md, run on both engines (as test/docs/guide-snippets.test.ts runs the others).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { resolveDatabaseOptions } from '../../src/config';
import { MessageSource, MessageStatus } from '../../src/index';
import type { Database } from '../../src/database';
import { behindPgBouncer, firstMessages, inboxWithoutHoles, openWriter, pushToBrowsers } from '../../docs/guides/snippets/live-inbox';
import { engines, openTestDb } from '../support/engines';

vi.mock('@migochat/db', () => vi.importActual('../../src/index'));

const scratch = mkdtempSync(join(tmpdir(), 'migochat-live-guide-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(engines())('the live inbox guide\'s snippets on %s', (engine) => {
  const open = (name: string): Promise<Database> => openTestDb(engine, { sqliteFile: join(scratch, `${engine}-${name}.db`), options: { events: true } });

  it('a second writer\'s messages and statuses reach the dashboard\'s subscription', async () => {
    const dashboard = await open('push');
    const writer = await openWriter(dashboard.options.url);
    try {
      const sent: string[] = [];
      const reload = vi.fn();
      const stop = pushToBrowsers(dashboard, (id, text) => sent.push(`${id} ${text}`), reload);
      await dashboard.events.ready();
      const user = await writer.users.findOrCreateByPsid('guide-live');
      const reply = await writer.messages.recordOutbound({ userId: user.id, text: 'Hello!', source: MessageSource.MESSENGER, facebookMessageId: 'm-guide-1' });
      await writer.messages.updateStatus('m-guide-1', MessageStatus.DELIVERED);
      for (let i = 0; i < 400 && sent.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(sent).toEqual([`${reply.conversationId} outbound: Hello!`, `${reply.conversationId} message ${reply.id} is delivered`]);
      expect(reload).not.toHaveBeenCalled();
      stop();
    } finally {
      await writer.close();
      await dashboard.close();
    }
  });

  it('the stream ends after the messages it waited for, and the inbox is read after ready()', async () => {
    const db = await open('stream');
    try {
      const user = await db.users.findOrCreateByPsid('guide-stream');
      const first = firstMessages(db, 2);
      await db.events.ready();
      await db.messages.recordInbound({ userId: user.id, text: 'one', source: MessageSource.WHATSAPP });
      await db.messages.recordInbound({ userId: user.id, text: 'two', source: MessageSource.WHATSAPP });
      expect((await first).map((e) => (e.type === 'message.recorded' ? e.preview : e.type))).toEqual(['one', 'two']);
      expect(db.events.subscriberCount).toBe(0);
      expect((await inboxWithoutHoles(db)).items.map((c) => c.userId)).toEqual([user.id]);
      expect(db.events.subscriberCount).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('the PgBouncer options are valid', () => {
    expect(resolveDatabaseOptions(behindPgBouncer()).eventsUrl).toBe('postgres://crm:secret@db:5432/crm');
  });
});
