/**
 * Other processes' events on PostgreSQL: one LISTEN connection of the feed's
 * own (a `pg` Client, not from the pool: LISTEN needs a session, which a
 * pooler in transaction mode does not keep), reconnected with backoff after
 * it drops, with a `gap` once it listens again.
 *
 * @internal
 * @module
 */
import type { Client, ClientConfig, Notification } from 'pg';
import { decodeEvents } from './codec';
import type { EventFeed } from './database-events';
import { EVENTS_CHANNEL } from './event-writer';
import type { FailureReport } from './subscription';
import type { LiveEvent } from './types';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5000;

export class PostgresFeed implements EventFeed {
  readonly echoesOwnEvents = true;
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private delay = FIRST_DELAY_MS;
  /** A connection was lost (or never made) since the last one listened: events may be missing. */
  private missed = false;
  private deliver: (events: readonly LiveEvent[]) => void = () => undefined;
  private listening: Promise<void>;
  private markListening: () => void = () => undefined;

  constructor(
    private readonly makeClient: (config: ClientConfig) => Client,
    private readonly config: ClientConfig,
    private readonly report: FailureReport,
  ) {
    this.listening = new Promise((resolve) => (this.markListening = resolve));
  }

  start(deliver: (events: readonly LiveEvent[]) => void): void {
    this.deliver = deliver;
    void this.connect();
  }

  /** Resolves once the first LISTEN is in place (or the feed stopped). */
  ready(): Promise<void> {
    return this.listening;
  }

  wake(): void {
    // The server delivers this process's notifications too.
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.markListening();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = this.makeClient(this.config);
    this.client = client;
    client.on('error', (error) => {
      if (client === this.client) this.report('The events listener lost its PostgreSQL connection; reconnecting', error);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    client.on('notification', (message: Notification) => {
      if (client !== this.client || message.channel !== EVENTS_CHANNEL || !message.payload) return;
      try {
        this.deliver(decodeEvents(message.payload));
      } catch (error) {
        this.report('An events notification could not be read; it is skipped', error);
        this.deliver([{ type: 'gap', reason: 'reconnect' }]);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${EVENTS_CHANNEL}"`);
    } catch (error) {
      if (client === this.client && !this.stopped) this.report('The events listener could not connect to PostgreSQL; retrying', error);
      this.lost(client);
      return;
    }
    if (client !== this.client || this.stopped) return;
    this.delay = FIRST_DELAY_MS;
    if (this.missed) this.deliver([{ type: 'gap', reason: 'reconnect' }]);
    this.missed = false;
    this.markListening();
  }

  private lost(client: Client): void {
    if (client !== this.client || this.stopped) return;
    this.client = null;
    this.missed = true;
    client.end().catch(() => undefined);
    const delay = this.delay * (0.75 + Math.random() * 0.5);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
