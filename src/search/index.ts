/**
 * Full-text search of messages: the normalisation, the query language and snippets.
 *
 * @module
 */
export { normalizeSearchText } from './normalize';
export { MAX_SEARCH_QUERY_LENGTH, MAX_SEARCH_QUERY_WORDS } from './query';
export { SNIPPET_LENGTH, type SearchSnippet } from './highlight';
export { SEARCH_WINDOW } from './rank';
