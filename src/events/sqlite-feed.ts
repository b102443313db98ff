/**
 * Other processes' events on SQLite: a connection of the feed's own polls
 * `PRAGMA data_version` (it changes when another connection commits), then
 * reads the `events` rows after the last one seen. A commit of this process
 * wakes it at once.
 *
 * @internal
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import { ConfigError } from '../errors';
import { decodeEvents } from './codec';
import type { EventFeed } from './database-events';
import type { FailureReport } from './subscription';
import type { LiveEvent } from './types';

const ROWS_PER_READ = 500;

export class SqliteFeed implements EventFeed {
  readonly echoesOwnEvents = true;
  private connection: BetterSqlite3.Database | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastId = 0;
  private version: unknown = null;
  private deliver: (events: readonly LiveEvent[]) => void = () => undefined;
  private read: BetterSqlite3.Statement<[number, number], { id: number; payload: string }> | null = null;
  private versionOf: BetterSqlite3.Statement<[], { data_version: number }> | null = null;

  constructor(
    /** Opens the feed's own connection to the database file. */
    private readonly open: () => BetterSqlite3.Database,
    private readonly pollMs: number,
    private readonly report: FailureReport,
  ) {}

  start(deliver: (events: readonly LiveEvent[]) => void): void {
    this.deliver = deliver;
    const connection = this.open();
    this.connection = connection;
    try {
      this.versionOf = connection.prepare('PRAGMA data_version');
      this.version = this.versionOf.get()?.data_version;
      // The last id ever handed out (AUTOINCREMENT keeps it in sqlite_sequence), not the largest kept:
      // after a prune of every row the next one continues from there.
      const last = connection
        .prepare(`SELECT MAX(COALESCE((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'events'), 0), COALESCE((SELECT MAX("id") FROM "events"), 0)) AS "id"`)
        .get() as { id: number };
      this.lastId = Number(last.id);
      this.read = connection.prepare('SELECT "id", "payload" FROM "events" WHERE "id" > ? ORDER BY "id" LIMIT ?');
    } catch (cause) {
      connection.close();
      this.connection = null;
      throw new ConfigError('events', 'the SQLite database has no events table: run the migrations (migrate: true or migochat-db migrate)', { cause });
    }
    this.timer = setInterval(() => this.poll(false), this.pollMs);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  wake(): void {
    this.poll(true);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const connection = this.connection;
    this.connection = null;
    this.read = null;
    this.versionOf = null;
    connection?.close();
  }

  private poll(force: boolean): void {
    if (!this.connection || !this.read || !this.versionOf) return;
    try {
      const version = this.versionOf.get()?.data_version;
      if (!force && version === this.version) return;
      this.version = version;
      for (;;) {
        const rows = this.read.all(this.lastId, ROWS_PER_READ);
        for (const row of rows) {
          const id = Number(row.id);
          // Ids are handed out in commit order without holes; a hole means rows were pruned unread.
          const events: LiveEvent[] = id !== this.lastId + 1 ? [{ type: 'gap', reason: 'pruned' }] : [];
          this.lastId = id;
          events.push(...decodeEvents(row.payload));
          this.deliver(events);
        }
        if (rows.length < ROWS_PER_READ) break;
      }
    } catch (error) {
      this.report('Reading the events table failed; retrying at the next poll', error);
    }
  }
}
