// The guides (docs/guides/*.md) show code from docs/guides/snippets/*.ts with
// TypeDoc's {@includeCode}; `npm run typecheck` type-checks the snippets and
// this suite runs them, on SQLite and PostgreSQL, so a guide cannot show code
// that no longer compiles or works.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CustomerLabel, LeadActivityType, LeadStage, MessageSource, MessageStatus } from '../../src/index';
import type { Database } from '../../src/database';
import { createTestDatabase, makeUser } from '../../src/testing';
import { engines, pgUrl } from '../support/engines';
import { useTestDatabase } from '../support/database';
import { firstCalls, startService } from '../../docs/guides/snippets/getting-started';
import { backlog, handleMessengerEvent, receipts } from '../../docs/guides/snippets/webhooks';
import { historyPage, wholeInbox } from '../../docs/guides/snippets/paging';
import { funnelAndTrail, moveLead } from '../../docs/guides/snippets/lead-funnel';
import { getLead, recordWithRetry } from '../../docs/guides/snippets/errors';
import { convertLead, rolledBack, serializable } from '../../docs/guides/snippets/transactions';
import { healthEndpoint, openFromEnv, productionOptions, readYourWrites } from '../../docs/guides/snippets/production';
import { migrateStep, refuseWhenBehind } from '../../docs/guides/snippets/migrations';
import { backupAndRestore, moveDatabase } from '../../docs/guides/snippets/backup';
import { ownDataSource, plainTypeorm } from '../../docs/guides/snippets/typeorm';
import { leadServiceTests } from '../../docs/guides/snippets/testing';

// The snippets import the package by name, as a user's code does: here that name is the source.
vi.mock('@migochat/db', () => vi.importActual('../../src/index'));
vi.mock('@migochat/db/testing', () => vi.importActual('../../src/testing/index'));

const scratch = mkdtempSync(join(tmpdir(), 'migochat-guides-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh database URL on `engine`: a SQLite file in the scratch folder, or a new PostgreSQL database. */
async function freshUrl(engine: 'sqlite' | 'postgres', name: string): Promise<string> {
  if (engine === 'sqlite') return `sqlite:${join(scratch, `${name}.db`)}`;
  const db = await createTestDatabase({ engine: 'postgres', url: pgUrl() });
  const url = db.options.url;
  // Keep the database (its close() would drop it): empty it so the snippet starts from nothing.
  await db.dataSource.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await db.dataSource.destroy();
  return url;
}

describe.each(engines())('the guides\' snippets on %s', (engine) => {
  const t = useTestDatabase(engine, { emptyTablesAfterEach: true });
  const silence = () => vi.spyOn(console, 'log').mockImplementation(() => undefined);

  it('getting started: the service opens, migrates and closes its database from the environment', async () => {
    const url = await freshUrl(engine, 'start');
    const db: Database = await startService({ DATABASE_URL: url });
    try {
      expect(await db.pendingMigrations()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('getting started: the first calls find the user, record, qualify and report', async () => {
    const { user, inbox, funnel, report } = await firstCalls(t.db);
    expect(user.psid).toBe('psid-1');
    expect(inbox.items.map((c) => c.userId)).toEqual([user.id]);
    expect(funnel[LeadStage.QUALIFIED]).toBe(1);
    expect(report.status).toBe('healthy');
  });

  it('webhooks: a redelivered event is recorded once and answered once', async () => {
    const event = { sender: { id: 'psid-webhook' }, message: { mid: 'm_1', text: 'price?' } };
    const reply = vi.fn(async () => 'It is 450 EGP');
    const first = await handleMessengerEvent(t.db, event, reply);
    const again = await handleMessengerEvent(t.db, event, reply);
    expect([first.replied, again.replied]).toEqual([true, false]);
    expect(reply).toHaveBeenCalledTimes(1);
    expect(first.user.leadStage).toBe(LeadStage.CONTACTED);
    expect((await t.db.messages.listForUser(first.user.id)).items).toHaveLength(2);

    const { delivered, read, unknown } = await receipts(t.db);
    expect(delivered?.status).toBe(MessageStatus.DELIVERED);
    expect(read?.status).toBe(MessageStatus.READ);
    expect(unknown).toBeNull();
  });

  it('webhooks: a batch with a duplicate writes each platform id once', async () => {
    const user = await makeUser(t.db);
    const { results, written } = await backlog(t.db, user.id);
    expect(written).toBe(2);
    expect(results.map((r) => r.created)).toEqual([true, true, false]);
  });

  it('paging: the inbox loop and the history page walk every row once', async () => {
    const users = await Promise.all([1, 2, 3].map(() => makeUser(t.db)));
    for (const [i, user] of users.entries()) {
      for (let n = 0; n < 30; n++) {
        await t.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, text: `m${n}`, whatsappMessageId: `w${i}-${n}` });
      }
    }
    expect((await wholeInbox(t.db)).map((c) => c.userId).sort()).toEqual(users.map((u) => u.id).sort());
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await historyPage(t.db, users[0]!.id, cursor);
      seen.push(...page.messages.map((m) => m.id));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(30);
  });

  it('lead funnel: every change is audited and the funnel counts the lead once', async () => {
    const lead = await makeUser(t.db);
    const log = silence();
    const user = await moveLead(t.db, lead.id);
    expect(user).toMatchObject({ leadStage: LeadStage.QUALIFIED, customerLabel: CustomerLabel.HOT, leadScore: 15 });
    const { funnel, hot, trail } = await funnelAndTrail(t.db, lead.id);
    log.mockRestore();
    expect(funnel[LeadStage.QUALIFIED]).toBe(1);
    expect(hot.items.map((u) => u.id)).toEqual([lead.id]);
    expect(trail.map((a) => a.activityType).sort()).toEqual(
      [LeadActivityType.STAGE_CHANGE, LeadActivityType.LABEL_CHANGE, LeadActivityType.SCORE_CHANGE, LeadActivityType.CONTACT, LeadActivityType.NOTE].sort(),
    );
  });

  it('errors: the HTTP handler maps codes to statuses', async () => {
    const user = await makeUser(t.db);
    expect((await getLead(t.db, user.id)).status).toBe(200);
    expect(await getLead(t.db, 2_000_000)).toEqual({ status: 404, body: { error: 'NOT_FOUND' } });
    expect((await getLead(t.db, -1)).status).toBe(400);
    const message = await recordWithRetry(t.db, user.id, 'm_retry', 'hello');
    expect((await recordWithRetry(t.db, user.id, 'm_retry', 'hello')).id).toBe(message.id);
  });

  it('transactions: a commit keeps everything, a throw keeps nothing, options pass through', async () => {
    const lead = await makeUser(t.db);
    expect((await convertLead(t.db, lead.id)).leadStage).toBe(LeadStage.CLOSED_WON);
    const log = silence();
    expect((await rolledBack(t.db, lead.id)).leadStage).toBe(LeadStage.CLOSED_WON);
    expect(log).toHaveBeenCalledWith('the payment provider said no');
    log.mockRestore();
    expect(await serializable(t.db, lead.id)).toBe(10);
  });

  it('production: the options are valid, the primary reads its own writes, health answers', async () => {
    expect(productionOptions().replicas).toHaveLength(1);
    const lead = await makeUser(t.db);
    expect((await readYourWrites(t.db, lead.id)).leadStage).toBe(LeadStage.HOT);
    expect((await healthEndpoint(t.db)).status).toBe(200);
    const url = engine === 'postgres' ? t.db.options.url : 'sqlite::memory:';
    const db = await openFromEnv({ DATABASE_URL: url });
    try {
      expect(db.options.poolSize).toBe(20);
    } finally {
      await db.close();
    }
  });

  it('migrations: the deploy step applies them once, and the check passes afterwards', async () => {
    const url = await freshUrl(engine, 'deploy');
    const log = silence();
    expect(await migrateStep({ DATABASE_URL: url })).toEqual(['InitialSchema1763900000000']);
    expect(await migrateStep({ DATABASE_URL: url })).toEqual([]);
    log.mockRestore();
    await expect(refuseWhenBehind(t.db)).resolves.toBeUndefined();
  });

  it.skipIf(engine === 'postgres')('backup: a SQLite backup restores what it saved (pg_dump is covered by test/operations)', async () => {
    const db = await openFromEnv({ DATABASE_URL: `sqlite:${join(scratch, 'live.db')}` });
    try {
      await db.migrate();
      await db.users.create({ psid: 'kept', firstName: 'Kept' });
      const log = silence();
      const { backup, restored } = await backupAndRestore(db, join(scratch, 'backups'));
      log.mockRestore();
      expect(backup.bytes).toBeGreaterThan(0);
      expect(restored.file).toBe(backup.file);
      expect((await db.users.findByPsid('kept'))?.firstName).toBe('Kept');
    } finally {
      await db.close();
    }
  });

  it('moving: an export of SQLite imports into this engine with every row', async () => {
    const from = `sqlite:${join(scratch, `from-${engine}.db`)}`;
    const source = await openFromEnv({ DATABASE_URL: from });
    await source.migrate();
    const user = await source.users.create({ psid: 'moving', firstName: 'Moving' });
    await source.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'hi', facebookMessageId: 'm_move' });
    await source.close();
    const to = await freshUrl(engine, `to-${engine}`);
    const { exported, imported } = await moveDatabase(from, to, join(scratch, `move-${engine}.ndjson.gz`));
    expect(imported.rows).toBe(exported.rows);
    expect(imported.rows).toBeGreaterThanOrEqual(3);
  });

  it('TypeORM: a script counts with the entities, and an own DataSource gets the repositories', async () => {
    const url = engine === 'sqlite' ? `sqlite:${join(scratch, 'typeorm.db')}` : await freshUrl(engine, 'typeorm');
    expect(await plainTypeorm(url)).toBe(0);
    const { user, sameRow } = await ownDataSource(url);
    expect(sameRow.psid).toBe(user.psid);
  });
});

describe.each(engines())('the testing guide\'s suite on %s', (engine) => {
  if (engine === 'postgres') vi.stubEnv('TEST_DATABASE_URL', pgUrl());
  leadServiceTests(engine);
});
