import { AdCampaign } from './ad-campaign.entity';
import { AppSettings } from './app-settings.entity';
import { Conversation } from './conversation.entity';
import { DataErasure } from './data-erasure.entity';
import { LeadActivity } from './lead-activity.entity';
import { Message } from './message.entity';
import { PendingReceipt } from './pending-receipt.entity';
import { Post } from './post.entity';
import { User } from './user.entity';

/**
 * Every entity class, in foreign-key order (parents first). A plain array, so
 * it fits TypeORM's `entities` option and NestJS's
 * `TypeOrmModule.forFeature(ENTITIES)` as it is; register all of them
 * together, since their relations point at each other.
 */
export const ENTITIES = [User, Post, AdCampaign, AppSettings, Conversation, Message, LeadActivity, PendingReceipt, DataErasure];
