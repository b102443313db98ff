export type { RepositoryContext } from './context';
export { EntityRepository } from './base.repository';
export { UserRepository } from './user.repository';
export { MessageRepository } from './message.repository';
export { ConversationRepository } from './conversation.repository';
export { LeadActivityRepository } from './lead-activity.repository';
export { PostRepository } from './post.repository';
export { AdCampaignRepository } from './ad-campaign.repository';
export { SettingsRepository } from './settings.repository';
