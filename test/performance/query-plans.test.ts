import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import { makeAdCampaign } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { type EngineName, engines } from '../support/engines';
import { captureQueries } from '../support/query-plan';

/*
 * Plans, not timings: every hot query is captured as the repository really
 * runs it and explained on a table big enough (and ANALYZEd) for the planner
 * to prefer an index when one fits. A full scan of messages, conversations or
 * users fails the test. The inbox/listForUser/listForConversation cursor
 * pages are also covered (with a forced index preference) in the repository
 * tests; here the planner decides on its own.
 */

const USERS = 3000;
const MESSAGES = 30000;
const ACTIVITIES = 6000;
const HOT_TABLES = ['messages', 'conversations', 'users'];

interface Statement {
  sql: string;
  params: unknown[];
}

/** Records the data statements the database runs while `fn` runs. */
async function captureDataStatements(db: Database, fn: () => Promise<unknown>): Promise<Statement[]> {
  return (await captureQueries(db, fn)).filter((s) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(s.sql));
}

/** A FROM item yielding `n` = 1..count. */
function series(engine: EngineName, count: number): string {
  return engine === 'sqlite'
    ? `(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${count}) SELECT n FROM s) AS s`
    : `generate_series(1, ${count}) AS s(n)`;
}

/** SQL for 2025-01-01 plus `secondsSql` seconds, in the engine's timestamp representation. */
function instant(engine: EngineName, secondsSql: string): string {
  return engine === 'sqlite'
    ? `strftime('%Y-%m-%d %H:%M:%f', '2025-01-01 00:00:00', '+' || (${secondsSql}) || ' seconds')`
    : `(TIMESTAMPTZ '2025-01-01 00:00:00+00' + (${secondsSql}) * INTERVAL '1 second')`;
}

/** Bulk rows with raw SQL: users with a psid and a phone, one conversation each (a tenth closed), messages, activities. */
async function fill(db: Database, engine: EngineName): Promise<void> {
  const q = (sql: string): Promise<unknown> => db.manager.query(sql);
  await q(
    `INSERT INTO "users" ("psid", "phone_number", "first_name", "lead_stage", "last_message_at")
     SELECT 'plan-psid-' || n, '+2010' || (10000000 + n), 'User ' || n,
            CASE n % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'contacted' WHEN 2 THEN 'hot' ELSE 'qualified' END,
            ${instant(engine, 'n * 60')}
     FROM ${series(engine, USERS)}`,
  );
  await q(
    `INSERT INTO "conversations" ("user_id", "source", "is_active", "message_count", "last_message_text", "last_message_at", "started_at")
     SELECT "id", 'messenger', ("id" % 10 <> 0), 10, 'hello', ${instant(engine, '"id" * 60')}, ${instant(engine, '"id"')}
     FROM "users"`,
  );
  await q(
    `INSERT INTO "messages" ("user_id", "conversation_id", "facebook_message_id", "whatsapp_message_id", "text", "direction", "source", "sent_at", "created_at")
     SELECT c."user_id", c."id",
            CASE WHEN s.n % 2 = 0 THEN 'plan-mid-' || s.n END,
            CASE WHEN s.n % 2 = 1 THEN 'plan-wamid-' || s.n END,
            'message ' || s.n, CASE WHEN s.n % 3 = 0 THEN 'outbound' ELSE 'inbound' END, 'messenger',
            ${instant(engine, 's.n')}, ${instant(engine, 's.n')}
     FROM ${series(engine, MESSAGES)} JOIN "conversations" c ON c."id" = (SELECT MIN("id") FROM "conversations") + (s.n % ${USERS})`,
  );
  await q(
    `INSERT INTO "lead_activities" ("user_id", "activity_type", "note", "created_at")
     SELECT u."id", 'note', 'note ' || s.n, ${instant(engine, 's.n')}
     FROM ${series(engine, ACTIVITIES)} JOIN "users" u ON u."id" = (SELECT MIN("id") FROM "users") + (s.n % ${USERS})`,
  );
  await q('ANALYZE');
}

/** Names a hot table goes by in `sql`: the table itself and any alias. */
function hotNames(sql: string): Set<string> {
  const names = new Set(HOT_TABLES);
  for (const match of sql.matchAll(/"(messages|conversations|users)"\s+(?:AS\s+)?"?(\w+)"?/gi)) {
    const alias = match[2];
    if (alias !== undefined && !/^(WHERE|ON|SET|JOIN|INNER|LEFT|ORDER|GROUP|LIMIT|VALUES)$/i.test(alias)) names.add(alias);
  }
  return names;
}

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PgPlanNode[];
}

/** The full scans of a hot table in the plan of `statement`, as readable lines (empty when every access uses an index). */
async function fullScans(db: Database, engine: EngineName, statement: Statement, preferIndexes = false): Promise<{ scans: string[]; plan: string }> {
  if (engine === 'sqlite') {
    const rows = (await db.manager.query(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params)) as Array<{ detail: string }>;
    const names = hotNames(statement.sql);
    // "SCAN x" reads every row of x (a "SCAN x USING ... INDEX" reads the whole index); "SEARCH x" is an index range.
    const scans = rows.map((r) => r.detail).filter((d) => {
      const match = /^SCAN (\w+)/.exec(d);
      return match !== null && names.has(match[1]!);
    });
    return { scans, plan: rows.map((r) => r.detail).join('\n') };
  }
  const explain = `EXPLAIN (FORMAT JSON) ${statement.sql}`;
  // Told to prefer indexes, PostgreSQL picks a usable one as it would on tables far bigger than the test's.
  const rows = (await (preferIndexes
    ? db.transaction(async (tx) => {
        await tx.manager.query('SET LOCAL enable_seqscan = off');
        return tx.manager.query(explain, statement.params);
      })
    : db.manager.query(explain, statement.params))) as Array<{
    'QUERY PLAN': Array<{ Plan: PgPlanNode }> | string;
  }>;
  const raw = rows[0]!['QUERY PLAN'];
  const document = typeof raw === 'string' ? (JSON.parse(raw) as Array<{ Plan: PgPlanNode }>) : raw;
  const scans: string[] = [];
  const walk = (node: PgPlanNode): void => {
    if (node['Node Type'] === 'Seq Scan' && HOT_TABLES.includes(node['Relation Name'] ?? '')) {
      scans.push(`Seq Scan on ${node['Relation Name']}`);
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(document[0]!.Plan);
  return { scans, plan: JSON.stringify(document) };
}

describe.each(engines())('hot query plans on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let userId: number;
  let conversationId: number;

  beforeAll(async () => {
    await fill(suite.db, engine);
    const row = (await suite.db.manager.query(`SELECT "id", "user_id" FROM "conversations" WHERE "is_active" = true ORDER BY "id" LIMIT 1 OFFSET 500`)) as Array<{
      id: number | string;
      user_id: number | string;
    }>;
    conversationId = Number(row[0]!.id);
    userId = Number(row[0]!.user_id);
  }, 120_000);

  /** Runs `fn`, then explains every data statement it ran and expects no full scan of a hot table. */
  async function expectIndexed(fn: () => Promise<unknown>, preferIndexes = false): Promise<Statement[]> {
    const statements = await captureDataStatements(suite.db, fn);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const { scans, plan } = await fullScans(suite.db, engine, statement, preferIndexes);
      expect(scans, `${statement.sql}\n${plan}`).toEqual([]);
    }
    return statements;
  }

  it('reports a full scan when a query has no index to use (the check is not vacuous)', async () => {
    const sql = engine === 'sqlite' ? 'SELECT * FROM "messages" "m" WHERE "m"."text" = ?' : 'SELECT * FROM "messages" "m" WHERE "m"."text" = $1';
    const { scans } = await fullScans(suite.db, engine, { sql, params: ['message 7'] });
    expect(scans).toHaveLength(1);
  });

  it('reads messages.listForUser pages through an index', async () => {
    const first = await suite.db.messages.listForUser(userId, { limit: 5 });
    expect(first.items).toHaveLength(5);
    await expectIndexed(() => suite.db.messages.listForUser(userId, { limit: 5 }));
    await expectIndexed(() => suite.db.messages.listForUser(userId, { limit: 5, cursor: first.nextCursor }));
  });

  it('reads messages.listForConversation pages through an index', async () => {
    const first = await suite.db.messages.listForConversation(conversationId, { limit: 5 });
    expect(first.items).toHaveLength(5);
    await expectIndexed(() => suite.db.messages.listForConversation(conversationId, { limit: 5 }));
    await expectIndexed(() => suite.db.messages.listForConversation(conversationId, { limit: 5, cursor: first.nextCursor }));
  });

  it('reads the first inbox page through an index', async () => {
    const statements = await expectIndexed(() => suite.db.conversations.inbox({ limit: 20 }));
    expect(statements.some((s) => /FROM "conversations"/.test(s.sql))).toBe(true);
  });

  it('reads a deep inbox page through an index', async () => {
    let page = await suite.db.conversations.inbox({ limit: 100 });
    for (let i = 0; i < 10 && page.nextCursor; i++) page = await suite.db.conversations.inbox({ limit: 100, cursor: page.nextCursor });
    expect(page.nextCursor).not.toBeNull();
    await expectIndexed(() => suite.db.conversations.inbox({ limit: 20, cursor: page.nextCursor }));
  });

  it('finds a user by psid through an index', async () => {
    await expectIndexed(async () => expect(await suite.db.users.findByPsid('plan-psid-1234')).not.toBeNull());
  });

  it('finds a user by phone through an index', async () => {
    await expectIndexed(async () => expect(await suite.db.users.findByPhone('+201010001234')).not.toBeNull());
  });

  it('reads leadActivities.listForUser pages through an index', async () => {
    const first = await suite.db.leadActivities.listForUser(userId, { limit: 1 });
    expect(first.items).toHaveLength(1);
    await expectIndexed(() => suite.db.leadActivities.listForUser(userId, { limit: 1 }));
    await expectIndexed(() => suite.db.leadActivities.listForUser(userId, { limit: 1, cursor: first.nextCursor }));
  });

  it('records a Messenger message (insert guarded by the unique index, counters) through indexes only', async () => {
    const statements = await expectIndexed(() =>
      suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'plan', facebookMessageId: 'plan-new-mid' }),
    );
    // Into an active conversation the insert itself tells a redelivery from a new message: no lookup first.
    expect(statements.some((s) => /^\s*INSERT INTO "messages"/i.test(s.sql) && /ON CONFLICT DO NOTHING/i.test(s.sql))).toBe(true);
    expect(statements.some((s) => /^\s*SELECT/i.test(s.sql) && /facebook_message_id/.test(s.sql))).toBe(false);
  });

  it('records a WhatsApp message through indexes only', async () => {
    await expectIndexed(() => suite.db.messages.recordInbound({ userId, source: MessageSource.WHATSAPP, text: 'plan', whatsappMessageId: 'plan-new-wamid' }));
  });

  it('answers a redelivered Messenger message from the unique index', async () => {
    const statements = await expectIndexed(async () =>
      expect(await suite.db.messages.recordInboundDetailed({ userId, source: MessageSource.MESSENGER, text: 'again', facebookMessageId: 'plan-mid-2' })).toMatchObject({
        created: false,
      }),
    );
    // The insert does nothing (the unique index refuses it), the row is read by that index, no counter moves.
    expect(statements.some((s) => /^\s*SELECT/i.test(s.sql) && /facebook_message_id/.test(s.sql))).toBe(true);
    expect(statements.filter((s) => !/^\s*SELECT/i.test(s.sql)).every((s) => /^\s*INSERT INTO "messages"/i.test(s.sql) && /ON CONFLICT DO NOTHING/i.test(s.sql))).toBe(true);
  });

  it('answers a redelivered WhatsApp message from the unique index', async () => {
    await expectIndexed(async () =>
      expect(await suite.db.messages.recordInboundDetailed({ userId, source: MessageSource.WHATSAPP, text: 'again', whatsappMessageId: 'plan-wamid-3' })).toMatchObject({
        created: false,
      }),
    );
  });
  // 40 of 3,000 users: on tables this small PostgreSQL rightly hashes a 40-row lookup against a scan
  // of conversations, so it is asked to prefer indexes, as it would on a CRM's tables; the check is
  // then that every statement of the batch has an index it can use.
  it('records a batch of 40 messages over 40 users (bulk lookups, multi-row insert, counter updates) through indexes only', async () => {
    const users = (await suite.db.manager.query(`SELECT "id" FROM "users" ORDER BY "id" LIMIT 40 OFFSET 1000`)) as Array<{ id: number | string }>;
    const statements = await expectIndexed(() =>
      suite.db.messages.recordInboundBatch(
        users.map((u, i) => ({ userId: Number(u.id), source: MessageSource.MESSENGER, text: `batch ${i}`, facebookMessageId: `plan-batch-${i}` })),
      ),
      true,
    );
    expect(statements.some((s) => /^\s*UPDATE "conversations"/i.test(s.sql) && /VALUES/i.test(s.sql))).toBe(true);
  });

  it('reads adCampaigns.performance (the campaign and its message count) through indexes', async () => {
    const campaign = await makeAdCampaign(suite.db);
    await suite.db.manager.query(`UPDATE "messages" SET "ad_campaign_id" = ${campaign.id} WHERE "id" IN (SELECT "id" FROM "messages" ORDER BY "id" LIMIT 50)`);
    let performance: Awaited<ReturnType<typeof suite.db.adCampaigns.performance>> | undefined;
    await expectIndexed(async () => {
      performance = await suite.db.adCampaigns.performance(campaign.id);
    });
    expect(performance?.attributedMessages).toBe(50);
  });
});
