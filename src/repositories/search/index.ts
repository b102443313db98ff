/**
 * Full-text search of messages and conversations: checks, SQL and pages.
 *
 * @internal
 * @module
 */
export { checkSearch } from './options';
export { CONVERSATION_SEARCH, MESSAGE_SEARCH, searchConversations, searchMessages } from './run';
export type { ConversationSearchHit, MessageSearchOptions } from './types';
