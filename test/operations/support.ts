// Fixtures shared by the operations tests: a varied data set written with the
// shipped factories, a snapshot of every table, temporary folders and export files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { afterAll } from 'vitest';
import type { Database } from '../../src/database';
import { ENTITIES } from '../../src/entities/all';
import { LeadActivity } from '../../src/entities/lead-activity.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import {
  AdCampaignStatus,
  CustomerLabel,
  Governorate,
  LeadActivityType,
  LeadStage,
  MessageDirection,
  MessageSource,
  MessageStatus,
  PostType,
} from '../../src/enums';
import { makeAdCampaign, makeConversation, makeMessage, makePost, makeUser } from '../../src/testing';

export { TABLES } from '../support/database';

/** A new temporary folder, and a way to remove it with everything in it. */
export function tempDir(prefix = 'migochat-ops-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temporary folder for the calling suite, removed after its last test. Call
 * it before `useTestDatabase`, so that a database file in it is closed before
 * the folder goes.
 */
export function useTempDir(prefix?: string): { dir: string; remove: () => void } {
  const tmp = tempDir(prefix);
  afterAll(() => tmp.remove());
  return tmp;
}

/**
 * Writes rows in every table with awkward values: unicode, quotes and
 * newlines, nested JSON, a large bigint, booleans both ways, null and
 * millisecond dates, a sensitive setting. `tag` keeps unique columns unique.
 */
export async function seedVaried(db: Database, tag = 'a', users = 5): Promise<void> {
  const at = (offset: number): Date => new Date(Date.UTC(2026, 0, 15, 9, 30, 0, 0) + offset * 61_123);
  const savedUsers: User[] = [];
  for (let i = 0; i < users; i++) {
    savedUsers.push(
      await makeUser(db, {
        psid: i % 3 === 2 ? null : `${tag}-psid-${i}`,
        phoneNumber: i % 3 === 0 ? null : `+2010${String(1_000_000 + i).padStart(8, '0')}`,
        firstName: i === 0 ? 'Ahmed "Ace" O\'Neil' : `محمد ${i} 🚀`,
        lastName: i % 2 ? null : 'Line1\nLine2\ttab \\ backslash',
        email: `${tag}${i}@example.com`,
        governorate: i % 2 ? Governorate.CAIRO : null,
        leadStage: i % 2 ? LeadStage.QUALIFIED : LeadStage.NEW,
        customerLabel: i % 2 ? CustomerLabel.HOT : null,
        leadScore: (i * 17) % 101,
        primarySource: MessageSource.MESSENGER,
        isActive: i % 4 !== 3,
        lastMessageAt: i % 2 ? at(i) : null,
      }),
    );
  }
  const post = await makePost(db, {
    facebookPostId: `${tag}-post-1`,
    postType: PostType.REEL,
    content: 'Summer sale ☀️',
    likesCount: 12,
    publishedAt: at(1),
  });
  const campaign = await makeAdCampaign(db, {
    facebookCampaignId: `${tag}-camp-1`,
    name: 'Ramadan',
    status: AdCampaignStatus.PAUSED,
    impressions: 9_007_199_254,
    clicks: 12_345,
    conversions: 67,
    spendMinor: 123_456_789_012,
    currency: 'EGP',
    startsAt: at(2),
    endsAt: null,
  });
  await db.settings.set(`${tag}.api_token`, 'sk-secret-123', { sensitive: true });
  await db.settings.set(`${tag}.limits`, { daily: 50, nested: { x: [1, 2] } }, { category: 'ai' });
  let n = 0;
  for (const user of savedUsers) {
    const conversation = await makeConversation(db, {
      userId: user.id,
      source: MessageSource.MESSENGER,
      isActive: true,
      messageCount: 2,
      startedAt: at(3),
      lastMessageAt: at(4),
    });
    for (const direction of [MessageDirection.INBOUND, MessageDirection.OUTBOUND]) {
      n++;
      await makeMessage(db, {
        userId: user.id,
        conversationId: conversation.id,
        facebookMessageId: `${tag}-mid-${n}`,
        text: n % 2 ? 'How much is it? 💸' : null,
        attachments: n % 3 === 0 ? [{ type: 'image', url: 'https://cdn.example/x.jpg', meta: { w: 640, tags: ['a', 'b'] } }] : null,
        direction,
        status: direction === MessageDirection.OUTBOUND ? MessageStatus.READ : MessageStatus.SENT,
        source: MessageSource.MESSENGER,
        isAiResponse: direction === MessageDirection.OUTBOUND,
        aiResponseTimeMs: direction === MessageDirection.OUTBOUND ? 850 : null,
        postId: n % 2 ? post.id : null,
        adCampaignId: n % 2 ? null : campaign.id,
        sentAt: at(5 + n),
        readAt: direction === MessageDirection.OUTBOUND ? at(6 + n) : null,
      });
    }
    // No factory writes an audit entry: the repositories do, and none with these exact before and after values.
    await db.manager.save(
      Object.assign(new LeadActivity(), {
        userId: user.id,
        activityType: LeadActivityType.STAGE_CHANGE,
        stageBefore: LeadStage.NEW,
        stageAfter: LeadStage.QUALIFIED,
        scoreBefore: 0,
        scoreAfter: 40,
        note: 'called, interested',
        performedBy: 'agent-7',
      }),
    );
  }
}

/** Inserts `count` messages for one user in batches, fast. */
export async function seedManyMessages(db: Database, count: number): Promise<void> {
  const user = await makeUser(db, { psid: 'bulk-user' });
  const conversation = await makeConversation(db, { userId: user.id, source: MessageSource.WHATSAPP, messageCount: count });
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
        userId: user.id,
        conversationId: conversation.id,
        whatsappMessageId: `wamid-${start + i}`,
        text: `message ${start + i} ${'x'.repeat(40)}`,
        direction: MessageDirection.INBOUND,
        source: MessageSource.WHATSAPP,
        isAiResponse: false,
    }));
    await db.manager.insert(Message, batch);
  }
}

/** Every row of every table, as entities ordered by id. */
export async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const entity of ENTITIES) {
    const meta = db.dataSource.getMetadata(entity);
    out[meta.tableName] = await db.manager.find(entity as EntityTarget<ObjectLiteral>, { order: { id: 'ASC' } });
  }
  return out;
}

/** Row count per table. */
export async function counts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entity of ENTITIES) {
    out[db.dataSource.getMetadata(entity).tableName] = await db.manager.count(entity as EntityTarget<ObjectLiteral>);
  }
  return out;
}

/** The lines of an export file (gunzipped when needed). */
export function exportLines(file: string): string[] {
  const raw = readFileSync(file);
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text.split('\n').filter((l) => l !== '');
}

/** An export with `exportedAt` taken out of the header, for comparing two exports. */
export function comparableExport(file: string): unknown[] {
  return exportLines(file).map((line, i) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (i === 0) delete value['exportedAt'];
    return value;
  });
}
