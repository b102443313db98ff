import { Message } from '../entities/message.entity';
import { MessageDirection, MessageSource, MessageStatus } from '../enums';
import { pageRequest, type CursorList, type Page, type PageRequest } from '../pagination';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { recordMessages, recordMessagesOnly } from './message-ingest';
import { FOR_CONVERSATION, FOR_USER, readPage } from './message/pages';
import { prepareInboundBatch, prepareMessage } from './message/prepare';
import { applyPendingReceipts, applyReceipt, applyWatermark, EXTERNAL_ID_LENGTH, keepPendingReceipt, type CheckedReceipt } from './message/receipts';
import { checkStatusReceipt } from './message/status-receipt';
import { attributionLimit, countsBySource, queryAiResponseStats, queryAttribution, sourceCountRows } from './message/statistics';
import { checkRange } from './message/time-range';
import type {
  AiResponseStats,
  Attribution,
  AttributionOptions,
  MessageTimeRange,
  RecordInboundInput,
  RecordMessageResult,
  RecordOutboundInput,
  StatusReceipt,
  StatusResult,
} from './message.types';
import { checkSearch, MESSAGE_SEARCH, searchMessages } from './search/index';
import type { MessageSearchOptions } from './search/types';
import { checkEnum, checkId, checkKey, checkPlatformTime } from './support/checks';
import { contextOf, messageStatus } from '../events/emit';

/**
 * Queries and commands on {@link Message}. Reached as `db.messages`.
 *
 * Recording a message ({@link recordInbound}, {@link recordOutbound}) is one
 * transaction that also keeps the conversation (`message_count`,
 * `last_message_text`, `last_message_at`) and the user's `last_message_at`
 * current, with SQL increments that stay right under any concurrency.
 */
export class MessageRepository extends EntityRepository<Message> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, Message);
  }

  /**
   * Records a message from a customer and returns it; see
   * {@link recordInboundDetailed} for what happens. A webhook delivered twice
   * returns the message recorded the first time.
   *
   * @throws {@link EntityValidationError} for invalid input; nothing is written.
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}; nothing is written.
   * @throws {@link NotFoundError} when the user does not exist; nothing is written.
   * @throws {@link ForeignKeyError} when `postId` or `adCampaignId` names no row; nothing is written.
   * @example
   * ```ts
   * const msg = await db.messages.recordInbound({
   *   userId: user.id,
   *   text: event.message.text,
   *   source: MessageSource.MESSENGER,
   *   facebookMessageId: event.message.mid,
   *   sentAt: new Date(event.timestamp),
   * });
   * ```
   */
  async recordInbound(input: RecordInboundInput): Promise<Message> {
    const message = await prepareMessage(input, MessageDirection.INBOUND);
    const dialect = this.ctx.dialect;
    // The message only: its conversation is not read back.
    return (await this.ctx.atomic((m, events) => recordMessagesOnly(m, dialect, [message], events)))[0]!;
  }

  /**
   * Records a message from a customer, in one transaction (joining the
   * caller's, inside `db.transaction`):
   *
   * 1. If `facebookMessageId` or `whatsappMessageId` is already recorded, the
   *    recorded message is returned with `created: false` and nothing changes.
   *    Concurrent deliveries of one id are safe too: the insert is
   *    `INSERT ... ON CONFLICT DO NOTHING`, so exactly one of them counts.
   * 2. Otherwise the user's active conversation on `source` is found or
   *    opened, the message is inserted (direction `inbound`), and the
   *    conversation's `message_count` is incremented in SQL. Its
   *    `last_message_at` and the user's become the later of their current
   *    value and the message's `sentAt`; `last_message_text` becomes the first
   *    500 characters (code points, so an emoji is never split) of the text,
   *    unless an even later message is already there (late deliveries do
   *    not overwrite the preview).
   *
   * The input is validated before any SQL runs.
   *
   * @throws {@link EntityValidationError} for invalid input; nothing is written.
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}; nothing is written.
   * @throws {@link NotFoundError} when the user does not exist; nothing is written.
   * @throws {@link ForeignKeyError} when `postId` or `adCampaignId` names no row; nothing is written.
   * @example
   * ```ts
   * const { message, conversation, created } = await db.messages.recordInboundDetailed({
   *   userId: user.id, text: 'Hi', source: MessageSource.WHATSAPP, whatsappMessageId: wamid,
   * });
   * if (created && conversation.messageCount === 1) await greet(user);
   * ```
   */
  async recordInboundDetailed(input: RecordInboundInput): Promise<RecordMessageResult> {
    const message = await prepareMessage(input, MessageDirection.INBOUND);
    return (await this.#recordHere([message]))[0]!;
  }

  /**
   * Records many messages from customers in one transaction (joining the
   * caller's), with the semantics and idempotency of
   * {@link recordInboundDetailed} for each, in input order: a platform id
   * already recorded (or repeated earlier in the same batch) returns the
   * recorded message with `created: false`. Every input is validated before
   * any SQL runs, and the batch is all or nothing: when one message fails
   * (e.g. an unknown user), nothing of the batch is written.
   *
   * The work is set-based, so a batch costs a handful of statements, not a
   * handful per message: one lookup of the platform ids, one of the users and
   * their active conversations, multi-row inserts (chunked under the engines'
   * parameter limits) and one counter `UPDATE` for all conversations and one
   * for all users. Each result's `conversation` is the conversation as it is
   * after the whole batch (results of one conversation share the object).
   *
   * @param inputs - At most {@link RECORD_BATCH_MAX} messages.
   * @returns One result per input, in input order.
   * @throws {@link EntityValidationError} for an invalid input or more than {@link RECORD_BATCH_MAX} inputs; nothing is written.
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}; nothing is written.
   * @throws {@link NotFoundError} when a user does not exist; nothing is written.
   * @throws {@link ForeignKeyError} when a `postId` or `adCampaignId` names no row; nothing is written.
   * @example
   * ```ts
   * const results = await db.messages.recordInboundBatch(
   *   entries.map((e) => ({ userId: e.userId, source: MessageSource.MESSENGER, text: e.text, facebookMessageId: e.mid })),
   * );
   * const fresh = results.filter((r) => r.created).length;
   * ```
   */
  async recordInboundBatch(inputs: readonly RecordInboundInput[]): Promise<RecordMessageResult[]> {
    const messages = await prepareInboundBatch(inputs);
    if (messages.length === 0) return [];
    return this.#recordHere(messages);
  }

  /**
   * Records a message sent to a customer (by an agent or the AI) and returns
   * it. Same bookkeeping and idempotency as {@link recordInboundDetailed},
   * direction `outbound`. Statuses that arrived for its `facebookMessageId`
   * or `whatsappMessageId` before it was recorded (kept by
   * {@link applyStatus}) are applied and deleted in the same transaction, so
   * the returned message already has them.
   *
   * @throws {@link EntityValidationError} for invalid input (e.g. a negative `aiResponseTimeMs`); nothing is written.
   * @throws {@link InvalidEnumValueError} for a `source` or `status` outside its enum; nothing is written.
   * @throws {@link NotFoundError} when the user does not exist; nothing is written.
   * @throws {@link ForeignKeyError} when `postId` or `adCampaignId` names no row; nothing is written.
   * @example
   * ```ts
   * const reply = await db.messages.recordOutbound({
   *   userId: user.id, text: answer, source: MessageSource.MESSENGER,
   *   facebookMessageId: sendResult.message_id, isAiResponse: true, aiResponseTimeMs: 840,
   * });
   * ```
   */
  async recordOutbound(input: RecordOutboundInput): Promise<Message> {
    return (await this.recordOutboundDetailed(input)).message;
  }

  /**
   * {@link recordOutbound}, returning the conversation too and whether the
   * message was new.
   *
   * @throws {@link EntityValidationError} for invalid input; nothing is written.
   * @throws {@link InvalidEnumValueError} for a `source` or `status` outside its enum; nothing is written.
   * @throws {@link NotFoundError} when the user does not exist; nothing is written.
   * @throws {@link ForeignKeyError} when `postId` or `adCampaignId` names no row; nothing is written.
   * @example
   * ```ts
   * const { message, created } = await db.messages.recordOutboundDetailed({
   *   userId: user.id, text: 'Thanks!', source: MessageSource.WHATSAPP, whatsappMessageId: wamid,
   * });
   * ```
   */
  async recordOutboundDetailed(input: RecordOutboundInput): Promise<RecordMessageResult> {
    const message = await prepareMessage(input, MessageDirection.OUTBOUND);
    return this.ctx.transaction((tx) => tx.messages.#recordOutboundHere(message));
  }

  /**
   * Applies a delivery or read receipt to the message with this Messenger or
   * WhatsApp message id, in one conditional `UPDATE`. The status never moves
   * backwards on the path `sent` < `delivered` < `read`: a `delivered` receipt
   * after `read` keeps `read`. `failed` is accepted only from `sent`, and a
   * failed message takes no further receipts. A `read` receipt also sets
   * `deliveredAt` when it is missing. Timestamps already set are kept (the
   * first receipt wins), so a repeated receipt changes nothing. `sent` is the
   * starting state and changes nothing. A receipt for an id not recorded yet
   * is lost here: {@link applyStatus} keeps it instead.
   *
   * @param externalId - The message's `facebookMessageId` or `whatsappMessageId`.
   * @param status - The status the receipt reports.
   * @param at - When it happened (default now), from 2004-01-01 to one day after now.
   * @returns The message after the receipt, or `null` when no message has this id.
   * @throws {@link InvalidEnumValueError} for a `status` outside {@link MessageStatus}.
   * @throws {@link EntityValidationError} for an id that is not a non-empty string of at
   *   most 255 characters, or an `at` that is not a valid Date in that window (rule
   *   `plausibleTime`, naming the likely seconds/milliseconds mistake).
   * @example
   * ```ts
   * // Messenger "delivery" webhook, one mid
   * await db.messages.updateStatus(mid, MessageStatus.DELIVERED, new Date(event.delivery.watermark));
   * ```
   */
  async updateStatus(externalId: string, status: MessageStatus, at: Date = new Date()): Promise<Message | null> {
    checkKey('Message', 'externalId', externalId, EXTERNAL_ID_LENGTH);
    const target = checkEnum(MessageStatus, 'MessageStatus', status);
    checkPlatformTime('Message', 'at', at);
    const receipt: CheckedReceipt = { target, when: this.ctx.dialect.dateParam(at), failure: null };
    // A transaction keeps the read after the update on the primary (replicas may lag).
    return this.ctx.transaction(async (tx) => (await tx.messages.#applyHere(externalId, receipt)).message);
  }

  /**
   * Applies a platform status to one message, as a webhook reports it
   * (a WhatsApp `statuses[]` entry: `id`, `status`, `timestamp`, `errors`),
   * in one transaction, forward-only as {@link updateStatus}:
   *
   * - `sent`, `delivered`, `read`, `failed` are applied to the message with
   *   this `mid` or `wamid`: outcome `applied` when it moved the message
   *   forward, `unchanged` when the message already had it or a later status.
   *   A `failed` status stores the first error's `code` and `title` (cut to
   *   255 characters) in `errorCode` and `errorTitle`.
   * - When no message has this id yet (WhatsApp often reports a status before
   *   the sending service has recorded its message), the status is kept in
   *   `pending_receipts` (outcome `pending`) and applied when
   *   {@link recordOutbound} records that id; kept statuses older than 7 days
   *   are dropped.
   * - Any other status (WhatsApp's `deleted` or `warning`, or one Meta adds
   *   later) changes nothing and is answered with outcome `ignored` and a
   *   `reason`, never an exception, so a webhook handler can log it and go on.
   *
   * @throws {@link EntityValidationError} for a receipt that is not an object, a `messageId`
   *   that is not a non-empty string of at most 255 characters, a `status` that is not a
   *   string, an `at` outside 2004-01-01 to one day after now (rule `plausibleTime`), or
   *   `errors` that are not `{ code: integer, title: string }` objects; nothing is written.
   * @example
   * ```ts
   * for (const s of change.value.statuses ?? []) {
   *   const result = await db.messages.applyStatus({ messageId: s.id, status: s.status, at: new Date(Number(s.timestamp) * 1000), errors: s.errors });
   *   if (result.outcome === 'ignored') log.info(result.reason);
   * }
   * ```
   */
  async applyStatus(receipt: StatusReceipt): Promise<StatusResult> {
    const checked = checkStatusReceipt(receipt, this.ctx.dialect);
    if ('ignored' in checked) return { outcome: 'ignored', message: null, reason: checked.ignored };
    return this.ctx.transaction((tx) => tx.messages.#applyStatusHere(checked.messageId, checked.receipt));
  }

  /**
   * Marks every outbound message of the user on `source` sent at or before
   * `watermark` as delivered (a Messenger `delivery.watermark`: "everything
   * sent before this was delivered"), in one set-based `UPDATE`,
   * forward-only as {@link updateStatus}: read and failed messages keep their
   * status, and `deliveredAt` already set is kept.
   *
   * @returns How many messages changed.
   * @throws {@link EntityValidationError} for a bad `userId`, or a `watermark` outside
   *   2004-01-01 to one day after now (rule `plausibleTime`).
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}.
   * @example
   * ```ts
   * await db.messages.markDeliveredUpTo(user.id, new Date(event.delivery.watermark), MessageSource.MESSENGER);
   * ```
   */
  async markDeliveredUpTo(userId: number, watermark: Date, source: MessageSource): Promise<number> {
    return this.#markUpTo(userId, watermark, source, MessageStatus.DELIVERED);
  }

  /**
   * Marks every outbound message of the user on `source` sent at or before
   * `watermark` as read (a Messenger `read.watermark`), in one set-based
   * `UPDATE`, forward-only as {@link updateStatus}; `deliveredAt` is filled
   * where it is missing. Failed messages are left alone.
   *
   * @returns How many messages changed.
   * @throws {@link EntityValidationError} for a bad `userId`, or a `watermark` outside
   *   2004-01-01 to one day after now (rule `plausibleTime`).
   * @throws {@link InvalidEnumValueError} for a `source` outside {@link MessageSource}.
   * @example
   * ```ts
   * const read = await db.messages.markReadUpTo(user.id, new Date(event.read.watermark), MessageSource.MESSENGER);
   * ```
   */
  async markReadUpTo(userId: number, watermark: Date, source: MessageSource): Promise<number> {
    return this.#markUpTo(userId, watermark, source, MessageStatus.READ);
  }

  /**
   * A user's messages, newest first by the platform's sent time (`sentAt`,
   * then `id`, descending), in keyset pages read through the index
   * `IDX_messages_user_sent`: a message delivered late sorts where it was
   * sent. Messages without a `sentAt` (written outside the repositories) come
   * last. Walking the pages returns every message that existed when the walk
   * began exactly once, even while new messages are recorded (with a
   * `sentAt` after the cursor's).
   *
   * @throws {@link EntityValidationError} for a bad `userId` or `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `messages.listForUser`.
   * @example
   * ```ts
   * let page = await db.messages.listForUser(user.id, { limit: 50 });
   * while (page.nextCursor) page = await db.messages.listForUser(user.id, { limit: 50, cursor: page.nextCursor });
   * ```
   */
  async listForUser(userId: number, page?: PageRequest): Promise<Page<Message>> {
    checkId('Message', 'userId', userId);
    return this.#listBy(FOR_USER, 'userId', userId, page);
  }

  /**
   * A conversation's messages, newest first by `sentAt` then `id`, in keyset
   * pages read through the index `IDX_messages_conversation_sent`; paging as
   * {@link listForUser}.
   *
   * @throws {@link EntityValidationError} for a bad `conversationId` or `limit`.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `messages.listForConversation`.
   * @example
   * ```ts
   * const { items, nextCursor } = await db.messages.listForConversation(conversation.id, { limit: 30 });
   * ```
   */
  async listForConversation(conversationId: number, page?: PageRequest): Promise<Page<Message>> {
    checkId('Message', 'conversationId', conversationId);
    return this.#listBy(FOR_CONVERSATION, 'conversationId', conversationId, page);
  }

  /**
   * Full-text search of message texts, Arabic and English alike: the
   * messages matching `query` in keyset pages, most relevant first, then
   * newest (`sentAt`), then by id.
   *
   * Relevance is ranked among the newest {@link SEARCH_WINDOW} matches at
   * a time: the first pages list the newest 1,000 matches by relevance,
   * then come the next 1,000, again by relevance, and so on. So a query
   * matching a fifth of a million messages costs what one matching a
   * thousand does. A match is more relevant with more of the query's words,
   * a word more often, or fewer other words (BM25's term weighting, computed
   * the same on both engines). The matches are read through the search
   * index (the FTS5 table `messages_fts`, or the GIN index
   * `IDX_messages_search`), newest first.
   *
   * The query is PostgreSQL's web search syntax on both engines: words (all
   * must occur), `"quoted phrases"`, `-word` or `-"a phrase"` to exclude,
   * `OR` between two words or phrases. Words are matched whole after
   * {@link normalizeSearchText} on both sides, so case, accents, harakat,
   * hamza forms, `ى`/`ي`, `ة`/`ه`, the tatweel and Arabic-Indic digits do
   * not matter; emoji and punctuation only separate words. Erased customers'
   * messages are never found (erasing clears their text).
   *
   * A cursor holds its window, so messages written after the first page
   * never shift later pages; they are found by the next new search.
   *
   * @param query - At most {@link MAX_SEARCH_QUERY_LENGTH} characters and {@link MAX_SEARCH_QUERY_WORDS} words, with at least one word to look for.
   * @throws {@link EntityValidationError} (entity `MessageSearch`) for a bad `query` (rules `isString`, `maxLength`, `maxWords`, `hasSearchWord`), filter or `limit`.
   * @throws {@link InvalidEnumValueError} for a `source` or `direction` outside its enum.
   * @throws {@link InvalidCursorError} for a `cursor` that is not a `nextCursor` of `messages.search` for the same query and filters.
   * @example
   * ```ts
   * // "Who asked about the black one in size XL last week?"
   * const page = await db.messages.search('black "size xl" -returned', {
   *   direction: MessageDirection.INBOUND,
   *   since: new Date(Date.now() - 7 * 24 * 3600_000),
   *   limit: 20,
   * });
   * for (const message of page.items) console.log(message.userId, message.text);
   * if (page.nextCursor) await db.messages.search('black "size xl" -returned', { direction: MessageDirection.INBOUND, limit: 20, cursor: page.nextCursor });
   * ```
   */
  async search(query: string, options?: MessageSearchOptions): Promise<Page<Message>> {
    const dialect = this.ctx.dialect;
    const search = checkSearch(MESSAGE_SEARCH, query, options);
    return this.ctx.read((m) => searchMessages(m, dialect, search));
  }

  /**
   * How many messages each channel carried in a window (by `created_at`),
   * every {@link MessageSource} present (0 when none). One `GROUP BY` query.
   *
   * @throws {@link EntityValidationError} for an invalid `since` or `until`.
   * @example
   * ```ts
   * const today = await db.messages.countBySource({ since: startOfDay });
   * console.log(today[MessageSource.WHATSAPP]);
   * ```
   */
  async countBySource(range?: MessageTimeRange): Promise<Record<MessageSource, number>> {
    const window = checkRange(range);
    const dialect = this.ctx.dialect;
    const rows = await this.ctx.read((m) => sourceCountRows(m, dialect, window));
    return countsBySource(rows);
  }

  /**
   * Which posts and ad campaigns the messages of a window (by `created_at`)
   * name, with how many messages each: two `GROUP BY` queries joined to the
   * posts and campaigns, most messages first (ties by id), at most `limit`
   * rows each.
   *
   * @throws {@link EntityValidationError} for an invalid `since`, `until` or `limit`.
   * @example
   * ```ts
   * const { posts, adCampaigns } = await db.messages.attribution({ since: monthStart });
   * console.log(`best campaign: ${adCampaigns[0]?.name} (${adCampaigns[0]?.messages} messages)`);
   * ```
   */
  async attribution(options?: AttributionOptions): Promise<Attribution> {
    const window = checkRange(options);
    const limit = attributionLimit(window);
    const dialect = this.ctx.dialect;
    return this.ctx.read((m) => queryAttribution(m, dialect, window, limit));
  }

  /**
   * Response-time statistics of the AI's replies (outbound, `isAiResponse`,
   * with `aiResponseTimeMs`) recorded in a window: count, mean, and the 50th
   * and 95th percentiles by the nearest-rank method (the value at rank
   * ceil(p/100 x count) in ascending order). Computed in the database (an
   * aggregate and one `ORDER BY ... LIMIT 1 OFFSET rank-1` per percentile);
   * rows are never loaded.
   *
   * @throws {@link EntityValidationError} for an invalid `since` or `until`.
   * @example
   * ```ts
   * const { count, meanMs, p95Ms } = await db.messages.aiResponseStats({ since: lastWeek });
   * ```
   */
  async aiResponseStats(range?: MessageTimeRange): Promise<AiResponseStats> {
    const window = checkRange(range);
    const dialect = this.ctx.dialect;
    return this.ctx.read((m) => queryAiResponseStats(m, dialect, window));
  }

  /** The recording itself, in one transaction (this scope's, or one of its own: fixed SQL only). */
  async #recordHere(messages: readonly Message[]): Promise<RecordMessageResult[]> {
    const dialect = this.ctx.dialect;
    return this.ctx.atomic((m, events) => recordMessages(m, dialect, messages, events));
  }

  /** recordOutbound on this (transaction) scope: the message, then the statuses kept for its ids. */
  async #recordOutboundHere(message: Message): Promise<RecordMessageResult> {
    const result = (await this.#recordHere([message]))[0]!;
    const ids = [result.message.facebookMessageId, result.message.whatsappMessageId].filter((id): id is string => id !== null);
    const dialect = this.ctx.dialect;
    const after = await this.ctx.run((m) => applyPendingReceipts(m, dialect, ids));
    if (after !== null && after.status !== result.message.status) this.ctx.emit(messageStatus(after));
    return after === null ? result : { ...result, message: after };
  }

  /** One receipt on this (transaction) scope. */
  async #applyHere(externalId: string, receipt: CheckedReceipt): Promise<{ message: Message | null; changed: boolean }> {
    const dialect = this.ctx.dialect;
    const applied = await this.ctx.run((m) => applyReceipt(m, dialect, externalId, receipt));
    if (applied.changed && applied.message !== null) this.ctx.emit(messageStatus(applied.message));
    return applied;
  }

  /** applyStatus on this (transaction) scope: applied, unchanged, or kept for later. */
  async #applyStatusHere(externalId: string, receipt: CheckedReceipt): Promise<StatusResult> {
    const { message, changed } = await this.#applyHere(externalId, receipt);
    if (message !== null) return { outcome: changed ? 'applied' : 'unchanged', message };
    const dialect = this.ctx.dialect;
    await this.ctx.run((m) => keepPendingReceipt(m, dialect, externalId, receipt));
    return { outcome: 'pending', message: null, reason: 'no message has this id yet: the status is kept and applied when the message is recorded' };
  }

  async #markUpTo(userId: number, watermark: Date, source: MessageSource, target: MessageStatus.DELIVERED | MessageStatus.READ): Promise<number> {
    checkId('Message', 'userId', userId);
    checkPlatformTime('Message', 'watermark', watermark);
    const channel = checkEnum(MessageSource, 'MessageSource', source);
    const dialect = this.ctx.dialect;
    const when = dialect.dateParam(watermark);
    if (!this.ctx.collectingEvents) return this.ctx.run(async (m) => (await applyWatermark(m, dialect, userId, channel, target, when, false)).count);
    // Wanted as events: the moved messages are read back, and published with the transaction.
    return this.ctx.transaction(async (tx) => {
      const ctx = contextOf(tx);
      const { count, moved } = await ctx.run((m) => applyWatermark(m, dialect, userId, channel, target, when, true));
      ctx.emit(...moved.map((row) => ({ type: 'message.status' as const, ...row })));
      return count;
    });
  }

  async #listBy(list: CursorList, column: 'userId' | 'conversationId', value: number, page: PageRequest | undefined): Promise<Page<Message>> {
    const dialect = this.ctx.dialect;
    const { limit, key } = pageRequest(list, dialect.engine, page);
    return this.ctx.read((m) => readPage(m, dialect, list, column, value, key, limit));
  }
}
