// Subscribing: filters and buffer sizes are checked, and a full buffer becomes one gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { ConfigError } from '../../src/errors';
import type { DomainEventType } from '../../src/events/types';
import { Subscription } from '../../src/events/subscription';
import { openTestDb } from '../support/engines';

describe('db.events.subscribe checks', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDb('sqlite');
  });
  afterAll(async () => {
    await db.close();
  });

  it('refuses an unknown event type, naming it and the allowed ones', () => {
    const error = (() => {
      try {
        db.events.subscribe({ types: ['message.recorded', 'message.deleted' as DomainEventType] }, () => undefined);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('filter.types');
    expect((error as Error).message).toContain('"message.deleted"');
    expect((error as Error).message).toContain('lead.stageChanged');
    expect(db.events.subscriberCount).toBe(0);
  });

  it('refuses a conversationId, userId or bufferSize that is not a whole number >= 1', () => {
    expect(() => db.events.subscribe({ conversationId: 0 }, () => undefined)).toThrow(ConfigError);
    expect(() => db.events.subscribe({ userId: 1.5 }, () => undefined)).toThrow(ConfigError);
    expect(() => db.events.stream({}, { bufferSize: 0 })).toThrow(ConfigError);
    expect(() => db.events.subscribe({}, 'not a function' as never)).toThrow(ConfigError);
    expect(db.events.subscriberCount).toBe(0);
  });
});

describe('a subscription\'s buffer', () => {
  it('holds up to its size, then drops what it held (and the event that did not fit) for one overflow gap, and goes on', async () => {
    const sub = new Subscription({}, 3, null, () => undefined);
    for (let i = 1; i <= 5; i++) sub.offer({ type: 'lead.stageChanged', userId: i, from: 'new' as never, to: 'hot' as never });
    const got = [];
    for (let i = 0; i < 2; i++) got.push((await sub.next()).value);
    expect(got).toEqual([
      { type: 'gap', reason: 'overflow' },
      { type: 'lead.stageChanged', userId: 5, from: 'new', to: 'hot' },
    ]);
    sub.end();
    expect(await sub.next()).toEqual({ value: undefined, done: true });
  });
});
