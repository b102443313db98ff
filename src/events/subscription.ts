/**
 * One subscriber of `db.events`: its filter and its bounded buffer, drained
 * one event at a time into a handler (push) or an async iterator (pull).
 *
 * @internal
 * @module
 */
import type { DomainEventType, EventFilter, EventHandler, GapEvent, LiveEvent } from './types';

export const DEFAULT_BUFFER_SIZE = 1000;

/** Reports a handler's failure (the logger). */
export type FailureReport = (message: string, error: unknown) => void;

/** A subscriber: filter, buffer, and where its events go. */
export class Subscription {
  private buffer: LiveEvent[] = [];
  private draining = false;
  private ended = false;
  private readonly types: ReadonlySet<DomainEventType> | null;
  private waiting: ((result: IteratorResult<LiveEvent>) => void) | null = null;

  constructor(
    private readonly filter: EventFilter,
    private readonly bufferSize: number,
    /** A handler (push), or `null` for an iterator that pulls with {@link next}. */
    private readonly handler: EventHandler | null,
    private readonly report: FailureReport,
  ) {
    const types = filter.types === undefined ? null : typeof filter.types === 'string' ? [filter.types] : filter.types;
    this.types = types === null ? null : new Set(types);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Takes an event if the filter wants it; never waits. On overflow the buffer becomes one `gap`. */
  offer(event: LiveEvent): void {
    if (this.ended || !this.wants(event)) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    if (this.buffer.length >= this.bufferSize) {
      // What was buffered is stale anyway: the subscriber refetches on the gap.
      this.buffer = [{ type: 'gap', reason: 'overflow' } satisfies GapEvent];
    } else {
      this.buffer.push(event);
    }
    if (this.handler && !this.draining) {
      this.draining = true;
      // Never in the writer's turn: the commit's caller goes on first.
      setImmediate(() => void this.drain());
    }
  }

  /** The next event (pull mode), waiting for one; done once ended. */
  next(): Promise<IteratorResult<LiveEvent>> {
    const event = this.buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Ends the subscription: nothing more is delivered; a waiting iterator is done. */
  end(): void {
    this.ended = true;
    this.buffer = [];
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }

  private wants(event: LiveEvent): boolean {
    if (event.type === 'gap') return true;
    if (this.types !== null && !this.types.has(event.type)) return false;
    const { conversationId, userId } = this.filter;
    if (conversationId !== undefined && (!('conversationId' in event) || event.conversationId !== conversationId)) return false;
    if (userId !== undefined && event.userId !== userId) return false;
    return true;
  }

  private async drain(): Promise<void> {
    const handler = this.handler!;
    try {
      for (let event = this.buffer.shift(); event !== undefined && !this.ended; event = this.buffer.shift()) {
        try {
          const result = handler(event);
          if (result instanceof Promise) await result;
        } catch (error) {
          this.report(`An events handler threw on a ${event.type} event; it keeps receiving events`, error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
