import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { AdCampaign } from '../entities/ad-campaign.entity';
import { LeadActivity } from '../entities/lead-activity.entity';
import { Message } from '../entities/message.entity';
import type { Post } from '../entities/post.entity';
import { User } from '../entities/user.entity';
import {
  CustomerLabel,
  CustomerType,
  Governorate,
  LeadActivityType,
  LeadStage,
  MessageDirection,
  MessageSource,
  MessageStatus,
  PostType,
  AdCampaignStatus,
} from '../enums';
import { RECORD_BATCH_MAX, type RecordInboundInput } from '../repositories/message.types';
import type { DatabaseScope } from '../scope';
import { normalizeSearchText } from '../search/normalize';
import { SeededRandom } from './random';

/** Options of {@link seedDemoData}. */
export interface SeedOptions {
  /** How many leads (default 50). */
  users?: number;
  /** Messages per lead, alternating inbound and reply (default 6). */
  messagesPerUser?: number;
  /** The same seed gives the same data (default 1). */
  seed?: number;
  /**
   * Called once the posts, campaigns and settings are written (`done` 0), then
   * after each batch of leads is committed: leads done of how many, and what
   * has been written so far (committed, so it stays if the seeding stops).
   */
  onProgress?: (done: number, total: number, written: SeedResult) => void;
  /**
   * Stops the seeding between two batches: the batches already committed
   * stay, the rest is not written, and the promise rejects with the signal's
   * reason.
   */
  signal?: AbortSignal;
}

/** What {@link seedDemoData} wrote. */
export interface SeedResult {
  /** Leads created (leads of this seed already in the database are left as they are). */
  users: number;
  /** Messages recorded, inbound and outbound. */
  messages: number;
  /** Posts upserted. */
  posts: number;
  /** Ad campaigns upserted. */
  adCampaigns: number;
}

const FIRST_NAMES = ['Ahmed', 'Mohamed', 'Mahmoud', 'Omar', 'Youssef', 'Mostafa', 'Karim', 'Hassan', 'Mona', 'Fatma', 'Aya', 'Nour', 'Salma', 'Heba', 'Yasmin', 'Mariam'];
const LAST_NAMES = ['Hassan', 'Ali', 'Ibrahim', 'Abdelrahman', 'El-Sayed', 'Mansour', 'Fathy', 'Saleh', 'Khalil', 'Farouk', 'Naguib', 'Soliman'];
const INBOUND = [
  'Hi, how much is this?',
  'السلام عليكم، السعر كام؟',
  'Do you deliver to my city?',
  'Is it available in black?',
  'عايز أعرف تفاصيل العرض',
  'Can I pay on delivery?',
  'How long does shipping take?',
  'I want to order 3 pieces',
  'ممكن صور أكتر؟',
  'Is there a warranty?',
];
const REPLIES = [
  'Hello! It is 450 EGP with free delivery this week.',
  'أهلاً بيك! السعر ٤٥٠ جنيه والتوصيل مجاني',
  'Yes, we deliver to all 27 governorates within 2-4 days.',
  'Available in black, white and navy.',
  'Cash on delivery is available everywhere.',
  'Sure, sending more photos now.',
];
const FUNNEL = [LeadStage.NEW, LeadStage.CONTACTED, LeadStage.QUALIFIED, LeadStage.HOT, LeadStage.PROPOSAL, LeadStage.NEGOTIATION];

/** Leads written per transaction (fewer when they have many messages: see {@link usersPerBatch}). */
const USERS_PER_BATCH = 500;
/** Keys per lookup, and conversations or users per counter UPDATE. */
const ROWS_PER_STATEMENT = 500;
/** Parameters per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535. */
const PARAMETERS_PER_INSERT = 10_000;

/** One lead as planned, before anything is written. */
interface PlannedUser {
  key: { psid: string } | { phoneNumber: string };
  values: QueryDeepPartialEntity<User>;
  inbound: Array<Omit<RecordInboundInput, 'userId'>>;
  outbound: Array<QueryDeepPartialEntity<Message>>;
  activities: Array<QueryDeepPartialEntity<LeadActivity>>;
}

/**
 * Fills a database with realistic, deterministic demo data: leads across
 * governorates on Messenger and WhatsApp, inbound messages answered by the AI
 * or an agent (with response times and read receipts), posts and ad campaigns
 * that messages are attributed to, funnel movement with its audit trail, and
 * a few settings. The same `seed` gives the same data; message times are laid
 * out over the 30 days before 2026-11-01 (UTC).
 *
 * Leads are written in batches, one transaction each: multi-row inserts of
 * the leads, their replies and their audit trail, and
 * `messages.recordInboundBatch` for what they wrote, so tens of thousands of
 * leads take seconds. A lead of this seed already in the database (same psid
 * or phone number) is left as it is. `signal` stops it between two batches.
 *
 * @example
 * ```ts
 * const db = await createTestDatabase();
 * await seedDemoData(db, { users: 20, messagesPerUser: 4, seed: 42 });
 * ```
 */
export async function seedDemoData(db: DatabaseScope, options: SeedOptions = {}): Promise<SeedResult> {
  const users = options.users ?? 50;
  const perUser = options.messagesPerUser ?? 6;
  const seed = options.seed ?? 1;
  const rng = new SeededRandom(seed);
  const base = Date.UTC(2026, 9, 2);
  const span = 30 * 24 * 3600 * 1000;
  options.signal?.throwIfAborted();

  const postTypes = [PostType.POST, PostType.REEL, PostType.STORY, PostType.AD];
  const posts: Post[] = [];
  for (let i = 1; i <= 6; i++) {
    posts.push(
      await db.posts.upsertByFacebookId({
        facebookPostId: `demo_post_${i}`,
        postType: postTypes[i % postTypes.length] ?? PostType.POST,
        content: `Offer #${i}: ${rng.pick(['summer collection', 'new arrivals', 'flash sale', 'bundle deal'])}`,
        permalinkUrl: `https://www.facebook.com/migochat/posts/${1000 + i}`,
        likesCount: rng.int(20, 2000),
        commentsCount: rng.int(0, 300),
        sharesCount: rng.int(0, 120),
        publishedAt: new Date(base - rng.int(1, 20) * 86_400_000),
      }),
    );
  }
  const campaigns: AdCampaign[] = [];
  for (let i = 1; i <= 3; i++) {
    const campaign = await db.adCampaigns.upsertByFacebookId({
      facebookCampaignId: `demo_campaign_${i}`,
      name: ['Ramadan messages', 'Cairo retargeting', 'WhatsApp leads'][i - 1] ?? `Campaign ${i}`,
      status: i === 3 ? AdCampaignStatus.PAUSED : AdCampaignStatus.ACTIVE,
      objective: 'MESSAGES',
      currency: 'EGP',
      startsAt: new Date(base - 10 * 86_400_000),
    });
    const impressions = rng.int(5_000, 200_000);
    const clicks = Math.floor(impressions * (0.005 + rng.next() * 0.03));
    await db.adCampaigns.recordMetrics(campaign.facebookCampaignId, {
      impressions,
      clicks,
      conversions: Math.floor(clicks * rng.next() * 0.2),
      spendMinor: rng.int(50_000, 2_500_000),
    });
    campaigns.push(campaign);
  }
  await db.settings.set('ai.enabled', true, { category: 'ai', description: 'Let the AI answer new messages' });
  await db.settings.set('ai.reply_delay_ms', 1500, { category: 'ai', description: 'Pause before an AI reply' });
  await db.settings.set('whatsapp.access_token', `demo-token-${seed}`, {
    category: 'whatsapp',
    description: 'WhatsApp Cloud API token',
    sensitive: true,
  });

  const written: SeedResult = { users: 0, messages: 0, posts: posts.length, adCampaigns: campaigns.length };
  options.onProgress?.(0, users, { ...written });
  const governorates = Object.values(Governorate);
  const types = Object.values(CustomerType);

  /** Draws one lead and everything it does; the random draws are all made here, never in a transaction (which may be retried). */
  const plan = (i: number): PlannedUser => {
    const whatsapp = rng.chance(0.4);
    const source = whatsapp ? MessageSource.WHATSAPP : MessageSource.MESSENGER;
    const key = whatsapp ? { phoneNumber: `+2010${String(10_000_000 + i)}` } : { psid: `demo_psid_${seed}_${i}` };
    const profile = {
      firstName: rng.pick(FIRST_NAMES),
      lastName: rng.pick(LAST_NAMES),
      governorate: rng.chance(0.35) ? Governorate.CAIRO : rng.pick(governorates),
      customerType: rng.pick(types),
      primarySource: source,
    };
    let at = base + Math.floor(rng.next() * span);
    const post = rng.chance(0.5) ? rng.pick(posts) : null;
    const campaign = !post && rng.chance(0.5) ? rng.pick(campaigns) : null;
    const inbound: PlannedUser['inbound'] = [];
    const outbound: PlannedUser['outbound'] = [];
    for (let k = 0; k < perUser; k++) {
      at += rng.int(1, 90) * 60_000;
      const externalId = `demo_${seed}_${i}_${k}`;
      const ids = whatsapp ? { whatsappMessageId: `wamid.${externalId}` } : { facebookMessageId: `m_${externalId}` };
      if (k % 2 === 0) {
        inbound.push({
          text: rng.pick(INBOUND),
          source,
          ...ids,
          ...(post ? { postId: post.id } : {}),
          ...(campaign ? { adCampaignId: campaign.id } : {}),
          sentAt: new Date(at),
        });
      } else {
        const ai = rng.chance(0.7);
        const responseMs = rng.int(400, 6_000);
        const text = rng.pick(REPLIES);
        const receipt = rng.pick([MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.READ]);
        // As the receipt would leave it: a read receipt also sets the missing deliveredAt.
        const receivedAt = new Date(at + responseMs + 60_000);
        outbound.push({
          ...ids,
          text,
          searchText: normalizeSearchText(text),
          source,
          direction: MessageDirection.OUTBOUND,
          status: receipt,
          isAiResponse: ai,
          aiResponseTimeMs: ai ? responseMs : null,
          sentAt: new Date(at + responseMs),
          deliveredAt: receivedAt,
          readAt: receipt === MessageStatus.READ ? receivedAt : null,
        });
      }
    }
    const activities: PlannedUser['activities'] = [];
    const performer = (by: string) => ({ performedBy: by, note: null });
    let stage = LeadStage.NEW;
    const steps = rng.int(0, FUNNEL.length - 1);
    for (let s = 1; s <= steps; s++) {
      const next = FUNNEL[s] ?? LeadStage.CONTACTED;
      activities.push({ activityType: LeadActivityType.STAGE_CHANGE, stageBefore: stage, stageAfter: next, ...performer(rng.chance(0.5) ? 'ai' : 'agent-7') });
      stage = next;
    }
    if (steps >= 3 && rng.chance(0.5)) {
      const next = rng.chance(0.6) ? LeadStage.CLOSED_WON : LeadStage.CLOSED_LOST;
      activities.push({ activityType: LeadActivityType.STAGE_CHANGE, stageBefore: stage, stageAfter: next, ...performer('agent-7') });
      stage = next;
    }
    let label: CustomerLabel | null = null;
    if (rng.chance(0.6)) {
      label = rng.pick(Object.values(CustomerLabel));
      activities.push({ activityType: LeadActivityType.LABEL_CHANGE, labelBefore: null, labelAfter: label, ...performer('agent-7') });
    }
    const score = Math.min(100, Math.max(0, steps * 15 + rng.int(0, 10)));
    if (score !== 0) activities.push({ activityType: LeadActivityType.SCORE_CHANGE, scoreBefore: 0, scoreAfter: score, ...performer('ai') });
    return { key, values: { ...key, ...profile, leadStage: stage, customerLabel: label, leadScore: score }, inbound, outbound, activities };
  };

  const batchSize = usersPerBatch(perUser);
  for (let start = 0; start < users; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch: PlannedUser[] = [];
    for (let i = start; i < Math.min(users, start + batchSize); i++) batch.push(plan(i));
    const done = await db.transaction((tx) => writeBatch(tx, batch));
    written.users += done.users;
    written.messages += done.messages;
    options.onProgress?.(Math.min(users, start + batchSize), users, { ...written });
  }
  return written;
}

/** Leads per transaction: at most {@link USERS_PER_BATCH}, and their inbound messages fit one `recordInboundBatch`. */
function usersPerBatch(perUser: number): number {
  const inboundPerUser = Math.ceil(perUser / 2);
  return Math.max(1, Math.min(USERS_PER_BATCH, Math.floor(RECORD_BATCH_MAX / Math.max(1, inboundPerUser))));
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Writes one batch of planned leads in the transaction `tx`; returns how many leads and messages it added. */
async function writeBatch(tx: DatabaseScope, batch: readonly PlannedUser[]): Promise<{ users: number; messages: number }> {
  const m = tx.manager;
  const idOf = (key: PlannedUser['key']) => ('psid' in key ? `psid:${key.psid}` : `phone:${key.phoneNumber}`);
  const lookUp = async (): Promise<Map<string, number>> => {
    const psids = batch.flatMap((u) => ('psid' in u.key ? [u.key.psid] : []));
    const phones = batch.flatMap((u) => ('phoneNumber' in u.key ? [u.key.phoneNumber] : []));
    const found = new Map<string, number>();
    for (const [column, keys] of [['psid', psids], ['phoneNumber', phones]] as const) {
      for (const part of slices(keys, ROWS_PER_STATEMENT)) {
        const rows = await m.createQueryBuilder(User, 'u').select(['u.id', `u.${column}`]).where(`u.${column} IN (:...keys)`, { keys: part }).getMany();
        for (const row of rows) found.set(column === 'psid' ? `psid:${row.psid}` : `phone:${row.phoneNumber}`, row.id);
      }
    }
    return found;
  };

  // Leads of this seed written before (an earlier run) are left as they are.
  const existing = await lookUp();
  const fresh = batch.filter((u) => !existing.has(idOf(u.key)));
  if (fresh.length === 0) return { users: 0, messages: 0 };
  await insertRows(tx, User, fresh.map((u) => u.values));
  const ids = await lookUp();
  const userId = (u: PlannedUser): number => {
    const id = ids.get(idOf(u.key));
    if (id === undefined) throw new Error(`the demo lead ${idOf(u.key)} was not written`);
    return id;
  };

  // What the leads wrote: the batch path, which opens their conversations and keeps the counters.
  const inbound = fresh.flatMap((u) => u.inbound.map((input) => ({ ...input, userId: userId(u) })));
  const conversationOf = new Map<number, number>();
  let messages = 0;
  for (const part of slices(inbound, RECORD_BATCH_MAX)) {
    for (const result of await tx.messages.recordInboundBatch(part)) {
      conversationOf.set(result.message.userId, result.conversation.id);
      if (result.created) messages++;
    }
  }

  // The replies, with their receipts applied: multi-row inserts, then the counters brought up to date in SQL.
  const outbound = fresh.flatMap((u) => {
    const id = userId(u);
    const conversationId = conversationOf.get(id);
    return conversationId === undefined ? [] : u.outbound.map((row) => ({ ...row, userId: id, conversationId }));
  });
  await insertRows(tx, Message, outbound);
  messages += outbound.length;
  if (outbound.length > 0) {
    for (const part of slices([...new Set(conversationOf.values())], ROWS_PER_STATEMENT)) {
      const list = part.map((id) => String(Math.trunc(id))).join(', ');
      await m.query(
        `UPDATE "conversations" SET ` +
          `"message_count" = (SELECT COUNT(*) FROM "messages" m WHERE m."conversation_id" = "conversations"."id"), ` +
          `"last_message_text" = (SELECT m."text" FROM "messages" m WHERE m."conversation_id" = "conversations"."id" ORDER BY m."sent_at" DESC, m."id" DESC LIMIT 1), ` +
          `"last_message_at" = (SELECT MAX(m."sent_at") FROM "messages" m WHERE m."conversation_id" = "conversations"."id") ` +
          `WHERE "id" IN (${list})`,
      );
    }
    for (const part of slices([...conversationOf.keys()], ROWS_PER_STATEMENT)) {
      const list = part.map((id) => String(Math.trunc(id))).join(', ');
      await m.query(
        `UPDATE "users" SET "last_message_at" = (SELECT MAX(m."sent_at") FROM "messages" m WHERE m."user_id" = "users"."id") WHERE "id" IN (${list})`,
      );
    }
  }

  // Their audit trail, as the audited changes would have written it.
  const activities = fresh.flatMap((u) => u.activities.map((row) => ({ ...row, userId: userId(u) })));
  await insertRows(tx, LeadActivity, activities);
  return { users: fresh.length, messages };
}

/**
 * Multi-row INSERTs of `rows` into the table of `entity`: the columns are
 * the properties any row sets (null where a row does not), each value
 * converted by the driver as TypeORM would; the database fills in `id` and
 * the timestamps. (TypeORM's own insert builder costs ten times more per row.)
 */
async function insertRows<T extends ObjectLiteral>(tx: DatabaseScope, entity: EntityTarget<T>, rows: ReadonlyArray<QueryDeepPartialEntity<T>>): Promise<void> {
  if (rows.length === 0) return;
  const m: EntityManager = tx.manager;
  const meta = m.connection.getMetadata(entity);
  const driver = m.connection.driver;
  const properties = new Set(rows.flatMap((row) => Object.keys(row)));
  const columns = [...properties].map((property) => {
    const column = meta.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${meta.name} has no column ${property}`);
    return column;
  });
  const names = columns.map((c) => `"${c.databaseName}"`).join(', ');
  const mark = tx.engine === 'postgres' ? (n: number) => `$${n}` : () => '?';
  for (const part of slices(rows, Math.max(1, Math.floor(PARAMETERS_PER_INSERT / columns.length)))) {
    const params: unknown[] = [];
    const tuples = part.map((row) => {
      const values = columns.map((column) => {
        params.push(driver.preparePersistentValue((row as Record<string, unknown>)[column.propertyName] ?? null, column));
        return mark(params.length);
      });
      return `(${values.join(', ')})`;
    });
    await m.query(`INSERT INTO "${meta.tableName}" (${names}) VALUES ${tuples.join(', ')}`, params);
  }
}
