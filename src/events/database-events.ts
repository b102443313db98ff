/**
 * `db.events`: subscribe to the changes committed by this process and, with
 * `events: true` on the writers, by every process on the same database.
 *
 * @module
 */
import { ConfigError, DatabaseClosedError } from '../errors';
import { DEFAULT_BUFFER_SIZE, Subscription, type FailureReport } from './subscription';
import { DOMAIN_EVENT_TYPES, type DomainEvent, type EventFilter, type EventHandler, type LiveEvent, type SubscribeOptions, type Unsubscribe } from './types';

/**
 * Where events of other processes come from: the SQLite `events` table or
 * PostgreSQL's LISTEN. Started at the first subscriber, stopped after the last.
 * @internal
 */
export interface EventFeed {
  /** Starts reading; events and gaps go to `deliver`. */
  start(deliver: (events: readonly LiveEvent[]) => void): void;
  /** Stops reading and closes its connection. */
  stop(): Promise<void>;
  /** This process committed events to the shared medium: read them now (SQLite). */
  wake(): void;
  /** Resolves once the feed reads (PostgreSQL: the first LISTEN is in place). */
  ready(): Promise<void>;
  /** Whether this process's own committed events come back through the feed (then they are not delivered directly). */
  readonly echoesOwnEvents: boolean;
}

/** How {@link DatabaseEvents} is wired to its database. @internal */
export interface DatabaseEventsSetup {
  /** Whether units of work write their events to the shared medium (the `events` option, where there is a medium). */
  writes: boolean;
  /** Makes the feed of other processes' events, or `null` where there is none (SQLite in memory). */
  feed: (() => EventFeed) | null;
  report: FailureReport;
}

/**
 * The live events of a {@link Database}: `db.events`. Events are delivered
 * only after their transaction commits (never for rolled-back work), in
 * commit order per conversation, at most once; a `gap` says some may have been
 * missed. Without `events: true` on the writing processes only this process's
 * own commits are seen.
 *
 * @example
 * ```ts
 * const stop = db.events.subscribe({ types: ['message.recorded'] }, (e) => {
 *   if (e.type === 'message.recorded') console.log(`#${e.conversationId}: ${e.preview ?? ''}`);
 *   if (e.type === 'gap') void reloadInbox();
 * });
 * // ...
 * stop();
 * ```
 */
export class DatabaseEvents {
  private readonly subscriptions = new Set<Subscription>();
  private feed: EventFeed | null = null;
  private closed = false;

  /** @internal Reached as `db.events`. */
  constructor(private readonly setup: DatabaseEventsSetup) {}

  /** Whether a unit of work must collect its events: they are written, or someone here listens. @internal */
  get wanted(): boolean {
    return this.setup.writes || this.subscriptions.size > 0;
  }

  /** Whether committed events are written where other processes read them. @internal */
  get writes(): boolean {
    return this.setup.writes;
  }

  /** How many subscriptions are open. @example `db.events.subscriberCount // 0` */
  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /**
   * Calls `handler` with every committed event the filter wants (and every
   * `gap`), one at a time and in order: the next waits for a promise the
   * handler returns. Never slows a writer: up to `bufferSize` events (default
   * 1000) wait for a slow handler; past that they are dropped and the handler
   * gets a `gap` (refetch). A handler that throws is logged and keeps
   * receiving. The first subscription starts reading other processes' events
   * (a PostgreSQL LISTEN connection of its own, or the SQLite poller); the
   * last unsubscribe, or `db.close()`, stops it.
   *
   * @returns A function that stops the subscription.
   * @throws {@link ConfigError} for a filter or buffer size that is not allowed.
   * @throws {@link DatabaseClosedError} after `db.close()`.
   * @example
   * ```ts
   * const stop = db.events.subscribe({ types: ['message.recorded', 'message.status'], conversationId: 42 }, (e) => {
   *   socket.send(JSON.stringify(e));
   * });
   * ```
   */
  subscribe(filter: EventFilter, handler: EventHandler, options: SubscribeOptions = {}): Unsubscribe {
    if (typeof handler !== 'function') throw new ConfigError('handler', 'must be a function');
    const subscription = this.open(filter, options, handler);
    return () => this.remove(subscription);
  }

  /**
   * The events the filter wants (and every `gap`) as an async iterator, for
   * `for await`. Buffered as {@link subscribe}; ends when the loop breaks or
   * the database closes.
   *
   * @throws {@link ConfigError} for a filter or buffer size that is not allowed.
   * @example
   * ```ts
   * for await (const e of db.events.stream({ types: 'message.recorded' })) {
   *   if (e.type === 'message.recorded') console.log(e.preview);
   * }
   * ```
   */
  stream(filter: EventFilter = {}, options: SubscribeOptions = {}): AsyncIterableIterator<LiveEvent> {
    const subscription = this.open(filter, options, null);
    const done = (): Promise<IteratorResult<LiveEvent>> => {
      this.remove(subscription);
      return Promise.resolve({ value: undefined, done: true });
    };
    const iterator: AsyncIterableIterator<LiveEvent> = {
      next: () => subscription.next(),
      return: done,
      throw: (error: unknown) => {
        this.remove(subscription);
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Resolves once events of other processes reach the subscriptions made so
   * far: on PostgreSQL when the listener's first `LISTEN` is in place (it
   * connects in the background; until then their commits are not seen). For
   * a view without holes: subscribe, `await db.events.ready()`, then read the
   * initial state, then apply the events.
   *
   * @example
   * ```ts
   * const live = db.events.stream({ types: 'message.recorded' });
   * await db.events.ready();
   * const first = await db.conversations.inbox({ limit: 20 });
   * ```
   */
  ready(): Promise<void> {
    return this.feed ? this.feed.ready() : Promise.resolve();
  }

  /** The events of a unit of work that committed. @internal */
  committed(events: readonly DomainEvent[], written: boolean): void {
    if (events.length === 0 || this.subscriptions.size === 0) return;
    const feed = this.feed;
    if (written && feed?.echoesOwnEvents) feed.wake();
    else this.deliver(events);
  }

  /**
   * The database was replaced by a restore: the feed starts again on the
   * restored database (on SQLite its own connection still reads the replaced
   * file) and every subscriber gets a `gap` (`restored`). @internal
   */
  async restored(): Promise<void> {
    if (this.subscriptions.size === 0) return;
    if (this.feed) {
      await this.stopFeed();
      if (this.subscriptions.size > 0) this.startFeed();
    }
    this.deliver([{ type: 'gap', reason: 'restored' }]);
  }

  /** Ends every subscription and stops the feed. @internal */
  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.end();
    this.subscriptions.clear();
    await this.stopFeed();
  }

  private open(filter: EventFilter, options: SubscribeOptions, handler: EventHandler | null): Subscription {
    if (this.closed) throw new DatabaseClosedError('The database is closed; open a new one with openDatabase()');
    checkFilter(filter);
    const size = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new ConfigError('bufferSize', `${String(size)} is not allowed; expected a whole number >= 1`);
    const subscription = new Subscription(filter, size, handler, this.setup.report);
    this.subscriptions.add(subscription);
    if (this.feed === null) {
      try {
        this.startFeed();
      } catch (error) {
        this.subscriptions.delete(subscription);
        throw error;
      }
    }
    return subscription;
  }

  /** Starts the feed of other processes' events, where there is one. */
  private startFeed(): void {
    if (!this.setup.feed) return;
    const feed = this.setup.feed();
    this.feed = feed;
    try {
      feed.start((events) => this.deliver(events));
    } catch (error) {
      this.feed = null;
      void feed.stop();
      throw error;
    }
  }

  private remove(subscription: Subscription): void {
    subscription.end();
    if (!this.subscriptions.delete(subscription)) return;
    if (this.subscriptions.size === 0) void this.stopFeed();
  }

  private async stopFeed(): Promise<void> {
    const feed = this.feed;
    this.feed = null;
    if (feed) await feed.stop();
  }

  private deliver(events: readonly LiveEvent[]): void {
    for (const event of events) for (const subscription of this.subscriptions) subscription.offer(event);
  }
}

function checkFilter(filter: EventFilter): void {
  if (typeof filter !== 'object' || filter === null) throw new ConfigError('filter', 'expected an object such as { types: [...] } or {}');
  const types = filter.types === undefined ? [] : typeof filter.types === 'string' ? [filter.types] : filter.types;
  if (!Array.isArray(types) && typeof filter.types !== 'string') throw new ConfigError('filter.types', 'expected an event type or a list of them');
  for (const type of types) {
    if (!DOMAIN_EVENT_TYPES.includes(type)) throw new ConfigError('filter.types', `"${String(type)}" is not an event type; allowed: ${DOMAIN_EVENT_TYPES.join(', ')}`);
  }
  for (const key of ['conversationId', 'userId'] as const) {
    const value = filter[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ConfigError(`filter.${key}`, `${String(value)} is not allowed; expected a whole number >= 1`);
  }
}
