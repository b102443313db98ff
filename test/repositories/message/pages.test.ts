import { describe, expect, it } from 'vitest';
import { Message } from '../../../src/entities/message.entity';
import { makeUser } from '../../../src/testing';
import { useTestDatabase } from '../../support/database';
import { engines } from '../../support/engines';
import { inbound } from '../../support/messages';

describe.each(engines())('message pages on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  const at = (minutesAgo: number): Date => new Date(Date.UTC(2025, 5, 1, 12) - minutesAgo * 60_000);

  it('orders a user page by the platform sent time, so a late delivery sorts where it was sent', async () => {
    const user = await makeUser(suite.db);
    const newest = await suite.db.messages.recordInbound(inbound(user.id, { text: 'newest', sentAt: at(1) }));
    const late = await suite.db.messages.recordInbound(inbound(user.id, { text: 'delivered late', sentAt: at(30) }));
    const middle = await suite.db.messages.recordInbound(inbound(user.id, { text: 'middle', sentAt: at(10) }));
    const page = await suite.db.messages.listForUser(user.id, { limit: 10 });
    expect(page.items.map((m) => m.id)).toEqual([newest.id, middle.id, late.id]);
  });

  it('breaks ties of one sent time by id, newest id first, across cursor pages', async () => {
    const user = await makeUser(suite.db);
    const same = at(5);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await suite.db.messages.recordInbound(inbound(user.id, { text: `m${i}`, sentAt: same }))).id);
    const seen: number[] = [];
    let page = await suite.db.messages.listForConversation((await suite.db.messages.getById(ids[0]!)).conversationId, { limit: 2 });
    seen.push(...page.items.map((m) => m.id));
    while (page.nextCursor) {
      page = await suite.db.messages.listForConversation((await suite.db.messages.getById(ids[0]!)).conversationId, { limit: 2, cursor: page.nextCursor });
      seen.push(...page.items.map((m) => m.id));
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('lists messages without a sent time after the timed ones, each exactly once', async () => {
    const user = await makeUser(suite.db);
    const timed = await suite.db.messages.recordInbound(inbound(user.id, { sentAt: at(3) }));
    const untimedA = await suite.db.messages.recordInbound(inbound(user.id, { sentAt: at(2) }));
    const untimedB = await suite.db.messages.recordInbound(inbound(user.id, { sentAt: at(1) }));
    // Rows written outside the repositories (old imports, raw SQL) may lack a sent time.
    await suite.db.manager.update(Message, [untimedA.id, untimedB.id], { sentAt: null });
    const seen: number[] = [];
    let page = await suite.db.messages.listForUser(user.id, { limit: 1 });
    seen.push(...page.items.map((m) => m.id));
    while (page.nextCursor) {
      page = await suite.db.messages.listForUser(user.id, { limit: 1, cursor: page.nextCursor });
      seen.push(...page.items.map((m) => m.id));
    }
    expect(seen).toEqual([timed.id, untimedB.id, untimedA.id]);
  });

  it('walks every message exactly once while new ones are recorded', async () => {
    const user = await makeUser(suite.db);
    const before: number[] = [];
    for (let i = 0; i < 6; i++) before.push((await suite.db.messages.recordInbound(inbound(user.id, { sentAt: at(60 - i) }))).id);
    const seen: number[] = [];
    let page = await suite.db.messages.listForUser(user.id, { limit: 2 });
    seen.push(...page.items.map((m) => m.id));
    while (page.nextCursor) {
      await suite.db.messages.recordInbound(inbound(user.id, { sentAt: at(0) }));
      page = await suite.db.messages.listForUser(user.id, { limit: 2, cursor: page.nextCursor });
      seen.push(...page.items.map((m) => m.id));
    }
    expect(seen).toEqual([...before].reverse());
  });
});
