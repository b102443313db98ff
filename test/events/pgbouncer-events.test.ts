// Events with the writers behind PgBouncer in transaction mode: pg_notify needs no session, while the
// listener connects to the server directly through eventsUrl. Under CI=true a missing pgbouncer fails the suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedStatements } from '../../src/config';
import { openDatabase, type Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import type { LiveEvent } from '../../src/events/types';
import { pgUrl } from '../support/engines';
import { emptyDatabase } from '../support/pg-cluster';
import { canStartPgBouncer, startPgBouncer, type PgBouncer } from '../support/pgbouncer';

const CI = Boolean(process.env['CI']);

describe.runIf((pgUrl() !== '' && canStartPgBouncer()) || CI)('db.events through PgBouncer in transaction pool mode', () => {
  let bouncer: PgBouncer;
  let database: { url: string; drop: () => Promise<void> };
  let throughPooler: string;

  beforeAll(async () => {
    if (!canStartPgBouncer()) throw new Error('CI=true but /usr/sbin/pgbouncer is missing; install the Debian package pgbouncer (.ci/run does)');
    database = await emptyDatabase(pgUrl());
    bouncer = await startPgBouncer(pgUrl(), { poolMode: 'transaction', defaultPoolSize: 2 });
    throughPooler = bouncer.urlFor(new URL(database.url).pathname.slice(1));
  });

  afterAll(async () => {
    bouncer?.stop();
    await database?.drop();
  });

  it.each<PreparedStatements>([false, 'auto'])('delivers what writers behind the pooler commit (preparedStatements: %s)', async (preparedStatements) => {
    const writer: Database = await openDatabase({ url: throughPooler, migrate: true, events: true, preparedStatements });
    const dashboard: Database = await openDatabase({ url: throughPooler, preparedStatements, eventsUrl: database.url });
    try {
      const user = await writer.users.findOrCreateByPsid(`bouncer-events-${String(preparedStatements)}`);
      const seen: LiveEvent[] = [];
      let wake: () => void = () => undefined;
      const stop = dashboard.events.subscribe({ types: 'message.recorded', userId: user.id }, (e) => {
        seen.push(e);
        wake();
      });
      await dashboard.events.ready();
      await Promise.all(Array.from({ length: 10 }, (_, i) => writer.messages.recordInbound({ userId: user.id, text: `b${i}`, source: MessageSource.MESSENGER })));
      while (seen.length < 10) await new Promise<void>((resolve) => (wake = resolve));
      expect(new Set(seen.map((e) => (e.type === 'message.recorded' ? e.messageId : 0))).size).toBe(10);
      stop();
    } finally {
      await dashboard.close();
      await writer.close();
    }
  });
});
