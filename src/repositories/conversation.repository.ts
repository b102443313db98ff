import type { EntityManager } from 'typeorm';
import { contextOf } from '../events/emit';
import type { ConversationClosedEvent } from '../events/types';
import type { Dialect } from '../dialect/index';
import { Conversation } from '../entities/conversation.entity';
import { User } from '../entities/user.entity';
import { MessageSource } from '../enums';
import { NotFoundError } from '../errors';
import { pageRequest, toPage, type CursorKey, type CursorList, type Page, type PageRequest } from '../pagination';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { checkSearch, CONVERSATION_SEARCH, searchConversations } from './search/index';
import type { ConversationSearchHit, MessageSearchOptions } from './search/types';
import { hydrateRow, limitLiteral, prefixedColumns, statement, tableHydrator, writeReturning } from './sql';
import { checkDate, checkEnum, checkId, optionsOf } from './support/checks';

/** Which page of the inbox to fetch, and an optional channel filter. */
export interface InboxRequest extends PageRequest {
  /** Only conversations on this channel. */
  source?: MessageSource;
}

const INBOX: CursorList = { name: 'conversations.inbox', sort: 'nullableTimestamp' };
const FOR_USER: CursorList = { name: 'conversations.listForUser', sort: 'id' };

/**
 * Queries and commands on {@link Conversation}: a thread between the business
 * and one customer on one channel. Reached as `db.conversations`.
 *
 * A user has at most one active conversation per source; the partial unique
 * index `UQ_conversations_active_user_source` enforces it, and
 * {@link getOrOpen} relies on it to be race-safe. Counters and the preview of
 * the last message are maintained by `db.messages.recordInbound` /
 * `recordOutbound`, never here.
 */
export class ConversationRepository extends EntityRepository<Conversation> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, Conversation);
  }

  /**
   * The user's active conversation on `source`, or `null`.
   *
   * @throws {@link EntityValidationError} for a bad `userId`.
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}.
   * @example
   * ```ts
   * const open = await db.conversations.findActive(user.id, MessageSource.WHATSAPP);
   * ```
   */
  async findActive(userId: number, source: MessageSource): Promise<Conversation | null> {
    checkId('Conversation', 'userId', userId);
    const channel = checkEnum(MessageSource, 'MessageSource', source);
    return this.ctx.read((m) => findActiveIn(m, this.ctx.dialect, userId, channel));
  }

  /**
   * The user's active conversation on `source`, opened (with `startedAt` now)
   * if there is none. Race-safe: concurrent calls, in one process or many,
   * all get the same conversation. The insert is `INSERT ... ON CONFLICT DO
   * NOTHING` against the partial unique index on active conversations, and
   * the active row is read afterwards, in one transaction on the primary.
   *
   * @throws {@link EntityValidationError} for a bad `userId`.
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}.
   * @throws {@link ForeignKeyError} when the user does not exist.
   * @example
   * ```ts
   * const conversation = await db.conversations.getOrOpen(user.id, MessageSource.MESSENGER);
   * ```
   */
  async getOrOpen(userId: number, source: MessageSource): Promise<Conversation> {
    checkId('Conversation', 'userId', userId);
    const channel = checkEnum(MessageSource, 'MessageSource', source);
    // A transaction keeps the read after the insert on the primary (replicas may lag).
    return this.ctx.transaction((tx) => tx.conversations.#getOrOpenHere(userId, channel));
  }

  /**
   * Full-text search by conversation: the conversations with messages
   * matching `query`, each once, with its best-matching message (most
   * relevant, then newest, then by id) and a {@link SearchSnippet} of that
   * message's original text marking the matched words. Ordered and paged as
   * `db.messages.search` orders their best messages; the query syntax,
   * normalisation, filters and windows of {@link SEARCH_WINDOW} matches are
   * those of {@link MessageRepository.search}. A conversation is listed in
   * the newest window where it has a match, with its best match there.
   * Snippets are computed in JavaScript, the same on both engines.
   *
   * @throws {@link EntityValidationError} (entity `MessageSearch`) for a bad `query`, filter or `limit`.
   * @throws {@link InvalidEnumValueError} for a `source` or `direction` outside its enum.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `conversations.search` for the same query and filters.
   * @example
   * ```ts
   * const { items } = await db.conversations.search('السعر XL', { source: MessageSource.WHATSAPP, limit: 10 });
   * for (const { conversation, snippet } of items) {
   *   const marked = snippet.highlights.reduceRight((text, [start, end]) => `${text.slice(0, start)}[${text.slice(start, end)}]${text.slice(end)}`, snippet.text);
   *   console.log(conversation.id, marked);
   * }
   * ```
   */
  async search(query: string, options?: MessageSearchOptions): Promise<Page<ConversationSearchHit>> {
    const dialect = this.ctx.dialect;
    const search = checkSearch(CONVERSATION_SEARCH, query, options);
    return this.ctx.read((m) => searchConversations(m, dialect, search));
  }

  /**
   * The inbox: active conversations, the most recent message first
   * (`last_message_at` descending, conversations without messages last, then
   * `id` descending), each with its `user` loaded by a join in the same query.
   *
   * Pages are keyset pages on (`last_message_at`, `id`), read through the
   * index `IDX_conversations_active_last_message`. Walking the pages with
   * `nextCursor` never returns a conversation twice, even while messages
   * arrive: a conversation that gets a new message moves above the cursor, so
   * a walk already past it does not see it again (and one not yet reached
   * shows up on the next walk from the first page, at the top). A walk
   * therefore lists every conversation that did not move while it ran.
   *
   * @throws {@link EntityValidationError} for a bad `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `conversations.inbox`.
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}.
   * @example
   * ```ts
   * const page = await db.conversations.inbox({ limit: 20 });
   * for (const c of page.items) console.log(c.user?.firstName, c.lastMessageText);
   * const next = page.nextCursor ? await db.conversations.inbox({ limit: 20, cursor: page.nextCursor }) : null;
   * ```
   */
  async inbox(request?: InboxRequest): Promise<Page<Conversation>> {
    const options = optionsOf('InboxRequest', 'request', request);
    const dialect = this.ctx.dialect;
    const { limit, key } = pageRequest(INBOX, dialect.engine, options);
    const source = options.source === undefined ? undefined : checkEnum(MessageSource, 'MessageSource', options.source);
    return this.ctx.read(async (m) => {
      const rows: Array<{ item: Conversation; key: CursorKey }> = [];
      // Two index range scans instead of one `NULLS LAST` sort: a backward scan of
      // (is_active, last_message_at) yields NULLs first on PostgreSQL, so the rows
      // with a time and the rows without one are read separately, each in index order.
      if (key === null || key[0] !== null) {
        const after = key === null ? [] : [key[0], key[0], key[1]];
        rows.push(...(await inboxRows(m, dialect, 'timed', source, key !== null, after, limit + 1)));
      }
      if (rows.length <= limit) {
        const after = key !== null && key[0] === null ? [key[1]] : [];
        rows.push(...(await inboxRows(m, dialect, 'untimed', source, after.length > 0, after, limit + 1 - rows.length)));
      }
      const page = toPage(rows, limit, INBOX, (r) => r.key);
      return { items: page.items.map((r) => r.item), nextCursor: page.nextCursor };
    });
  }

  /**
   * A user's conversations, active and closed, newest first (by `id`), in
   * keyset pages.
   *
   * @throws {@link EntityValidationError} for a bad `userId` or `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `conversations.listForUser`.
   * @example
   * ```ts
   * const history = await db.conversations.listForUser(user.id, { limit: 10 });
   * ```
   */
  async listForUser(userId: number, page?: PageRequest): Promise<Page<Conversation>> {
    checkId('Conversation', 'userId', userId);
    const { limit, key } = pageRequest(FOR_USER, this.ctx.engine, page);
    return this.ctx.read(async (m) => {
      const qb = m.createQueryBuilder(Conversation, 'c').where('c.userId = :userId', { userId });
      if (key !== null) qb.andWhere('c.id < :afterId', { afterId: key[1] });
      const rows = await qb.orderBy('c.id', 'DESC').limit(limit + 1).getMany();
      return toPage(rows, limit, FOR_USER, (c) => [null, c.id]);
    });
  }

  /**
   * Closes a conversation: `isActive` false, `endedAt` now. Closing one that
   * is already closed changes nothing and returns it as it is. The user's
   * next message on that channel opens a new conversation.
   *
   * @throws {@link NotFoundError} when there is no conversation with this id.
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647.
   * @example
   * ```ts
   * const closed = await db.conversations.close(conversation.id);
   * ```
   */
  async close(id: number): Promise<Conversation> {
    checkId('Conversation', 'id', id);
    return this.ctx.transaction((tx) => tx.conversations.#closeHere(id));
  }

  /**
   * Closes every active conversation idle since before `olderThan`: whose
   * last message (or, without messages, whose start) is older. One `UPDATE`.
   *
   * @param olderThan - The cut-off; conversations with activity at or after it stay open.
   * @returns How many conversations were closed.
   * @throws {@link EntityValidationError} when `olderThan` is not a valid Date from 1970 to 9999.
   * @example
   * ```ts
   * const closed = await db.conversations.closeIdle(new Date(Date.now() - 24 * 3600_000));
   * ```
   */
  async closeIdle(olderThan: Date): Promise<number> {
    checkDate('Conversation', 'olderThan', olderThan);
    const dialect = this.ctx.dialect;
    const cutOff = dialect.dateParam(olderThan);
    const update = (m: EntityManager) =>
      m
        .createQueryBuilder()
        .update(Conversation)
        .set({ isActive: false, endedAt: new Date(), updatedAt: () => dialect.now })
        .where('"is_active" = true')
        .andWhere(`COALESCE("last_message_at", "started_at", "created_at") < ${dialect.timestampParam('cutOff')}`, { cutOff });
    if (!this.ctx.collectingEvents) return (await this.ctx.run((m) => update(m).execute())).affected ?? 0;
    // Wanted as events: the closed conversations are read back and published with the transaction.
    return this.ctx.transaction(async (tx) => {
      const ctx = contextOf(tx);
      const rows = await ctx.run((m) => writeReturning(m, dialect, update(m), ['id', 'user_id', 'source']));
      const closed = rows.map((row) => closedEvent(Number(row['id']), Number(row['user_id']), row['source'] as MessageSource)).sort((a, b) => a.conversationId - b.conversationId);
      ctx.emit(...closed);
      return closed.length;
    });
  }

  /** getOrOpen on this (transaction) scope. */
  async #getOrOpenHere(userId: number, source: MessageSource): Promise<Conversation> {
    return this.ctx.run(async (m) => {
      // More than one round only if another caller closes the conversation in between.
      for (let round = 0; round < 3; round++) {
        const existing = await findActiveIn(m, this.ctx.dialect, userId, source);
        if (existing) return existing;
        // DO NOTHING swallows the duplicate when a concurrent caller opened one first;
        // on PostgreSQL it waits for that caller to commit, so the next read sees its row.
        const insert = m
          .createQueryBuilder()
          .insert()
          .into(Conversation)
          .values({ userId, source, isActive: true, messageCount: 0, startedAt: new Date() })
          .orIgnore()
          .updateEntity(false);
        if (!this.ctx.collectingEvents) {
          await insert.execute();
          continue;
        }
        const row = (await writeReturning(m, this.ctx.dialect, insert, ['id']))[0];
        if (row !== undefined) this.ctx.emit({ type: 'conversation.opened', conversationId: Number(row['id']), userId, source });
      }
      const opened = await findActiveIn(m, this.ctx.dialect, userId, source);
      if (!opened) throw new NotFoundError('Conversation', { userId, source, isActive: true });
      return opened;
    });
  }

  /** close on this (transaction) scope. */
  async #closeHere(id: number): Promise<Conversation> {
    const dialect = this.ctx.dialect;
    return this.ctx.run(async (m) => {
      const result = await m
        .createQueryBuilder()
        .update(Conversation)
        .set({ isActive: false, endedAt: new Date(), updatedAt: () => dialect.now })
        .where('"id" = :id AND "is_active" = true', { id })
        .execute();
      const found = await m.findOneBy(Conversation, { id });
      if (!found) throw new NotFoundError('Conversation', { id });
      if ((result.affected ?? 0) > 0) this.ctx.emit(closedEvent(found.id, found.userId, found.source));
      return found;
    });
  }
}

async function findActiveIn(m: EntityManager, dialect: Dialect, userId: number, source: MessageSource): Promise<Conversation | null> {
  const sql = statement(dialect, 'conversation-active', () => 'SELECT * FROM "conversations" WHERE "user_id" = ? AND "source" = ? AND "is_active" = true');
  const row = (await dialect.queryRows(m, sql, [userId, source]))[0];
  return row === undefined ? null : hydrateRow(m, Conversation, row);
}

/**
 * One part of an inbox page, with each conversation's user from the same
 * query: the conversations with a last message (`timed`, newest first) or
 * those without one (`untimed`, by id). `parameters`: the cursor's values
 * when `after`.
 */
async function inboxRows(
  m: EntityManager,
  dialect: Dialect,
  part: 'timed' | 'untimed',
  source: MessageSource | undefined,
  after: boolean,
  parameters: unknown[],
  rowLimit: number,
): Promise<Array<{ item: Conversation; key: CursorKey }>> {
  const sql = statement(dialect, `inbox:${part}:${source === undefined ? 'all' : 'source'}:${after ? 'after' : 'first'}:${rowLimit}`, () => {
    const at = dialect.timestampPlaceholder;
    const where = ['c."is_active" = true', part === 'timed' ? 'c."last_message_at" IS NOT NULL' : 'c."last_message_at" IS NULL'];
    if (source !== undefined) where.push('c."source" = ?');
    // The `<=` bound is the index range; the OR breaks ties within one instant by id.
    if (after) where.push(part === 'timed' ? `c."last_message_at" <= ${at} AND (c."last_message_at" < ${at} OR c."id" < ?)` : 'c."id" < ?');
    return (
      `SELECT c.*, ${dialect.timestampText('c."last_message_at"')} AS "cursor_ts", ${prefixedColumns(m, User, 'u', USER_PREFIX)} ` +
      `FROM "conversations" c INNER JOIN "users" u ON u."id" = c."user_id" WHERE ${where.join(' AND ')} ` +
      // The limit is part of the text: SQLite runs this a third slower with `LIMIT ?` (measured).
      `ORDER BY ${part === 'timed' ? 'c."last_message_at" DESC, ' : ''}c."id" DESC LIMIT ${limitLiteral(rowLimit)}`
    );
  });
  const table = await dialect.queryTable(m, sql, source === undefined ? parameters : [source, ...parameters]);
  const conversation = tableHydrator(m, Conversation, table.columns);
  const user = tableHydrator(m, User, table.columns, USER_PREFIX);
  const cursorAt = table.columns.indexOf('cursor_ts');
  return table.rows.map((row) => {
    const item = conversation(row);
    item.user = user(row);
    const cursor = row[cursorAt];
    return { item, key: [cursor === null || cursor === undefined ? null : String(cursor), item.id] };
  });
}

const USER_PREFIX = 'u__';

function closedEvent(conversationId: number, userId: number, source: MessageSource): ConversationClosedEvent {
  return { type: 'conversation.closed', conversationId, userId, source };
}
