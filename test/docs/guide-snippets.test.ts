// The guides (docs/guides/*.md) show code from docs/guides/snippets/*.ts with
// TypeDoc's {@includeCode}; `npm run typecheck` type-checks the snippets and
// this suite runs them, on SQLite and PostgreSQL, so a guide cannot show code
// that no longer compiles or works.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CustomerLabel, LeadActivityType, LeadStage, MessageKind, MessageSource, MessageStatus } from '../../src/index';
import { MIGRATIONS } from '../../src/migrations';
import type { Database } from '../../src/database';
import { createTestDatabase, makeUser } from '../../src/testing';
import { engines, pgUrl } from '../support/engines';
import { useTestDatabase } from '../support/database';
import { firstCalls, startService } from '../../docs/guides/snippets/getting-started';
import { backlog, customersByNumber, handleMessengerEvent, handleWebhookBody, reactions, receipts } from '../../docs/guides/snippets/webhooks';
import { dataDeletionCallback, deletionStatusPage, eraseWhatsAppCustomer, parseSignedRequest } from '../../docs/guides/snippets/data-deletion';
import { historyPage, wholeInbox } from '../../docs/guides/snippets/paging';
import { arabicSearch, conversationResults, whoAskedLastWeek } from '../../docs/guides/snippets/search';
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
vi.mock('@migochat/db/meta', () => vi.importActual('../../src/meta/index'));

/** A webhook body Meta sent (test/fixtures/meta/), as the raw bytes a handler receives. */
const fixture = (name: string): Buffer => readFileSync(join(__dirname, '..', 'fixtures', 'meta', `${name}.json`));
const APP_SECRET = 'guide-app-secret';
/** The `X-Hub-Signature-256` header Meta sends with `body`. */
const signatureOf = (body: Buffer): string => `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
/** A `signed_request` as Meta's data deletion callback sends it. */
function signedRequest(payload: object, secret = APP_SECRET): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${createHmac('sha256', secret).update(encoded).digest('base64url')}.${encoded}`;
}

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
  });

  it('webhooks: a signed WhatsApp body is recorded, answered once, and its redelivery is a duplicate', async () => {
    const rawBody = fixture('whatsapp-text');
    const reply = vi.fn(async (_userId: number) => undefined);
    const first = await handleWebhookBody(t.db, { rawBody, signature: signatureOf(rawBody), appSecret: APP_SECRET }, reply);
    const again = await handleWebhookBody(t.db, { rawBody, signature: signatureOf(rawBody), appSecret: APP_SECRET }, reply);
    expect(first.status).toBe(200);
    expect(first.results.map((r) => (r.kind === 'message' ? r.outcome : r.kind))).toEqual(['created']);
    expect(again.results.map((r) => (r.kind === 'message' ? r.outcome : r.kind))).toEqual(['duplicate']);
    const user = await t.db.users.findByPhone('201001234567');
    expect(user?.firstName).toBe('Mona Ali'); // the profile name, as WhatsApp sends it
    expect(reply.mock.calls).toEqual([[user!.id]]);
  });

  it('webhooks: a signed Messenger body goes through ingestMessengerWebhook', async () => {
    const rawBody = fixture('messenger-text');
    const reply = vi.fn(async (_userId: number) => undefined);
    const { status, results } = await handleWebhookBody(t.db, { rawBody, signature: signatureOf(rawBody), appSecret: APP_SECRET }, reply);
    expect(status).toBe(200);
    expect(results).toMatchObject([{ kind: 'message', outcome: 'created', direction: 'inbound', messageKind: MessageKind.TEXT }]);
    expect((await t.db.users.findByPsid('7294851036418275'))?.id).toBe(reply.mock.calls[0]?.[0]);
  });

  it('webhooks: a body whose signature does not match is refused before anything is written', async () => {
    const rawBody = fixture('whatsapp-text');
    const reply = vi.fn(async () => undefined);
    const forged = await handleWebhookBody(t.db, { rawBody, signature: signatureOf(Buffer.from('{}')), appSecret: APP_SECRET }, reply);
    expect(forged).toEqual({ status: 401, results: [] });
    expect(await t.db.users.findByPhone('201001234567')).toBeNull();
  });

  it('webhooks: receipts move messages forward, and a status for an unrecorded message waits for it', async () => {
    const user = await makeUser(t.db);
    await t.db.messages.recordOutbound({ userId: user.id, source: MessageSource.MESSENGER, text: 'Hi', facebookMessageId: 'm_1_reply' });
    await t.db.messages.recordOutbound({ userId: user.id, source: MessageSource.WHATSAPP, text: 'Hi', whatsappMessageId: 'wamid.sent-1' });
    const log = silence();
    const { delivered, unknown, readCount, deliveredCount, outcomes, odd } = await receipts(t.db, user.id);
    log.mockRestore();
    expect(delivered?.status).toBe(MessageStatus.DELIVERED);
    expect(unknown).toBeNull();
    expect([readCount, deliveredCount]).toEqual([1, 0]);
    expect(outcomes).toEqual(['applied', 'unchanged', 'pending', 'ignored']);
    expect(odd.reason).toContain('deleted');
    const late = await t.db.messages.recordOutbound({ userId: user.id, source: MessageSource.WHATSAPP, text: 'Hi', whatsappMessageId: 'wamid.not-yet' });
    expect(late.status).toBe(MessageStatus.DELIVERED);
  });

  it('webhooks: a reaction is recorded without counting in its conversation', async () => {
    const user = await makeUser(t.db);
    const { photo, reaction } = await reactions(t.db, user.id);
    expect(photo.kind).toBe(MessageKind.IMAGE);
    expect(reaction.message.kind).toBe(MessageKind.REACTION);
    expect(reaction.conversation.messageCount).toBe(1);
    expect(reaction.conversation.lastMessageText).toBe('this one?');
  });

  it('webhooks: a wa_id, a formatted number and a 00 prefix find one user', async () => {
    const { fromWebhook, typedByAgent, withPrefix } = await customersByNumber(t.db);
    expect(fromWebhook.phoneNumber).toBe('+201001234567');
    expect([typedByAgent?.id, withPrefix?.id]).toEqual([fromWebhook.id, fromWebhook.id]);
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

  it('search: finds the customers who asked, Arabic spellings alike, and marks the snippets', async () => {
    const [asker, other] = await Promise.all([makeUser(t.db), makeUser(t.db)]);
    const record = (userId: number, source: MessageSource, text: string, id: string) =>
      t.db.messages.recordInbound({ userId, source, text, ...(source === MessageSource.WHATSAPP ? { whatsappMessageId: id } : { facebookMessageId: id }) });
    await record(asker.id, MessageSource.MESSENGER, 'Do you have the black one in size XL?', 's1');
    await record(other.id, MessageSource.MESSENGER, 'The black one in size XL was returned', 's2');
    await record(other.id, MessageSource.WHATSAPP, 'الســعر كام؟', 's3');
    await record(asker.id, MessageSource.WHATSAPP, 'Price el XL kam?', 's4');
    expect(await whoAskedLastWeek(t.db)).toEqual([asker.id]);
    expect((await arabicSearch(t.db)).sort()).toEqual(['Price el XL kam?', 'الســعر كام؟'].sort());
    const { results, next } = await conversationResults(t.db, 'السعر');
    expect(results.map((r) => r.snippet)).toEqual(['«الســعر» كام؟']);
    expect(next).toBeNull();
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
    expect(await migrateStep({ DATABASE_URL: url })).toEqual(MIGRATIONS.map((m) => m.name));
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

  it('data deletion: a signed callback erases the user and its code answers on the status page', async () => {
    const user = await t.db.users.create({ psid: 'psid-erase', firstName: 'Erase', phoneNumber: '+201001234568' });
    const answer = await dataDeletionCallback(t.db, signedRequest({ algorithm: 'HMAC-SHA256', issued_at: 1717171717, user_id: 'asid-1' }), APP_SECRET, async (asid) =>
      asid === 'asid-1' ? 'psid-erase' : null,
    );
    if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}`);
    const code = answer.body.confirmation_code;
    expect(answer.body.url).toContain(encodeURIComponent(code));
    const erased = await t.db.users.getById(user.id);
    expect([erased.firstName, erased.phoneNumber, erased.psid?.startsWith('erased:')]).toEqual([null, null, true]);
    expect(await deletionStatusPage(t.db, code)).toMatch(/^Your data was deleted on \d{4}-\d{2}-\d{2}\.$/);
    expect(await deletionStatusPage(t.db, 'nothing-stored')).toBe('We hold no data under this code.');
  });

  it('data deletion: a signed_request with another secret is refused', async () => {
    const forged = signedRequest({ algorithm: 'HMAC-SHA256', issued_at: 1717171717, user_id: 'asid-1' }, 'another-secret');
    expect(parseSignedRequest(forged, APP_SECRET)).toBeNull();
    expect(await dataDeletionCallback(t.db, forged, APP_SECRET, async () => 'psid-erase')).toEqual({ status: 400 });
  });

  it('data deletion: a WhatsApp customer is erased by number in any form', async () => {
    const user = await t.db.users.findOrCreateByPhone('+201001234569');
    const code = await eraseWhatsAppCustomer(t.db, '201001234569', 'agent-7');
    expect(code).toBeTruthy();
    expect((await t.db.users.erasureStatus(code!))?.status).toBe('completed');
    expect((await t.db.users.getById(user.id)).phoneNumber).toBeNull();
    expect(await eraseWhatsAppCustomer(t.db, '201001234569', 'agent-7')).toBeNull();
  });
});

describe.each(engines())('the testing guide\'s suite on %s', (engine) => {
  if (engine === 'postgres') vi.stubEnv('TEST_DATABASE_URL', pgUrl());
  leadServiceTests(engine);
});
