import { CustomerLabel, CustomerType, Governorate, LeadStage, MessageSource, MessageStatus, PostType, AdCampaignStatus } from '../enums';
import type { DatabaseScope } from '../scope';
import { SeededRandom } from './random';

/** Options of {@link seedDemoData}. */
export interface SeedOptions {
  /** How many leads (default 50). */
  users?: number;
  /** Messages per lead, alternating inbound and reply (default 6). */
  messagesPerUser?: number;
  /** The same seed gives the same data (default 1). */
  seed?: number;
  /** Called after each lead with how many are done of how many. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link seedDemoData} wrote. */
export interface SeedResult {
  /** Leads created. */
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

/**
 * Fills a database with realistic, deterministic demo data: leads across
 * governorates on Messenger and WhatsApp, inbound messages answered by the AI
 * or an agent (with response times and read receipts), posts and ad campaigns
 * that messages are attributed to, funnel movement with its audit trail, and
 * a few settings. The same `seed` gives the same data; message times are laid
 * out over the 30 days before 2026-11-01 (UTC).
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
  const rng = new SeededRandom(options.seed ?? 1);
  const base = Date.UTC(2026, 9, 2);
  const span = 30 * 24 * 3600 * 1000;

  const postTypes = [PostType.POST, PostType.REEL, PostType.STORY, PostType.AD];
  const posts = [];
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
  const campaigns = [];
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
  await db.settings.set('whatsapp.access_token', `demo-token-${options.seed ?? 1}`, {
    category: 'whatsapp',
    description: 'WhatsApp Cloud API token',
    sensitive: true,
  });

  let messages = 0;
  const governorates = Object.values(Governorate);
  const types = Object.values(CustomerType);
  for (let i = 0; i < users; i++) {
    const whatsapp = rng.chance(0.4);
    const source = whatsapp ? MessageSource.WHATSAPP : MessageSource.MESSENGER;
    const profile = {
      firstName: rng.pick(FIRST_NAMES),
      lastName: rng.pick(LAST_NAMES),
      governorate: rng.chance(0.35) ? Governorate.CAIRO : rng.pick(governorates),
      customerType: rng.pick(types),
      primarySource: source,
    };
    const user = whatsapp
      ? await db.users.findOrCreateByPhone(`+2010${String(10_000_000 + i)}`, profile)
      : await db.users.findOrCreateByPsid(`demo_psid_${options.seed ?? 1}_${i}`, profile);
    let at = base + Math.floor(rng.next() * span);
    const post = rng.chance(0.5) ? rng.pick(posts) : null;
    const campaign = !post && rng.chance(0.5) ? rng.pick(campaigns) : null;
    for (let k = 0; k < perUser; k++) {
      at += rng.int(1, 90) * 60_000;
      const externalId = `demo_${options.seed ?? 1}_${i}_${k}`;
      const ids = whatsapp ? { whatsappMessageId: `wamid.${externalId}` } : { facebookMessageId: `m_${externalId}` };
      if (k % 2 === 0) {
        await db.messages.recordInbound({
          userId: user.id,
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
        await db.messages.recordOutbound({
          userId: user.id,
          text: rng.pick(REPLIES),
          source,
          ...ids,
          isAiResponse: ai,
          ...(ai ? { aiResponseTimeMs: responseMs } : {}),
          sentAt: new Date(at + responseMs),
        });
        const receipt = rng.pick([MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.READ]);
        await db.messages.updateStatus(ids.facebookMessageId ?? ids.whatsappMessageId ?? '', receipt, new Date(at + responseMs + 60_000));
      }
      messages++;
    }
    const steps = rng.int(0, FUNNEL.length - 1);
    for (let s = 1; s <= steps; s++) {
      await db.users.changeLeadStage(user.id, FUNNEL[s] ?? LeadStage.CONTACTED, { performedBy: rng.chance(0.5) ? 'ai' : 'agent-7' });
    }
    if (steps >= 3 && rng.chance(0.5)) {
      await db.users.changeLeadStage(user.id, rng.chance(0.6) ? LeadStage.CLOSED_WON : LeadStage.CLOSED_LOST, { performedBy: 'agent-7' });
    }
    if (rng.chance(0.6)) {
      await db.users.changeLabel(user.id, rng.pick(Object.values(CustomerLabel)), { performedBy: 'agent-7' });
    }
    await db.users.adjustScore(user.id, steps * 15 + rng.int(0, 10), { performedBy: 'ai' });
    options.onProgress?.(i + 1, users);
  }
  return { users, messages, posts: posts.length, adCampaigns: campaigns.length };
}
