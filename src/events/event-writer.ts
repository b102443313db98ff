/**
 * The statements that make a unit of work's events visible to other
 * processes, run inside its transaction: on SQLite one `INSERT` into the
 * append-only `events` table (and now and then a `DELETE` of rows older than
 * the retention), on PostgreSQL `pg_notify` (delivered by the server only on
 * commit, in commit order).
 *
 * @internal
 * @module
 */
import type { Dialect } from '../dialect/index';
import type { PlannedStatement } from '../repositories/sql/plan';
import { statement } from '../repositories/sql/statements';
import { encodeChunks, encodeEvents } from './codec';
import type { DomainEvent } from './types';

/** The PostgreSQL channel of the events. */
export const EVENTS_CHANNEL = 'migochat_events';

/** How often (at most) a writer prunes old rows of the SQLite `events` table. */
const PRUNE_EVERY_MS = 60_000;

/** Notifications per statement (each up to 7000 bytes). */
const NOTIFIES_PER_STATEMENT = 50;

/** Writes the events of units of work, for one database. */
export class EventWriter {
  private prunedAt = 0;

  constructor(
    private readonly dialect: Dialect,
    /** SQLite: how long rows of the `events` table are kept. */
    private readonly retentionMs: number,
  ) {}

  /** The statements that publish `events` in the current transaction. */
  statements(events: readonly DomainEvent[]): PlannedStatement[] {
    const dialect = this.dialect;
    if (dialect.engine === 'postgres') {
      const out: PlannedStatement[] = [];
      const payloads = encodeChunks(events);
      for (let i = 0; i < payloads.length; i += NOTIFIES_PER_STATEMENT) {
        const part = payloads.slice(i, i + NOTIFIES_PER_STATEMENT);
        // Evaluated left to right: the notifications are queued in this order.
        const sql = statement(dialect, `events:notify:${part.length}`, () => `SELECT ${part.map(() => 'pg_notify(CAST(? AS text), CAST(? AS text))').join(', ')}`);
        out.push({ sql, parameters: part.flatMap((payload) => [EVENTS_CHANNEL, payload]) });
      }
      return out;
    }
    const out: PlannedStatement[] = [];
    const now = Date.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      const prune = statement(dialect, 'events:prune', () => `DELETE FROM "events" WHERE "created_at" < ${dialect.timestampPlaceholder}`);
      out.push({ sql: prune, parameters: [dialect.dateParam(new Date(now - this.retentionMs))] });
    }
    const insert = statement(dialect, 'events:insert', () => `INSERT INTO "events" ("created_at", "payload") VALUES (${dialect.now}, ?)`);
    out.push({ sql: insert, parameters: [encodeEvents(events)] });
    return out;
  }
}
