import type { SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Conversation } from '../entities/conversation.entity';
import { Message, type MessageAttachment } from '../entities/message.entity';
import { MessageDirection, MessageSource, MessageStatus } from '../enums';
import { pageRequest, toPage, type CursorKey, type CursorList, type Page, type PageRequest } from '../pagination';
import { describeValue, invalid, validateEntity } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { recordMessages } from './message-ingest';
import type { Dialect } from '../dialect/index';
import { hydrateRow, limitLiteral, statement } from './sql';
import { checkDate, checkEnum, checkId, checkKey, checkObject, optionsOf } from './support/checks';

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

const INBOUND_KEYS: ReadonlySet<string> = new Set<keyof RecordInboundInput>([
  'userId',
  'source',
  'text',
  'attachments',
  'facebookMessageId',
  'whatsappMessageId',
  'postId',
  'adCampaignId',
  'sentAt',
]);
const OUTBOUND_KEYS: ReadonlySet<string> = new Set<string>([...INBOUND_KEYS, 'isAiResponse', 'aiResponseTimeMs', 'status']);

/** Rank of each status on the way sent, delivered, read (failed is off that path). */
const DELIVERY_PATH: readonly MessageStatus[] = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ];

/** The most messages {@link MessageRepository.recordInboundBatch} takes in one call. */
export const RECORD_BATCH_MAX = 5000;

const ATTRIBUTION_DEFAULT_LIMIT = 100;
const ATTRIBUTION_MAX_LIMIT = 500;

/** Column length of `facebook_message_id` and `whatsapp_message_id`. */
const EXTERNAL_ID_LENGTH = 255;

/** Inputs validated between two turns of the event loop, so a large batch never blocks it for long. */
const PREPARED_PER_TURN = 250;

const FOR_USER: CursorList = { name: 'messages.listForUser', sort: 'timestamp' };
const FOR_CONVERSATION: CursorList = { name: 'messages.listForConversation', sort: 'timestamp' };

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
    return (await this.recordInboundDetailed(input)).message;
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
    const message = await prepare(input, MessageDirection.INBOUND);
    return (await this.ctx.transaction((tx) => tx.messages.#recordHere([message])))[0]!;
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
    if (!Array.isArray(inputs)) invalid('Message', 'inputs', 'isArray', 'expected an array of inbound messages');
    if (inputs.length > RECORD_BATCH_MAX) {
      invalid('Message', 'inputs', 'arrayMaxSize', `at most ${RECORD_BATCH_MAX} messages per batch, got ${inputs.length}`);
    }
    const messages: Message[] = [];
    for (let i = 0; i < inputs.length; i++) {
      // Validation resolves in microtasks: give timers and I/O a turn now and then.
      if (i > 0 && i % PREPARED_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      messages.push(await prepare(inputs[i], MessageDirection.INBOUND));
    }
    if (messages.length === 0) return [];
    return this.ctx.transaction((tx) => tx.messages.#recordHere(messages));
  }

  /**
   * Records a message sent to a customer (by an agent or the AI) and returns
   * it. Same bookkeeping and idempotency as {@link recordInboundDetailed},
   * direction `outbound`.
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
    const message = await prepare(input, MessageDirection.OUTBOUND);
    return (await this.ctx.transaction((tx) => tx.messages.#recordHere([message])))[0]!;
  }

  /**
   * Applies a delivery or read receipt to the message with this Messenger or
   * WhatsApp message id, in one conditional `UPDATE`. The status never moves
   * backwards on the path `sent` < `delivered` < `read`: a `delivered` receipt
   * after `read` keeps `read`. `failed` is accepted only from `sent`, and a
   * failed message takes no further receipts. A `read` receipt also sets
   * `deliveredAt` when it is missing. Timestamps already set are kept (the
   * first receipt wins), so a repeated receipt changes nothing. `sent` is the
   * starting state and changes nothing.
   *
   * @param externalId - The message's `facebookMessageId` or `whatsappMessageId`.
   * @param status - The status the receipt reports.
   * @param at - When it happened (default now).
   * @returns The message after the receipt, or `null` when no message has this id.
   * @throws {@link InvalidEnumValueError} for a `status` outside {@link MessageStatus}.
   * @throws {@link EntityValidationError} for an id that is not a non-empty string of at
   *   most 255 characters, or a date that is not a valid Date from 1970 to 9999.
   * @example
   * ```ts
   * // Messenger "read" webhook
   * await db.messages.updateStatus(mid, MessageStatus.READ, new Date(event.read.watermark));
   * ```
   */
  async updateStatus(externalId: string, status: MessageStatus, at: Date = new Date()): Promise<Message | null> {
    checkKey('Message', 'externalId', externalId, EXTERNAL_ID_LENGTH);
    const target = checkEnum(MessageStatus, 'MessageStatus', status);
    checkDate('Message', 'at', at);
    // A transaction keeps the read after the update on the primary (replicas may lag).
    return this.ctx.transaction((tx) => tx.messages.#updateStatusHere(externalId, target, at));
  }

  /**
   * A user's messages, newest first (`created_at`, then `id`, descending), in
   * keyset pages read through the index `IDX_messages_user_created`. Walking
   * the pages returns every message that existed when the walk began exactly
   * once, even while new messages are recorded (they sort before the cursor).
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
   * A conversation's messages, newest first, in keyset pages read through the
   * index `IDX_messages_conversation_created`; paging as {@link listForUser}.
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
    const rows = await this.ctx.run((m) => {
      const qb = m.createQueryBuilder(Message, 'm').select('m.source', 'source').addSelect('COUNT(*)', 'count');
      this.#applyRange(qb, window);
      return qb.groupBy('m.source').getRawMany<{ source: string; count: string | number }>();
    });
    const counts = Object.fromEntries(Object.values(MessageSource).map((s) => [s, 0])) as Record<MessageSource, number>;
    for (const row of rows) {
      if (row.source in counts) counts[row.source as MessageSource] = Number(row.count);
    }
    return counts;
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
    const limit: unknown = (window as AttributionOptions).limit ?? ATTRIBUTION_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > ATTRIBUTION_MAX_LIMIT) {
      invalid('AttributionOptions', 'limit', 'range', `limit must be a whole number from 1 to ${ATTRIBUTION_MAX_LIMIT}, got ${describeValue(limit)}`);
    }
    return this.ctx.run(async (m) => {
      const posts = m
        .createQueryBuilder(Message, 'm')
        .innerJoin('m.post', 'p')
        .select('m.postId', 'postId')
        .addSelect('p.facebookPostId', 'facebookPostId')
        .addSelect('COUNT(*)', 'messages');
      this.#applyRange(posts, window);
      const postRows = await posts
        .groupBy('m.postId')
        .addGroupBy('p.facebookPostId')
        .orderBy('COUNT(*)', 'DESC')
        .addOrderBy('m.postId', 'ASC')
        .limit(limit as number)
        .getRawMany<{ postId: number | string; facebookPostId: string; messages: number | string }>();
      const campaigns = m
        .createQueryBuilder(Message, 'm')
        .innerJoin('m.adCampaign', 'a')
        .select('m.adCampaignId', 'adCampaignId')
        .addSelect('a.facebookCampaignId', 'facebookCampaignId')
        .addSelect('a.name', 'name')
        .addSelect('COUNT(*)', 'messages');
      this.#applyRange(campaigns, window);
      const campaignRows = await campaigns
        .groupBy('m.adCampaignId')
        .addGroupBy('a.facebookCampaignId')
        .addGroupBy('a.name')
        .orderBy('COUNT(*)', 'DESC')
        .addOrderBy('m.adCampaignId', 'ASC')
        .limit(limit as number)
        .getRawMany<{ adCampaignId: number | string; facebookCampaignId: string; name: string; messages: number | string }>();
      return {
        posts: postRows.map((r) => ({ postId: Number(r.postId), facebookPostId: r.facebookPostId, messages: Number(r.messages) })),
        adCampaigns: campaignRows.map((r) => ({
          adCampaignId: Number(r.adCampaignId),
          facebookCampaignId: r.facebookCampaignId,
          name: r.name,
          messages: Number(r.messages),
        })),
      };
    });
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
    return this.ctx.run(async (m) => {
      const aiReplies = (): SelectQueryBuilder<Message> => {
        const qb = m
          .createQueryBuilder(Message, 'm')
          .where('m.direction = :outbound', { outbound: MessageDirection.OUTBOUND })
          .andWhere('m.isAiResponse = :ai', { ai: true })
          .andWhere('m.aiResponseTimeMs IS NOT NULL');
        this.#applyRange(qb, window);
        return qb;
      };
      const totals = await aiReplies()
        .select('COUNT(*)', 'count')
        .addSelect('AVG(m.aiResponseTimeMs)', 'mean')
        .getRawOne<{ count: string | number; mean: string | number | null }>();
      const count = Number(totals?.count ?? 0);
      if (count === 0) return { count: 0, meanMs: null, p50Ms: null, p95Ms: null };
      const percentile = async (p: number): Promise<number | null> => {
        const rank = Math.max(1, Math.ceil((p / 100) * count));
        const row = await aiReplies()
          .select('m.aiResponseTimeMs', 'ms')
          .orderBy('m.aiResponseTimeMs', 'ASC')
          .offset(rank - 1)
          .limit(1)
          .getRawOne<{ ms: string | number }>();
        return row === undefined ? null : Number(row.ms);
      };
      return {
        count,
        meanMs: totals?.mean === null || totals?.mean === undefined ? null : Number(totals.mean),
        p50Ms: await percentile(50),
        p95Ms: await percentile(95),
      };
    });
  }

  /** The recording itself, on this (transaction) scope. */
  async #recordHere(messages: readonly Message[]): Promise<RecordMessageResult[]> {
    const dialect = this.ctx.dialect;
    return this.ctx.run((m) => recordMessages(m, dialect, messages));
  }

  /** updateStatus on this (transaction) scope. */
  async #updateStatusHere(externalId: string, target: MessageStatus, at: Date): Promise<Message | null> {
    const dialect = this.ctx.dialect;
    const when = dialect.dateParam(at);
    return this.ctx.run(async (m) => {
      const change = statusChange(target, dialect);
      if (change) {
        await m
          .createQueryBuilder()
          .update(Message)
          .set({ ...change.set, updatedAt: () => dialect.now })
          .where('("facebook_message_id" = :ext OR "whatsapp_message_id" = :ext)', { ext: externalId })
          .andWhere(change.where)
          .setParameters({
            at: when,
            target,
            sent: MessageStatus.SENT,
            delivered: MessageStatus.DELIVERED,
            read: MessageStatus.READ,
            onPath: [...DELIVERY_PATH],
          })
          .execute();
      }
      return m
        .createQueryBuilder(Message, 'm')
        .where('(m.facebookMessageId = :ext OR m.whatsappMessageId = :ext)', { ext: externalId })
        .orderBy('m.id', 'ASC')
        .getOne();
    });
  }

  async #listBy(list: CursorList, column: 'userId' | 'conversationId', value: number, page: PageRequest | undefined): Promise<Page<Message>> {
    const dialect = this.ctx.dialect;
    const { limit, key } = pageRequest(list, dialect.engine, page);
    const columnName = column === 'userId' ? 'user_id' : 'conversation_id';
    const sql = statement(dialect, `messages-by:${columnName}:${key === null ? 'first' : 'after'}:${limit}`, () => {
      const at = dialect.timestampPlaceholder;
      // The `<=` bound is the index range; the OR breaks ties within one instant by id.
      const after = key === null ? '' : ` AND m."created_at" <= ${at} AND (m."created_at" < ${at} OR m."id" < ?)`;
      return (
        `SELECT m.*, ${dialect.timestampText('m."created_at"')} AS "cursor_ts" FROM "messages" m ` +
        `WHERE m."${columnName}" = ?${after} ORDER BY m."created_at" DESC, m."id" DESC LIMIT ${limitLiteral(limit + 1)}`
      );
    });
    const parameters = key === null ? [value] : [value, key[0], key[0], key[1]];
    return this.ctx.run(async (m) => {
      const rows = await dialect.queryRows(m, sql, parameters);
      const result = toPage(rows, limit, list, (row): CursorKey => [String(row['cursor_ts']), Number(row['id'])]);
      return { items: result.items.map((row) => hydrateRow(m, Message, row)), nextCursor: result.nextCursor };
    });
  }

  #applyRange(qb: SelectQueryBuilder<Message>, range: MessageTimeRange): void {
    const dialect = this.ctx.dialect;
    if (range.since !== undefined) qb.andWhere(`m.createdAt >= ${dialect.timestampParam('since')}`, { since: dialect.dateParam(range.since) });
    if (range.until !== undefined) qb.andWhere(`m.createdAt < ${dialect.timestampParam('until')}`, { until: dialect.dateParam(range.until) });
  }
}

/** Validates input into an unsaved Message (nothing touches the database). */
async function prepare(input: unknown, direction: MessageDirection): Promise<Message> {
  checkObject('Message', 'input', input);
  const allowed = direction === MessageDirection.INBOUND ? INBOUND_KEYS : OUTBOUND_KEYS;
  const values = input as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (values[key] !== undefined && !allowed.has(key)) {
      const quoted = key.length > 32 ? `${key.slice(0, 32)}...` : key;
      invalid('Message', quoted, 'unknownProperty', `${quoted} is not a field of a ${direction} message`);
    }
  }
  const given = values as unknown as RecordOutboundInput;
  checkId('Message', 'userId', given.userId);
  const source = checkEnum(MessageSource, 'MessageSource', given.source);
  const status = given.status === undefined ? MessageStatus.SENT : checkEnum(MessageStatus, 'MessageStatus', given.status);
  for (const key of ['facebookMessageId', 'whatsappMessageId'] as const) {
    if (given[key] === '') invalid('Message', key, 'isNotEmpty', `${key} must not be empty`);
  }
  for (const key of ['postId', 'adCampaignId'] as const) {
    if (given[key] !== undefined && given[key] !== null) checkId('Message', key, given[key]);
  }
  const hasText = typeof given.text === 'string' && given.text !== '';
  const hasAttachments = Array.isArray(given.attachments) && given.attachments.length > 0;
  if (!hasText && !hasAttachments) invalid('Message', 'text', 'textOrAttachments', 'a message needs text or at least one attachment');
  const message = Object.assign(new Message(), {
    userId: given.userId,
    // A placeholder that passes validation: the conversation is found inside the transaction.
    conversationId: 0,
    facebookMessageId: given.facebookMessageId ?? null,
    whatsappMessageId: given.whatsappMessageId ?? null,
    text: given.text ?? null,
    attachments: given.attachments ?? null,
    direction,
    status,
    source,
    isAiResponse: given.isAiResponse ?? false,
    aiResponseTimeMs: given.aiResponseTimeMs ?? null,
    postId: given.postId ?? null,
    adCampaignId: given.adCampaignId ?? null,
    sentAt: given.sentAt ?? new Date(),
    deliveredAt: null,
    readAt: null,
  });
  return validateEntity(message);
}

/**
 * The SET and the WHERE of a receipt. The WHERE admits only rows the receipt
 * moves forward (or whose missing timestamps it fills), so a stale or repeated
 * receipt updates nothing, not even `updated_at`.
 */
function statusChange(
  target: MessageStatus,
  dialect: Dialect,
): { set: QueryDeepPartialEntity<Message>; where: string } | null {
  const at = dialect.timestampParam('at');
  switch (target) {
    case MessageStatus.DELIVERED:
      return {
        set: {
          status: () => `CASE WHEN "status" = :sent THEN :delivered ELSE "status" END`,
          deliveredAt: () => `COALESCE("delivered_at", ${at})`,
        },
        where: '"status" IN (:...onPath) AND ("status" = :sent OR "delivered_at" IS NULL)',
      };
    case MessageStatus.READ:
      return {
        set: {
          status: () => ':read',
          readAt: () => `COALESCE("read_at", ${at})`,
          deliveredAt: () => `COALESCE("delivered_at", ${at})`,
        },
        where: '"status" IN (:...onPath) AND ("status" <> :read OR "read_at" IS NULL OR "delivered_at" IS NULL)',
      };
    case MessageStatus.FAILED:
      return { set: { status: () => ':target' }, where: '"status" = :sent' };
    case MessageStatus.SENT:
      return null;
  }
}

/** The window, checked: an object (or `undefined`) whose `since` and `until` are valid Dates from 1970 to 9999 when given. */
function checkRange(range: MessageTimeRange | undefined): MessageTimeRange {
  const window = optionsOf('MessageTimeRange', 'range', range);
  if (window.since !== undefined) checkDate('MessageTimeRange', 'since', window.since);
  if (window.until !== undefined) checkDate('MessageTimeRange', 'until', window.until);
  return window;
}
