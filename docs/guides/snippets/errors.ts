// Snippets of docs/guides/errors.md (run by test/docs/guide-snippets.test.ts).
import { isMigochatDbError, MessageSource, type Database, type User } from '@migochat/db';

/** What an HTTP handler answers, by error code. */
export async function getLead(db: Database, id: number): Promise<{ status: number; body: unknown }> {
  // #region http
  try {
    const user: User = await db.users.getById(id);
    return { status: 200, body: user };
  } catch (e) {
    if (!isMigochatDbError(e)) throw e; // not ours: a bug in the handler
    switch (e.code) {
      case 'ENTITY_VALIDATION_ERROR': // bad input, refused before any SQL; the message names the field and rule
      case 'INVALID_ENUM_VALUE':
      case 'INVALID_CURSOR':
        return { status: 400, body: { error: e.code, message: e.message } };
      case 'NOT_FOUND':
        return { status: 404, body: { error: e.code } };
      case 'DATABASE_UNAVAILABLE': // the server is down or unreachable: the same db works again once it is back
      case 'QUERY_TIMEOUT':
      case 'TRANSACTION_CONFLICT':
        return { status: 503, body: { error: e.code, retry: true } };
      default:
        throw e; // STORAGE_FULL, DATABASE_CORRUPT, ...: alert someone
    }
  }
  // #endregion http
}

/** Retrying work that is safe to repeat. */
export async function recordWithRetry(db: Database, userId: number, mid: string, text: string) {
  // #region retry
  // A call that failed with DATABASE_UNAVAILABLE may or may not have committed.
  // Recording with a platform id is idempotent, so it is safe to try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text, facebookMessageId: mid });
    } catch (e) {
      const retryable = isMigochatDbError(e) && (e.code === 'DATABASE_UNAVAILABLE' || e.code === 'QUERY_TIMEOUT');
      if (!retryable || attempt === 3) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
  // #endregion retry
}
