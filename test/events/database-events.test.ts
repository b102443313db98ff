// db.events in one process: events only after commit, in commit order, none from rolled-back work.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/database';
import { LeadStage, MessageDirection, MessageSource, MessageStatus } from '../../src/enums';
import type { LiveEvent } from '../../src/events/types';
import { engines, openTestDb, type EngineName } from '../support/engines';

class RollBack extends Error {}

/** Collects what a subscription receives; `until(n)` waits for n events. */
function collect(db: Database, filter: Parameters<Database['events']['subscribe']>[0] = {}, options?: { bufferSize?: number }) {
  const seen: LiveEvent[] = [];
  let wake: () => void = () => undefined;
  const stop = db.events.subscribe(
    filter,
    (e) => {
      seen.push(e);
      wake();
    },
    options,
  );
  const until = async (n: number) => {
    while (seen.length < n) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { seen, stop, until };
}

// Each engine, and on SQLite both an in-memory database (direct delivery) and a file with `events: true` (through the table).
const setups: Array<[string, EngineName, boolean]> = engines().flatMap((engine): Array<[string, EngineName, boolean]> =>
  engine === 'sqlite' ? [['sqlite in memory', 'sqlite', false], ['sqlite file, events on', 'sqlite', true]] : [['postgres, events off', 'postgres', false], ['postgres, events on', 'postgres', true]],
);

describe.each(setups)('db.events on %s', (_name, engine, events) => {
  let db: Database;
  let dir: string | null = null;
  const open = async () => {
    dir = engine === 'sqlite' && events ? mkdtempSync(join(tmpdir(), 'migochat-events-')) : null;
    db = await openTestDb(engine, { ...(dir ? { sqliteFile: join(dir, 'db.sqlite') } : {}), options: { events } });
    return db;
  };
  afterEach(async () => {
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers recorded messages and the opened conversation after commit, in order', async () => {
    await open();
    const user = await db.users.findOrCreateByPsid(`ev-${engine}-1`);
    const live = collect(db);
    await db.events.ready();
    const first = await db.messages.recordInbound({ userId: user.id, text: 'Hello there', source: MessageSource.MESSENGER, facebookMessageId: 'm-ev-1' });
    const second = await db.messages.recordOutbound({ userId: user.id, text: 'Hi! How can we help?', source: MessageSource.MESSENGER, facebookMessageId: 'm-ev-2' });
    await db.messages.recordInbound({ userId: user.id, text: 'Hello there', source: MessageSource.MESSENGER, facebookMessageId: 'm-ev-1' }); // redelivery: no event
    await live.until(3);
    expect(live.seen.map((e) => e.type)).toEqual(['conversation.opened', 'message.recorded', 'message.recorded']);
    expect(live.seen[0]).toMatchObject({ conversationId: first.conversationId, userId: user.id, source: MessageSource.MESSENGER });
    expect(live.seen[1]).toMatchObject({ messageId: first.id, conversationId: first.conversationId, direction: MessageDirection.INBOUND, preview: 'Hello there' });
    expect(live.seen[2]).toMatchObject({ messageId: second.id, direction: MessageDirection.OUTBOUND });
    const recorded = live.seen[1];
    expect(recorded?.type === 'message.recorded' && recorded.sentAt instanceof Date).toBe(true);
    live.stop();
  });

  it('delivers nothing from a transaction that rolls back, and everything of one that commits', async () => {
    await open();
    const user = await db.users.findOrCreateByPsid(`ev-${engine}-2`);
    const live = collect(db);
    await db.events.ready();
    await db
      .transaction(async (tx) => {
        await tx.messages.recordInbound({ userId: user.id, text: 'lost', source: MessageSource.WHATSAPP });
        await tx.users.changeLeadStage(user.id, LeadStage.HOT);
        throw new RollBack('no');
      })
      .catch(() => undefined);
    await db.transaction(async (tx) => {
      await tx.messages.recordInbound({ userId: user.id, text: 'kept', source: MessageSource.WHATSAPP });
      await tx.users.changeLeadStage(user.id, LeadStage.QUALIFIED);
    });
    await live.until(3);
    expect(live.seen.map((e) => e.type)).toEqual(['conversation.opened', 'message.recorded', 'lead.stageChanged']);
    expect(live.seen[1]).toMatchObject({ preview: 'kept' });
    expect(live.seen[2]).toEqual({ type: 'lead.stageChanged', userId: user.id, from: LeadStage.NEW, to: LeadStage.QUALIFIED });
    live.stop();
  });

  it('delivers status changes of receipts and watermarks, and conversation closes', async () => {
    await open();
    const user = await db.users.findOrCreateByPsid(`ev-${engine}-3`);
    const a = await db.messages.recordOutbound({ userId: user.id, text: 'a', source: MessageSource.MESSENGER, facebookMessageId: 'm-ev-a', sentAt: new Date(Date.now() - 2000) });
    const b = await db.messages.recordOutbound({ userId: user.id, text: 'b', source: MessageSource.MESSENGER, facebookMessageId: 'm-ev-b', sentAt: new Date(Date.now() - 1000) });
    const live = collect(db, { types: ['message.status', 'conversation.closed'] });
    await db.events.ready();
    await db.messages.updateStatus('m-ev-a', MessageStatus.DELIVERED);
    await db.messages.updateStatus('m-ev-a', MessageStatus.DELIVERED); // unchanged: no event
    await db.messages.markReadUpTo(user.id, new Date(), MessageSource.MESSENGER);
    await db.conversations.close(a.conversationId);
    await db.conversations.close(a.conversationId); // already closed: no event
    await live.until(4);
    expect(live.seen).toEqual([
      { type: 'message.status', messageId: a.id, conversationId: a.conversationId, userId: user.id, status: MessageStatus.DELIVERED },
      { type: 'message.status', messageId: a.id, conversationId: a.conversationId, userId: user.id, status: MessageStatus.READ },
      { type: 'message.status', messageId: b.id, conversationId: b.conversationId, userId: user.id, status: MessageStatus.READ },
      { type: 'conversation.closed', conversationId: a.conversationId, userId: user.id, source: MessageSource.MESSENGER },
    ]);
    live.stop();
  });

  it('delivers an opening by getOrOpen and the closes of closeIdle, once each', async () => {
    await open();
    const u1 = await db.users.findOrCreateByPsid(`ev-${engine}-idle1`);
    const u2 = await db.users.findOrCreateByPsid(`ev-${engine}-idle2`);
    const live = collect(db, { types: ['conversation.opened', 'conversation.closed'] });
    await db.events.ready();
    const c1 = await db.conversations.getOrOpen(u1.id, MessageSource.MESSENGER);
    await db.conversations.getOrOpen(u1.id, MessageSource.MESSENGER); // already open: no event
    const c2 = await db.conversations.getOrOpen(u2.id, MessageSource.WHATSAPP);
    expect(await db.conversations.closeIdle(new Date(Date.now() + 60_000))).toBe(2);
    await live.until(4);
    expect(live.seen).toEqual([
      { type: 'conversation.opened', conversationId: c1.id, userId: u1.id, source: MessageSource.MESSENGER },
      { type: 'conversation.opened', conversationId: c2.id, userId: u2.id, source: MessageSource.WHATSAPP },
      { type: 'conversation.closed', conversationId: c1.id, userId: u1.id, source: MessageSource.MESSENGER },
      { type: 'conversation.closed', conversationId: c2.id, userId: u2.id, source: MessageSource.WHATSAPP },
    ]);
    live.stop();
  });

  it('filters by type, conversation and user', async () => {
    await open();
    const u1 = await db.users.findOrCreateByPsid(`ev-${engine}-f1`);
    const u2 = await db.users.findOrCreateByPsid(`ev-${engine}-f2`);
    const c1 = await db.conversations.getOrOpen(u1.id, MessageSource.MESSENGER);
    const byConversation = collect(db, { types: 'message.recorded', conversationId: c1.id });
    const byUser = collect(db, { userId: u2.id });
    await db.events.ready();
    await db.messages.recordInbound({ userId: u2.id, text: 'two', source: MessageSource.MESSENGER });
    await db.messages.recordInbound({ userId: u1.id, text: 'one', source: MessageSource.MESSENGER });
    await byConversation.until(1);
    await byUser.until(2);
    expect(byConversation.seen).toMatchObject([{ type: 'message.recorded', preview: 'one' }]);
    expect(byUser.seen.map((e) => e.type)).toEqual(['conversation.opened', 'message.recorded']);
    byConversation.stop();
    byUser.stop();
  });

  it('batches the events of recordInboundBatch in input order', async () => {
    await open();
    const users = await Promise.all([1, 2, 3].map((i) => db.users.findOrCreateByPsid(`ev-${engine}-b${i}`)));
    const live = collect(db, { types: 'message.recorded' });
    await db.events.ready();
    const inputs = Array.from({ length: 60 }, (_, i) => ({ userId: users[i % 3]!.id, text: `batch ${i} ${'x'.repeat(300)}`, source: MessageSource.MESSENGER, facebookMessageId: `m-ev-batch-${i}` }));
    const results = await db.messages.recordInboundBatch(inputs);
    await live.until(60);
    expect(live.seen.map((e) => (e.type === 'message.recorded' ? e.messageId : 0))).toEqual(results.map((r) => r.message.id));
    live.stop();
  });

  it('keeps delivering after a handler throws', async () => {
    await open();
    const user = await db.users.findOrCreateByPsid(`ev-${engine}-t`);
    let calls = 0;
    const log = vi.spyOn(db.dataSource.logger, 'log').mockImplementation(() => undefined);
    const stop = db.events.subscribe({ types: 'message.recorded' }, () => {
      calls++;
      throw new Error('handler bug');
    });
    const live = collect(db, { types: 'message.recorded' });
    await db.events.ready();
    await db.messages.recordInbound({ userId: user.id, text: '1', source: MessageSource.MESSENGER });
    await db.messages.recordInbound({ userId: user.id, text: '2', source: MessageSource.MESSENGER });
    await live.until(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    expect(log).toHaveBeenCalledWith('warn', expect.stringContaining('An events handler threw on a message.recorded event'));
    expect(log).toHaveBeenCalledWith('warn', expect.stringContaining('handler bug'));
    log.mockRestore();
    stop();
    live.stop();
  });

  it('gives a slow subscriber a gap instead of slowing writers or other subscribers', async () => {
    await open();
    const user = await db.users.findOrCreateByPsid(`ev-${engine}-slow`);
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const slow: LiveEvent[] = [];
    const stopSlow = db.events.subscribe({ types: 'message.recorded' }, async (e) => {
      slow.push(e);
      await blocked;
    }, { bufferSize: 5 });
    const fast = collect(db, { types: 'message.recorded' });
    await db.events.ready();
    for (let i = 0; i < 30; i++) await db.messages.recordInbound({ userId: user.id, text: `m${i}`, source: MessageSource.MESSENGER });
    await fast.until(30);
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fast.seen).toHaveLength(30);
    expect(slow.some((e) => e.type === 'gap' && e.reason === 'overflow')).toBe(true);
    expect(slow.length).toBeLessThan(30);
    stopSlow();
    fast.stop();
  });

  it('ends a stream on break and on close, and stops delivering after unsubscribe', async () => {
    await open();
    const user = await db.users.findOrCreateByPsid(`ev-${engine}-s`);
    const stream = db.events.stream({ types: 'message.recorded' });
    await db.events.ready();
    await db.messages.recordInbound({ userId: user.id, text: 'one', source: MessageSource.MESSENGER });
    for await (const e of stream) {
      expect(e).toMatchObject({ type: 'message.recorded', preview: 'one' });
      break;
    }
    expect(db.events.subscriberCount).toBe(0);
    const late = collect(db);
    late.stop();
    await db.messages.recordInbound({ userId: user.id, text: 'two', source: MessageSource.MESSENGER });
    const open2 = db.events.stream();
    const next = open2.next();
    await db.close();
    expect(await next).toEqual({ value: undefined, done: true });
    expect(late.seen).toEqual([]);
  });
});
