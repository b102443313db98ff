// The input and result types of the message repository, and its batch bound.
import type { Conversation } from '../entities/conversation.entity';
import type { ContactsAttachment, LocationAttachment, Message, MessageAttachment, ReactionAttachment } from '../entities/message.entity';
import type { MessageKind, MessageSource, MessageStatus } from '../enums';

/** A message received from a customer (a webhook event), for {@link MessageRepository.recordInbound}. */
export interface RecordInboundInput {
  /** The customer it is from. */
  userId: number;
  /** The channel it came through. */
  source: MessageSource;
  /**
   * What the message holds. Default: `text` when `text` is given, else the
   * first attachment's `type` when it names a {@link MessageKind}, else
   * `file`. The kind decides what the message needs: `text` needs text; the
   * media kinds (`image`, `audio`, `video`, `file`) and `postback` need text
   * or an attachment; `sticker` an attachment; `reaction`, `location` and
   * `contacts` their typed attachment ({@link ReactionAttachment},
   * {@link LocationAttachment}, {@link ContactsAttachment}); `unsupported`
   * nothing. A `reaction` is stored (idempotently by its platform id) but
   * does not count in its conversation: neither `message_count` nor the
   * preview and `last_message_at` (of the conversation or the user) change.
   */
  kind?: MessageKind;
  /** The text, if any; whether the message needs it depends on its `kind`. */
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
  /**
   * When the platform says it was sent (default: now). Drives
   * `last_message_at` and the order of message pages. Must be from
   * 2004-01-01 to one day after now: a date outside is refused as a unit
   * mistake (seconds read as milliseconds give 1970; milliseconds read as
   * seconds give a far future).
   */
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

/**
 * A platform status for one message, for {@link MessageRepository.applyStatus}:
 * a WhatsApp `statuses[]` entry or a Messenger delivery/read of one `mid`.
 */
export interface StatusReceipt {
  /** The message's platform id: its Messenger `mid` or WhatsApp `wamid`. */
  messageId: string;
  /**
   * The status as the platform names it: `sent`, `delivered`, `read` or
   * `failed` are applied; anything else (WhatsApp's `deleted`, `warning`,
   * statuses added later) is answered with outcome `ignored`, never an error.
   */
  status: string;
  /** When it happened (WhatsApp: `timestamp` seconds x 1000); 2004-01-01 to one day after now. */
  at: Date;
  /** A `failed` status's errors (WhatsApp `errors[]`): the first one's code and title are stored on the message. */
  errors?: ReceiptError[];
}

/** One error of a failed status, as WhatsApp sends it in `statuses[].errors[]`. */
export interface ReceiptError {
  /** The platform's error code, e.g. 131047. */
  code: number;
  /** Its short title, e.g. `Re-engagement message`. */
  title: string;
  /** A longer message, if any (not stored). */
  message?: string;
}

/**
 * What {@link MessageRepository.applyStatus} did:
 * - `applied`: the message's status or receipt times moved forward;
 * - `unchanged`: the message has this status already, or a later one (statuses never move backwards);
 * - `pending`: no message has this id yet; the status is kept and applied when
 *   `recordOutbound` records the id (within 7 days);
 * - `ignored`: the status is not one this library tracks (`reason` says which); nothing was written.
 */
export interface StatusResult {
  /** What happened. */
  outcome: 'applied' | 'unchanged' | 'pending' | 'ignored';
  /** The message after the status (`applied`, `unchanged`), or `null` (`pending`, `ignored`). */
  message: Message | null;
  /** Why it was ignored or kept (for logs). */
  reason?: string;
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
