// Snippets of docs/guides/paging.md (run by test/docs/guide-snippets.test.ts).
import { MessageSource, type Conversation, type Database, type Message } from '@migochat/db';

/** Every active conversation, page by page. */
export async function wholeInbox(db: Database): Promise<Conversation[]> {
  // #region inbox
  const all: Conversation[] = [];
  let cursor: string | null = null;
  do {
    const page = await db.conversations.inbox({ limit: 50, cursor, source: MessageSource.WHATSAPP });
    all.push(...page.items); // newest activity first; page.items[i].user is joined
    cursor = page.nextCursor; // null on the last page
  } while (cursor);
  // #endregion inbox
  return all;
}

/** One page for an HTTP API: the cursor goes to the client and comes back. */
export async function historyPage(db: Database, userId: number, cursor?: string) {
  // #region api
  // GET /users/:id/messages?cursor=...  (the cursor is opaque text: pass it through as it is)
  const page = await db.messages.listForUser(userId, { limit: 20, cursor });
  return {
    messages: page.items.map((m: Message) => ({ id: m.id, text: m.text, direction: m.direction, sentAt: m.sentAt })),
    next: page.nextCursor, // the client sends it back for the next page, or stops at null
  };
  // #endregion api
}
