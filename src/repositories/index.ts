export { UserRepository } from './user.repository';
export type { CreateUserInput, UserPatch, LeadChangeOptions, UserSearch } from './user.types';
export type { EraseOptions, ErasureReceipt, ErasureStatus } from './user-erasure.types';
export { MessageRepository } from './message.repository';
export {
  RECORD_BATCH_MAX,
  type RecordInboundInput,
  type RecordOutboundInput,
  type RecordMessageResult,
  type StatusReceipt,
  type ReceiptError,
  type StatusResult,
  type MessageTimeRange,
  type AttributionOptions,
  type Attribution,
  type PostAttribution,
  type AdCampaignAttribution,
  type AiResponseStats,
} from './message.types';
export { ConversationRepository, type InboxRequest } from './conversation.repository';
export type { MessageSearchOptions, ConversationSearchHit } from './search/types';
export { LeadActivityRepository, type ContactOptions } from './lead-activity.repository';
export {
  PostRepository,
  type UpsertPostInput,
  type PostEngagement,
  type PostRanking,
  type TopPostsOptions,
  DEFAULT_TOP_POSTS,
  MAX_TOP_POSTS,
} from './post.repository';
export {
  AdCampaignRepository,
  type UpsertAdCampaignInput,
  type AdCampaignMetrics,
  type AdCampaignPerformance,
  type AdCampaignListOptions,
} from './ad-campaign.repository';
export {
  SettingsRepository,
  type JsonValue,
  type SettingValue,
  type SetSettingOptions,
  type ListSettingsOptions,
  type SettingEntry,
  MAX_SETTINGS_LIST,
} from './settings.repository';
export type { Repositories } from './registry';
