// Snippets of docs/guides/live-inbox.md (run by test/docs/live-inbox-snippets.test.ts).
import { openDatabase, type Database, type DatabaseOptions, type LiveEvent } from '@migochat/db';

export async function openWriter(url: string): Promise<Database> {
  // #region writer
  // Every process that writes (webhook receiver, AI responder, dashboard API)
  // publishes its commits; DB_EVENTS=true does the same from the environment.
  const db = await openDatabase({ url, events: true, migrate: true });
  // #endregion writer
  return db;
}

export function pushToBrowsers(db: Database, send: (conversationId: number, text: string) => void, reload: () => void): () => void {
  // #region subscribe
  const stop = db.events.subscribe({ types: ['message.recorded', 'message.status'] }, (e) => {
    if (e.type === 'message.recorded') send(e.conversationId, `${e.direction}: ${e.preview ?? `[${e.kind}]`}`);
    if (e.type === 'message.status') send(e.conversationId, `message ${e.messageId} is ${e.status}`);
    if (e.type === 'gap') reload(); // events may be missing: read the inbox again
  });
  // ... later, when the dashboard shuts down:
  // stop();
  // #endregion subscribe
  return stop;
}

export async function firstMessages(db: Database, count: number): Promise<LiveEvent[]> {
  // #region stream
  const seen: LiveEvent[] = [];
  for await (const e of db.events.stream({ types: 'message.recorded' })) {
    seen.push(e);
    if (seen.length === count) break; // ends the subscription
  }
  // #endregion stream
  return seen;
}

export async function inboxWithoutHoles(db: Database) {
  // #region ready
  // Subscribe first, wait until other processes' events arrive, then read:
  // nothing committed in between is missed.
  const live = db.events.stream({ types: ['message.recorded', 'conversation.opened', 'conversation.closed'] });
  await db.events.ready();
  const inbox = await db.conversations.inbox({ limit: 20 });
  // ...render `inbox`, then apply what `live` yields
  // #endregion ready
  await live.return?.();
  return inbox;
}

export function behindPgBouncer(): DatabaseOptions {
  // #region pgbouncer
  const options: DatabaseOptions = {
    url: 'postgres://crm:secret@pgbouncer:6432/crm', // transaction pooling: writes and pg_notify
    preparedStatements: false,
    events: true,
    eventsUrl: 'postgres://crm:secret@db:5432/crm', // the one LISTEN connection: to the server itself
  };
  // #endregion pgbouncer
  return options;
}
