// Snippets of docs/guides/search.md (run by test/docs/guide-snippets.test.ts).
import { MessageDirection, MessageSource, type Database, type SearchSnippet } from '@migochat/db';

/** "Who asked about the black one in size XL last week?" */
export async function whoAskedLastWeek(db: Database): Promise<number[]> {
  // #region messages
  const lastWeek = new Date(Date.now() - 7 * 24 * 3600_000);
  const page = await db.messages.search('black "size xl" -returned', {
    direction: MessageDirection.INBOUND, // what customers wrote
    since: lastWeek,
    limit: 20,
  });
  const customers = [...new Set(page.items.map((m) => m.userId))]; // most relevant first, then newest
  // #endregion messages
  return customers;
}

/** Arabic and English in one query: the same words however they are spelled. */
export async function arabicSearch(db: Database): Promise<string[]> {
  // #region arabic
  // Finds "الســعر كام؟" (tatweel), "السعر ٤٥٠" (Arabic-Indic digits) and "Price el XL kam?" alike.
  const page = await db.messages.search('السعر or price', { source: MessageSource.WHATSAPP });
  // #endregion arabic
  return page.items.map((m) => m.text ?? '');
}

/** A search box over conversations, with highlighted snippets, as an HTTP API returns it. */
export async function conversationResults(db: Database, query: string, cursor?: string) {
  // #region conversations
  const page = await db.conversations.search(query, { limit: 10, cursor });
  return {
    results: page.items.map(({ conversation, message, snippet }) => ({
      conversationId: conversation.id,
      userId: conversation.userId,
      sentAt: message.sentAt,
      snippet: marked(snippet), // or send { text, highlights } and let the UI mark them
    })),
    next: page.nextCursor, // for the same query and filters only
  };
  // #endregion conversations
}

// #region marked
/** The snippet with «…» around each matched word (a UI would use <mark> and escape the text). */
export function marked(snippet: SearchSnippet): string {
  let out = '';
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    out += `${snippet.text.slice(at, start)}«${snippet.text.slice(start, end)}»`;
    at = end;
  }
  return out + snippet.text.slice(at);
}
// #endregion marked
