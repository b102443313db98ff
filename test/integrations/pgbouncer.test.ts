// The PostgreSQL hot paths through a real PgBouncer (1.18, Debian's) in
// TRANSACTION pool mode, with fewer server connections than clients, so that
// consecutive transactions of one client land on different server
// connections: anything that relied on session state (SET, advisory locks,
// temp tables, prepared statements) would break here. Under CI=true a
// missing pgbouncer binary fails the suite instead of skipping it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { PreparedStatements } from '../../src/config';
import { openDatabase, type Database } from '../../src/database';
import { LeadStage, MessageSource, MessageStatus } from '../../src/enums';
import { isMigochatDbError } from '../../src/errors';
import { runCli, useCliCopy } from '../cli/run-cli';
import { pgUrl } from '../support/engines';
import { canStartPgBouncer, startPgBouncer, useTransactionPooler } from '../support/pgbouncer';

const CI = Boolean(process.env['CI']);

/** Runs on the server directly (not through the pooler). */
async function onServer<T = Record<string, unknown>>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.runIf((pgUrl() !== '' && canStartPgBouncer()) || CI)('PostgreSQL through PgBouncer in transaction pool mode', () => {
  const pooler = useTransactionPooler(pgUrl, { beforeAll, afterAll });

  describe.each<PreparedStatements>([false, 'auto'])('with preparedStatements: %s', (preparedStatements) => {
    let db: Database;
    const tag = String(preparedStatements);

    beforeAll(async () => {
      db = await openDatabase({ url: pooler.throughPooler, migrate: true, poolSize: 10, preparedStatements });
    });

    afterAll(async () => {
      await db?.close();
    });

    it('opens and migrates the database through the pooler', async () => {
      expect(await db.pendingMigrations()).toEqual([]);
      const tables = await onServer<{ name: string }>(pooler.database.url, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'");
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'messages', 'conversations', 'migrations']));
    });

    it('lets concurrent find-or-create calls of one psid end with one user', async () => {
      const psid = `bouncer-${tag}-race`;
      const users = await Promise.all(Array.from({ length: 20 }, () => db.users.findOrCreateByPsid(psid, { firstName: 'Race' })));
      expect(new Set(users.map((u) => u.id)).size).toBe(1);
      const rows = await onServer(pooler.database.url, 'SELECT id FROM users WHERE psid = $1', [psid]);
      expect(rows).toHaveLength(1);
      expect((await db.users.findByPsid(psid))?.id).toBe(users[0]!.id);
      expect((await db.users.findById(users[0]!.id))?.psid).toBe(psid);
    });

    it('finds users by phone through the pooler', async () => {
      const user = await db.users.findOrCreateByPhone(tag === 'false' ? '+201000000001' : '+201000000002');
      expect((await db.users.findByPhone(user.phoneNumber!))?.id).toBe(user.id);
    });

    it('records 120 concurrent inbound messages (pool of 10) with every counter right', async () => {
      const users = await Promise.all(Array.from({ length: 12 }, (_, i) => db.users.findOrCreateByPsid(`bouncer-${tag}-writer-${i}`)));
      const inputs = Array.from({ length: 120 }, (_, i) => ({
        userId: users[i % users.length]!.id,
        source: MessageSource.MESSENGER,
        text: `hello ${i}`,
        facebookMessageId: `m_${tag}_${i}`,
      }));
      // Every tenth webhook is delivered twice, concurrently: recorded once.
      const redelivered = inputs.filter((_, i) => i % 10 === 0);
      const recorded = await Promise.all([...inputs, ...redelivered].map((input) => db.messages.recordInbound(input)));
      expect(new Set(recorded.map((m) => m.id)).size).toBe(120);
      const counts = await onServer<{ user_id: number; n: string; message_count: number }>(
        pooler.database.url,
        `SELECT c.user_id, COUNT(m.id) AS n, c.message_count FROM conversations c JOIN messages m ON m.conversation_id = c.id
         WHERE c.user_id = ANY($1) GROUP BY c.id`,
        [users.map((u) => u.id)],
      );
      expect(counts).toHaveLength(12);
      for (const row of counts) expect([Number(row.n), row.message_count]).toEqual([10, 10]);
    });

    it('records a batch, skipping the platform ids already recorded', async () => {
      const user = await db.users.findOrCreateByPsid(`bouncer-${tag}-batch`);
      const inputs = Array.from({ length: 30 }, (_, i) => ({
        userId: user.id,
        source: i % 2 === 0 ? MessageSource.MESSENGER : MessageSource.WHATSAPP,
        text: `batch ${i}`,
        ...(i % 2 === 0 ? { facebookMessageId: `b_${tag}_${i}` } : { whatsappMessageId: `w_${tag}_${i}` }),
      }));
      const first = await db.messages.recordInboundBatch(inputs.slice(0, 20));
      const second = await db.messages.recordInboundBatch(inputs);
      expect(first.every((r) => r.created)).toBe(true);
      expect(second.filter((r) => r.created)).toHaveLength(10);
      expect(second.slice(0, 20).map((r) => r.message.id)).toEqual(first.map((r) => r.message.id));
      const byChannel = await db.conversations.listForUser(user.id);
      expect(byChannel.items.map((c) => c.messageCount).sort()).toEqual([15, 15]);
    });

    it('pages through the inbox and a user\'s messages without gaps or repeats', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<Database['conversations']['inbox']>> = await db.conversations.inbox({ limit: 3, cursor });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
      } while (cursor);
      const active = await onServer<{ id: number }>(pooler.database.url, 'SELECT id FROM conversations WHERE is_active ORDER BY id');
      expect([...seen].sort((a, b) => a - b)).toEqual(active.map((r) => r.id));

      const user = await db.users.findByPsid(`bouncer-${tag}-batch`);
      const ids: number[] = [];
      cursor = null;
      do {
        const page: Awaited<ReturnType<Database['messages']['listForUser']>> = await db.messages.listForUser(user!.id, { limit: 4, cursor });
        ids.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(ids).size).toBe(30);
      const conversation = (await db.conversations.listForUser(user!.id)).items[0]!;
      const inConversation = await db.messages.listForConversation(conversation.id, { limit: 50 });
      expect(inConversation.items).toHaveLength(15);
    });

    it('updates a message status by its platform id', async () => {
      const updated = await db.messages.updateStatus(`m_${tag}_1`, MessageStatus.DELIVERED);
      expect(updated?.status).toBe(MessageStatus.DELIVERED);
      const [row] = await onServer<{ status: string }>(pooler.database.url, 'SELECT status FROM messages WHERE facebook_message_id = $1', [`m_${tag}_1`]);
      expect(row?.status).toBe(MessageStatus.DELIVERED);
    });

    it('retries serializable transactions that conflict until each one commits', async () => {
      const user = await db.users.findOrCreateByPsid(`bouncer-${tag}-serializable`);
      await Promise.all(
        Array.from({ length: 6 }, () =>
          db.transaction(async (tx) => {
            const current = await tx.users.findById(user.id);
            await tx.users.update(user.id, { notes: `${current?.notes ?? ''}x` });
          }, { isolation: 'SERIALIZABLE', retries: 20 }),
        ),
      );
      expect((await db.primary.users.findById(user.id))?.notes).toBe('xxxxxx');
    });

    it('changes a lead stage with its activity, atomically', async () => {
      const user = await db.users.findOrCreateByPsid(`bouncer-${tag}-stage`);
      const changed = await db.users.changeLeadStage(user.id, LeadStage.QUALIFIED, { performedBy: 'agent-7' });
      expect(changed.leadStage).toBe(LeadStage.QUALIFIED);
      const activities = await db.leadActivities.listForUser(user.id);
      expect(activities.items.map((a) => [a.stageBefore, a.stageAfter, a.performedBy])).toEqual([[LeadStage.NEW, LeadStage.QUALIFIED, 'agent-7']]);
    });

    it('reports healthy through the pooler', async () => {
      const report = await db.health();
      expect(report.status).toBe('healthy');
    });
  });

  it('fails named statements (preparedStatements: true), so the option matters on PgBouncer 1.18', async () => {
    const db = await openDatabase({ url: pooler.throughPooler, poolSize: 6, preparedStatements: true });
    try {
      const user = await db.users.findOrCreateByPsid('bouncer-named');
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, () =>
          db.users.findByPsid('bouncer-named').then(
            () => 'ok',
            (error: unknown) => {
              // Typed: a ConfigError naming the setting to change, the pooler's code kept in its cause.
              expect(error).toMatchObject({ code: 'CONFIG_ERROR', setting: 'preparedStatements' });
              expect((error as Error).message).toContain('preparedStatements: false');
              const cause = (error as { cause?: { driverError?: { code?: string } } }).cause;
              return String(cause?.driverError?.code ?? (error as Error).message);
            },
          ),
        ),
      );
      expect(user.id).toBeGreaterThan(0);
      // A statement prepared on one server connection is missing on another (26000) or already there (42P05).
      expect(outcomes.filter((o) => o === '26000' || o === '42P05').length).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it('is refused by a pooler without statement_timeout in ignore_startup_parameters, and the error says so', async () => {
    const strict = await startPgBouncer(pgUrl(), { ignoreStartupParameters: [] });
    try {
      const url = strict.urlFor(new URL(pooler.database.url).pathname.slice(1));
      const error = await openDatabase({ url, connectTimeoutMs: 500 }).catch((e: unknown) => e);
      expect(String((error as Error).message)).toContain('unsupported startup parameter: statement_timeout');
      expect(error).toMatchObject({ code: 'CONFIG_ERROR', setting: 'statementTimeoutMs' });
      expect(String((error as Error).message)).toContain('ignore_startup_parameters');
      // Without the startup parameter (statementTimeoutMs: 0) the same pooler lets it in.
      const db = await openDatabase({ url, statementTimeoutMs: 0, preparedStatements: false });
      try {
        expect(await db.users.findByPsid('nobody')).toBeNull();
      } finally {
        await db.close();
      }
    } finally {
      strict.stop();
    }
  });

  describe('the CLI through the pooler', () => {
    let removeCopy: () => void;
    let dir: string;

    beforeAll(async () => {
      removeCopy = await useCliCopy();
      dir = mkdtempSync(join(tmpdir(), 'migochat-bouncer-cli-'));
    });

    afterAll(() => {
      removeCopy?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // pg_dump works through the pooler, but its session settings (search_path = '', set before its
    // transaction) may stay on a shared server connection: run backups against the server itself.
    it('backs up with pg_dump through the pooler', async () => {
      const file = join(dir, 'through-pooler.dump');
      const result = await runCli(['backup', file], { DATABASE_URL: pooler.throughPooler, DB_PREPARED_STATEMENTS: 'false' });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(existsSync(file) && statSync(file).size).toBeGreaterThan(0);
    });
  });

  it('gives typed errors through the pooler', async () => {
    const db = await openDatabase({ url: pooler.throughPooler, preparedStatements: false });
    try {
      const user = await db.users.findOrCreateByPsid('bouncer-typed');
      const error = await db.users.create({ psid: 'bouncer-typed' }).catch((e: unknown) => e);
      expect(isMigochatDbError(error) && error.code).toBe('UNIQUE_CONSTRAINT');
      expect(user.id).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
