import type { Conversation } from '../../entities/conversation.entity';
import type { Message } from '../../entities/message.entity';
import type { MessageDirection, MessageSource } from '../../enums';
import type { PageRequest } from '../../pagination';
import type { SearchSnippet } from '../../search/highlight';

/**
 * Filters and paging of `db.messages.search` and `db.conversations.search`.
 * Every filter is optional; together they narrow the results (AND).
 *
 * @example
 * ```ts
 * const options: MessageSearchOptions = { source: MessageSource.WHATSAPP, direction: MessageDirection.INBOUND, since: lastWeek, limit: 20 };
 * ```
 */
export interface MessageSearchOptions extends PageRequest {
  /** Only this customer's messages. */
  userId?: number;
  /** Only messages of this channel. */
  source?: MessageSource;
  /** Only inbound (from customers) or outbound messages. */
  direction?: MessageDirection;
  /** Only messages sent at or after this time (`sentAt`, or `createdAt` for a row without one). */
  since?: Date;
  /** Only messages sent before this time. */
  until?: Date;
}

/**
 * One result of `db.conversations.search`: a conversation, the message of it
 * that matched best, and a snippet of that message's text with the matched
 * words marked.
 *
 * @example
 * ```ts
 * const { items } = await db.conversations.search('black xl');
 * for (const { conversation, message, snippet } of items) console.log(conversation.id, message.sentAt, snippet.text);
 * ```
 */
export interface ConversationSearchHit {
  /** The conversation. */
  conversation: Conversation;
  /** Its best-matching message (most relevant, then newest). */
  message: Message;
  /** The matched words in the message's original text. */
  snippet: SearchSnippet;
}
