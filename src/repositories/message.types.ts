// The input and result types of the message repository, and its batch bound.
import type { Conversation } from '../entities/conversation.entity';
import type { Message, MessageAttachment } from '../entities/message.entity';
import type { MessageSource, MessageStatus } from '../enums';

/** A message received from a customer (a webhook event), for {@link MessageRepository.recordInbound}. */
export interface RecordInboundInput {
  /** The customer it is from. */
  userId: number;
  /** The channel it came through. */
  source: MessageSource;
  /** The text, if any. A message needs `text` or at least one attachment. */
  text?: string | null;
  /**
   * Attachments as the platform sent them: at most 100, JSON only (see
   * {@link Message.attachments}), nested at most 32 levels, 1,000,000 bytes in all.
   */
  attachments?: MessageAttachment[] | null;
  /** Messenger `mid`: makes recording idempotent (a redelivered webhook is recorded once). */
  facebookMessageId?: string | null;
  /** WhatsApp `wamid`: makes recording idempotent. */
  whatsappMessageId?: string | null;
  /** The post that started the message (attribution). */
  postId?: number | null;
  /** The ad campaign that started the message (attribution). */
  adCampaignId?: number | null;
  /** When the platform says it was sent (default: now), 1970 to 9999. Drives `last_message_at`. */
  sentAt?: Date;
}

/** A message sent to a customer, for {@link MessageRepository.recordOutbound}. */
export interface RecordOutboundInput extends RecordInboundInput {
  /** Whether the AI wrote it (default false). */
  isAiResponse?: boolean;
  /** How long the AI took, in milliseconds (0 or more). */
  aiResponseTimeMs?: number | null;
  /** Delivery state (default `sent`; `failed` when the platform refused it). */
  status?: MessageStatus;
}

/** What recording a message did. */
export interface RecordMessageResult {
  /** The message: the new one, or the one already recorded under the same platform id. */
  message: Message;
  /** The message's conversation, with its counters after the write. */
  conversation: Conversation;
  /** False when the platform id was already recorded and nothing was written. */
  created: boolean;
}

/** A time window; `since` inclusive, `until` exclusive, both optional. Compared with `created_at`. */
export interface MessageTimeRange {
  /** From this instant on (inclusive). */
  since?: Date;
  /** Before this instant (exclusive). */
  until?: Date;
}

/** Options of {@link MessageRepository.attribution}. */
export interface AttributionOptions extends MessageTimeRange {
  /** At most this many posts and this many campaigns (1 to 500, default 100), the top ones. */
  limit?: number;
}

/** Messages per post, a row of {@link Attribution.posts}. */
export interface PostAttribution {
  /** `posts.id`. */
  postId: number;
  /** The post's Facebook id. */
  facebookPostId: string;
  /** How many messages name this post. */
  messages: number;
}

/** Messages per ad campaign, a row of {@link Attribution.adCampaigns}. */
export interface AdCampaignAttribution {
  /** `ad_campaigns.id`. */
  adCampaignId: number;
  /** The campaign's Facebook id. */
  facebookCampaignId: string;
  /** The campaign's name. */
  name: string;
  /** How many messages name this campaign. */
  messages: number;
}

/** Which posts and campaigns brought messages in; each list sorted by `messages`, most first (ties by id). */
export interface Attribution {
  /** Posts with at least one message in the window. */
  posts: PostAttribution[];
  /** Ad campaigns with at least one message in the window. */
  adCampaigns: AdCampaignAttribution[];
}

/** AI response times; every figure `null` when there is no AI reply in the window. */
export interface AiResponseStats {
  /** How many outbound AI replies have a response time. */
  count: number;
  /** Their mean response time, in milliseconds. */
  meanMs: number | null;
  /** Median (nearest-rank), in milliseconds. */
  p50Ms: number | null;
  /** 95th percentile (nearest-rank), in milliseconds. */
  p95Ms: number | null;
}

/** The most messages {@link MessageRepository.recordInboundBatch} takes in one call. */
export const RECORD_BATCH_MAX = 5000;
