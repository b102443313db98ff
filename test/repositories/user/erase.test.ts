import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Conversation } from '../../../src/entities/conversation.entity';
import { DataErasure } from '../../../src/entities/data-erasure.entity';
import { LeadActivity } from '../../../src/entities/lead-activity.entity';
import { Message } from '../../../src/entities/message.entity';
import { User } from '../../../src/entities/user.entity';
import type { Database } from '../../../src/database';
import { Governorate, LeadActivityType, LeadStage, MessageDirection, MessageKind, MessageSource } from '../../../src/enums';
import { EntityValidationError, NotFoundError } from '../../../src/errors';
import { ingestWhatsAppWebhook } from '../../../src/meta/index';
import { exportDatabase } from '../../../src/operations/index';
import { makeAdCampaign } from '../../../src/testing';
import { useTestDatabase } from '../../support/database';
import { engines, openTestDb } from '../../support/engines';
import { rejection } from '../../support/errors';
import { AD_ID, fixture, PHONE, WA_ID } from '../../support/meta-fixtures';

const NAME = 'Mona Ali';
const TEXT = 'Hello, I saw your ad. Is the blue sofa in stock?';
const EMAIL = 'mona.ali@example.com';

const tmp = mkdtempSync(join(tmpdir(), 'migochat-erase-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A WhatsApp customer with an ad-attributed message, a location, a stage change with a note, an email and notes. */
async function customerWithHistory(db: Database): Promise<{ user: User; campaignId: number }> {
  const campaign = await makeAdCampaign(db, { facebookCampaignId: AD_ID });
  await ingestWhatsAppWebhook(db, fixture('whatsapp-text'));
  await ingestWhatsAppWebhook(db, fixture('whatsapp-location'));
  const user = (await db.users.findByPhone(PHONE))!;
  await db.users.update(user.id, { email: EMAIL, lastName: 'Hassan', notes: `${NAME} wants delivery to Giza`, governorate: Governorate.GIZA });
  await db.users.changeLeadStage(user.id, LeadStage.QUALIFIED, { performedBy: 'agent-7', note: `${NAME} confirmed the budget` });
  await db.messages.recordOutbound({ userId: user.id, source: MessageSource.WHATSAPP, text: `Dear ${NAME}, yes it is`, whatsappMessageId: 'wamid.reply-1', sentAt: new Date(1717171800000) });
  return { user: (await db.users.findById(user.id))!, campaignId: campaign.id };
}

describe.each(engines())('users.erase on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });

  it('clears every personal field of the user and keeps its stage, score and times for the funnel', async () => {
    const { user } = await customerWithHistory(suite.db);
    const funnelBefore = await suite.db.users.leadFunnel();
    const { confirmationCode, status, erasedAt } = await suite.db.users.erase(user.id, { performedBy: 'meta-data-deletion-callback' });
    expect(confirmationCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect([status, erasedAt]).toEqual(['completed', expect.any(Date)]);
    const erased = await suite.db.manager.findOneByOrFail(User, { id: user.id });
    expect([erased.phoneNumber, erased.firstName, erased.lastName, erased.email, erased.profilePicUrl, erased.notes, erased.governorate]).toEqual([null, null, null, null, null, null, null]);
    expect(erased.psid).toMatch(/^erased:[0-9a-f]{32}$/);
    expect([erased.leadStage, erased.leadScore, erased.primarySource, erased.isActive]).toEqual([LeadStage.QUALIFIED, user.leadScore, MessageSource.WHATSAPP, false]);
    expect(erased.lastMessageAt?.getTime()).toBe(user.lastMessageAt?.getTime());
    expect(await suite.db.users.leadFunnel()).toEqual(funnelBefore);
    expect(await suite.db.users.findByPhone(WA_ID)).toBeNull();
  });

  it('clears message texts, attachments and platform ids, keeping kind, direction, source, times and attribution', async () => {
    const { user, campaignId } = await customerWithHistory(suite.db);
    const before = await suite.db.manager.find(Message, { where: { userId: user.id }, order: { id: 'ASC' } });
    await suite.db.users.erase(user.id);
    const after = await suite.db.manager.find(Message, { where: { userId: user.id }, order: { id: 'ASC' } });
    expect(after.map((m) => [m.text, m.attachments, m.facebookMessageId, m.whatsappMessageId])).toEqual(before.map(() => [null, null, null, null]));
    expect(after.map((m) => [m.kind, m.direction, m.source, m.sentAt?.getTime(), m.adCampaignId])).toEqual(before.map((m) => [m.kind, m.direction, m.source, m.sentAt?.getTime(), m.adCampaignId]));
    expect(after.map((m) => m.kind)).toEqual([MessageKind.TEXT, MessageKind.LOCATION, MessageKind.TEXT]);
    expect(after.map((m) => m.direction)).toEqual([MessageDirection.INBOUND, MessageDirection.INBOUND, MessageDirection.OUTBOUND]);
    expect((await suite.db.messages.attribution()).adCampaigns.map((a) => [a.adCampaignId, a.messages])).toEqual([[campaignId, 1]]);
    const [conversation] = await suite.db.manager.find(Conversation, { where: { userId: user.id } });
    expect([conversation?.lastMessageText, conversation?.messageCount]).toEqual([null, 3]);
  });

  it('clears the notes of the audit trail and adds an entry naming only the confirmation code and who asked', async () => {
    const { user } = await customerWithHistory(suite.db);
    const { confirmationCode } = await suite.db.users.erase(user.id, { performedBy: 'privacy-desk' });
    const trail = await suite.db.manager.find(LeadActivity, { where: { userId: user.id }, order: { id: 'ASC' } });
    expect(trail.map((a) => [a.activityType, a.stageAfter, a.note, a.performedBy])).toEqual([
      [LeadActivityType.STAGE_CHANGE, LeadStage.QUALIFIED, null, 'agent-7'],
      [LeadActivityType.NOTE, null, `Personal data erased (confirmation ${confirmationCode})`, 'privacy-desk'],
    ]);
  });

  it('drops statuses kept for messages not recorded yet whose wamid carries the erased number, and keeps the others', async () => {
    const { user } = await customerWithHistory(suite.db);
    // A wamid is base64 of a record that starts with the recipient's number.
    const theirs = `wamid.${Buffer.from(`\u0015\u0002${WA_ID}\u0015\u0002\u0000\u0012pending-one`, 'latin1').toString('base64')}`;
    const others = `wamid.${Buffer.from('\u0015\u0002201229998887\u0015\u0002\u0000\u0012pending-two', 'latin1').toString('base64')}`;
    for (const messageId of [theirs, others]) {
      expect((await suite.db.messages.applyStatus({ messageId, status: 'delivered', at: new Date(1717171900000) })).outcome).toBe('pending');
    }
    await suite.db.users.erase(user.id, { performedBy: 'meta-data-deletion-callback' });
    const kept = await suite.db.manager.query('SELECT "external_id" FROM "pending_receipts"');
    expect((kept as Array<{ external_id: string }>).map((r) => r.external_id)).toEqual([others]);
  });

  it('answers the status of an issued code and null for an unknown one', async () => {
    const { user } = await customerWithHistory(suite.db);
    const receipt = await suite.db.users.erase(user.id);
    expect(await suite.db.users.erasureStatus(receipt.confirmationCode)).toEqual({ confirmationCode: receipt.confirmationCode, status: 'completed', erasedAt: receipt.erasedAt });
    expect(await suite.db.users.erasureStatus('not-a-code-we-issued')).toBeNull();
    const again = await suite.db.users.erase(user.id);
    expect(again.confirmationCode).not.toBe(receipt.confirmationCode);
  });

  it('refuses an unknown user and a too long performer, writing nothing', async () => {
    expect(await rejection(suite.db.users.erase(999_999))).toBeInstanceOf(NotFoundError);
    const user = await suite.db.users.findOrCreateByPhone(PHONE, { firstName: NAME });
    expect(await rejection(suite.db.users.erase(user.id, { performedBy: 'x'.repeat(101) }))).toBeInstanceOf(EntityValidationError);
    expect(await rejection(suite.db.users.erasureStatus(''))).toBeInstanceOf(EntityValidationError);
    expect(await suite.db.manager.countBy(DataErasure, [{ userId: 999_999 }, { userId: user.id }])).toBe(0);
    expect((await suite.db.users.findByPhone(PHONE))?.firstName).toBe(NAME);
  });

  it('joins the caller transaction: a rollback keeps the data', async () => {
    const { user } = await customerWithHistory(suite.db);
    await rejection(
      suite.db.transaction(async (tx) => {
        await tx.users.erase(user.id);
        throw new Error('changed my mind');
      }),
    );
    expect((await suite.db.users.findByPhone(PHONE))?.firstName).toBe(NAME);
    expect(await suite.db.manager.countBy(DataErasure, { userId: user.id })).toBe(0);
  });

  it('leaves no erased name, number, email or text in a later export', async () => {
    const { user } = await customerWithHistory(suite.db);
    await suite.db.users.erase(user.id);
    const file = join(tmp, `export-${engine}-${Date.now()}.ndjson`);
    await exportDatabase(suite.db, file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"data_erasures"');
    for (const secret of [NAME, WA_ID, EMAIL, TEXT, 'Tahrir Square', 'sofa']) expect(text).not.toContain(secret);
  });
});

describe('users.erase on a SQLite file', () => {
  /** Whether the database file or its WAL holds `needle` anywhere, free pages included. */
  const holds = (file: string, needle: string): boolean[] =>
    [file, `${file}-wal`].map((f) => {
      try {
        return readFileSync(f).includes(needle);
      } catch {
        return false;
      }
    });

  it('leaves no copy of the erased data in the file or the WAL', async () => {
    const file = join(tmp, 'erase.db');
    const db = await openTestDb('sqlite', { sqliteFile: file });
    try {
      const { user } = await customerWithHistory(db);
      // The scan sees the data before the erasure (in the file or still in the WAL).
      expect(holds(file, NAME).some(Boolean)).toBe(true);
      expect(holds(file, WA_ID).some(Boolean)).toBe(true);
      await db.users.erase(user.id);
      for (const secret of [NAME, WA_ID, EMAIL, TEXT, 'Tahrir Square', `Dear ${NAME}`]) expect([secret, ...holds(file, secret)]).toEqual([secret, false, false]);
    } finally {
      await db.close();
    }
  });
});
