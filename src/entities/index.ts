export { BaseRecord, TimestampedEntity } from './base-record';
export { User, E164_PATTERN } from './user.entity';
export {
  Message,
  type MessageAttachment,
  type ReactionAttachment,
  type LocationAttachment,
  type ContactsAttachment,
  type SharedContact,
  type StickerAttachment,
} from './message.entity';
export { PendingReceipt } from './pending-receipt.entity';
export { DataErasure } from './data-erasure.entity';
export { Conversation, LAST_MESSAGE_PREVIEW_LENGTH } from './conversation.entity';
export { LeadActivity } from './lead-activity.entity';
export { Post } from './post.entity';
export { AdCampaign } from './ad-campaign.entity';
export { AppSettings, MASKED_VALUE } from './app-settings.entity';
export { ENTITIES } from './all';
