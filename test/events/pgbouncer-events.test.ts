// Events with the writers behind PgBouncer in transaction mode: pg_notify needs no session, while the
// listener connects to the server directly through eventsUrl. Under CI=true a missing pgbouncer fails the suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedStatements } from '../../src/config';
import { openDatabase, type Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import type { LiveEvent } from '../../src/events/types';
import { pgUrl } from '../support/engines';
import { canStartPgBouncer, useTransactionPooler } from '../support/pgbouncer';

const CI = Boolean(process.env['CI']);

describe.runIf((pgUrl() !== '' && canStartPgBouncer()) || CI)('db.events through PgBouncer in transaction pool mode', () => {
  const pooler = useTransactionPooler(pgUrl, { beforeAll, afterAll });

  it.each<PreparedStatements>([false, 'auto'])('delivers what writers behind the pooler commit (preparedStatements: %s)', async (preparedStatements) => {
    const writer: Database = await openDatabase({ url: pooler.throughPooler, migrate: true, events: true, preparedStatements });
    const dashboard: Database = await openDatabase({ url: pooler.throughPooler, preparedStatements, eventsUrl: pooler.database.url });
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
