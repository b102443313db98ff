import { AdCampaignRepository } from './ad-campaign.repository';
import type { RepositoryContext } from './context';
import { ConversationRepository } from './conversation.repository';
import { LeadActivityRepository } from './lead-activity.repository';
import { MessageRepository } from './message.repository';
import { PostRepository } from './post.repository';
import { SettingsRepository } from './settings.repository';
import { UserRepository } from './user.repository';

/**
 * The repositories of a {@link DatabaseScope}, by the names they have on
 * `db`, `db.primary` and a transaction's `tx`. A new repository is added
 * here and in `REPOSITORY_CLASSES` below it (the compiler asks for both), and
 * exported from the repositories' index.
 */
export interface Repositories {
  /** Customers (leads): lookups, find-or-create, stage, label and score changes, search, funnel. */
  readonly users: UserRepository;
  /** Messages: idempotent inbound recording, outbound, receipts, history, statistics. */
  readonly messages: MessageRepository;
  /** Conversations: get-or-open, the inbox, closing. */
  readonly conversations: ConversationRepository;
  /** The leads' append-only audit trail. */
  readonly leadActivities: LeadActivityRepository;
  /** Facebook posts and their engagement. */
  readonly posts: PostRepository;
  /** Facebook ad campaigns, metrics and performance. */
  readonly adCampaigns: AdCampaignRepository;
  /** Typed application settings. */
  readonly settings: SettingsRepository;
}

/** The class behind each of the {@link Repositories}. @internal */
export const REPOSITORY_CLASSES: { readonly [K in keyof Repositories]: new (ctx: RepositoryContext) => Repositories[K] } = {
  users: UserRepository,
  messages: MessageRepository,
  conversations: ConversationRepository,
  leadActivities: LeadActivityRepository,
  posts: PostRepository,
  adCampaigns: AdCampaignRepository,
  settings: SettingsRepository,
};

/** The names of the {@link Repositories}. @internal */
export const REPOSITORY_NAMES = Object.keys(REPOSITORY_CLASSES) as ReadonlyArray<keyof Repositories>;
