export type { RepositoryContext } from './context';
export { EntityRepository } from './base.repository';
export { UserRepository, type CreateUserInput, type UserPatch, type LeadChangeOptions, type UserSearch } from './user.repository';
export { MessageRepository } from './message.repository';
export { ConversationRepository } from './conversation.repository';
export { LeadActivityRepository, type ContactOptions } from './lead-activity.repository';
export { PostRepository } from './post.repository';
export { AdCampaignRepository } from './ad-campaign.repository';
export { SettingsRepository } from './settings.repository';
