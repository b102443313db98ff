/**
 * The live events of the inbox (`db.events`): what a dashboard needs to
 * refresh a row without reading it again, and `gap` when it must refetch.
 *
 * @module
 */
import type { LeadStage, MessageDirection, MessageKind, MessageSource, MessageStatus } from '../enums';

/**
 * A message was recorded (inbound or outbound). Sent once per new row: a
 * webhook delivered twice gives one event.
 *
 * @example
 * ```ts
 * db.events.subscribe({ types: ['message.recorded'] }, (e) => {
 *   if (e.type === 'message.recorded') console.log(e.conversationId, e.preview);
 * });
 * ```
 */
export interface MessageRecordedEvent {
  /** Always `'message.recorded'`. */
  readonly type: 'message.recorded';
  /** The message (`Message.id`). */
  readonly messageId: number;
  /** Its conversation (`Conversation.id`). */
  readonly conversationId: number;
  /** The customer (`User.id`). */
  readonly userId: number;
  /** Inbound (from the customer) or outbound (from an agent or the AI). */
  readonly direction: MessageDirection;
  /** The channel: Messenger, WhatsApp, ... */
  readonly source: MessageSource;
  /** Text, image, reaction, ... */
  readonly kind: MessageKind;
  /** When the platform says it was sent (or when it was recorded, without one). */
  readonly sentAt: Date;
  /** The first {@link EVENT_PREVIEW_LENGTH} characters of the text, or `null` without text. */
  readonly preview: string | null;
}

/**
 * A message's status moved forward (delivered, read, failed). A watermark
 * receipt gives one event per message it moved.
 *
 * @example
 * ```ts
 * db.events.subscribe({ types: ['message.status'] }, (e) => {
 *   if (e.type === 'message.status') ticks.set(e.messageId, e.status);
 * });
 * ```
 */
export interface MessageStatusEvent {
  /** Always `'message.status'`. */
  readonly type: 'message.status';
  /** The message (`Message.id`). */
  readonly messageId: number;
  /** Its conversation (`Conversation.id`). */
  readonly conversationId: number;
  /** The customer (`User.id`). */
  readonly userId: number;
  /** The status the message has now. */
  readonly status: MessageStatus;
}

/**
 * A conversation was opened (by a first message on a channel, or `getOrOpen`).
 *
 * @example
 * ```ts
 * db.events.subscribe({ types: ['conversation.opened'] }, (e) => void inbox.refresh());
 * ```
 */
export interface ConversationOpenedEvent {
  /** Always `'conversation.opened'`. */
  readonly type: 'conversation.opened';
  /** The conversation (`Conversation.id`). */
  readonly conversationId: number;
  /** The customer (`User.id`). */
  readonly userId: number;
  /** The channel: Messenger, WhatsApp, ... */
  readonly source: MessageSource;
}

/**
 * A conversation was closed (`close` or `closeIdle`).
 *
 * @example
 * ```ts
 * db.events.subscribe({ types: ['conversation.closed'] }, (e) => {
 *   if (e.type === 'conversation.closed') inbox.remove(e.conversationId);
 * });
 * ```
 */
export interface ConversationClosedEvent {
  /** Always `'conversation.closed'`. */
  readonly type: 'conversation.closed';
  /** The conversation (`Conversation.id`). */
  readonly conversationId: number;
  /** The customer (`User.id`). */
  readonly userId: number;
  /** The channel: Messenger, WhatsApp, ... */
  readonly source: MessageSource;
}

/**
 * A lead moved to another stage of the funnel (`changeLeadStage`).
 *
 * @example
 * ```ts
 * db.events.subscribe({ types: ['lead.stageChanged'] }, (e) => {
 *   if (e.type === 'lead.stageChanged') console.log(`${e.userId}: ${e.from} -> ${e.to}`);
 * });
 * ```
 */
export interface LeadStageChangedEvent {
  /** Always `'lead.stageChanged'`. */
  readonly type: 'lead.stageChanged';
  /** The customer (`User.id`). */
  readonly userId: number;
  /** The stage before. */
  readonly from: LeadStage;
  /** The stage now. */
  readonly to: LeadStage;
}

/** Why events may have been missed: see {@link GapEvent}. */
export type GapReason = 'overflow' | 'reconnect' | 'pruned' | 'restored';

/**
 * Events may have been missed: refetch what you show. Sent to every
 * subscriber whatever its filter: `overflow` when the subscriber fell behind
 * (its buffer filled and the oldest events were dropped), `reconnect` after
 * the PostgreSQL listener lost its connection and listens again, `pruned`
 * when SQLite rows were pruned before this process read them, `restored`
 * after this process restored a backup ({@link restoreDatabase}) into the
 * database.
 *
 * @example
 * ```ts
 * db.events.subscribe({}, async (e) => {
 *   if (e.type === 'gap') await inbox.reload(); // the page from db.conversations.inbox()
 * });
 * ```
 */
export interface GapEvent {
  /** Always `'gap'`. */
  readonly type: 'gap';
  /** Why events may be missing. */
  readonly reason: GapReason;
}

/**
 * A change that was committed: one of the event interfaces above, told apart
 * by `type`.
 *
 * @example
 * ```ts
 * function describe(e: DomainEvent): string {
 *   switch (e.type) {
 *     case 'message.recorded': return `message ${e.messageId} in ${e.conversationId}`;
 *     case 'gap': return 'refetch';
 *     default: return e.type;
 *   }
 * }
 * ```
 */
export type DomainEvent = MessageRecordedEvent | MessageStatusEvent | ConversationOpenedEvent | ConversationClosedEvent | LeadStageChangedEvent;

/**
 * What a subscriber receives: a committed {@link DomainEvent}, or a {@link GapEvent}.
 *
 * @example
 * ```ts
 * const handler = (e: LiveEvent) => console.log(e.type);
 * ```
 */
export type LiveEvent = DomainEvent | GapEvent;

/**
 * The `type` of a {@link DomainEvent}.
 *
 * @example
 * ```ts
 * const types: DomainEventType[] = ['message.recorded', 'message.status'];
 * ```
 */
export type DomainEventType = DomainEvent['type'];

/** Every {@link DomainEventType}. @example `DOMAIN_EVENT_TYPES.includes('message.status') // true` */
export const DOMAIN_EVENT_TYPES: readonly DomainEventType[] = ['message.recorded', 'message.status', 'conversation.opened', 'conversation.closed', 'lead.stageChanged'];

/** How many characters of a message's text its event carries. @example `EVENT_PREVIEW_LENGTH // 100` */
export const EVENT_PREVIEW_LENGTH = 100;

/**
 * Which events a subscriber wants; every field narrows, none means all.
 * {@link GapEvent}s come whatever the filter.
 *
 * @example
 * ```ts
 * const filter: EventFilter = { types: ['message.recorded'], conversationId: 42 };
 * ```
 */
export interface EventFilter {
  /** Only these types (a type or a list). */
  types?: DomainEventType | readonly DomainEventType[];
  /** Only events of this conversation (events without a conversation, like `lead.stageChanged`, are left out). */
  conversationId?: number;
  /** Only events of this user. */
  userId?: number;
}

/**
 * How a subscription buffers (see {@link DatabaseEvents.subscribe}).
 *
 * @example
 * ```ts
 * db.events.subscribe({}, handler, { bufferSize: 100 });
 * ```
 */
export interface SubscribeOptions {
  /** Events held for a slow handler before they are dropped for a `gap` (default 1000). */
  bufferSize?: number;
}

/**
 * A subscriber's handler. It may return a promise: the next event waits for it
 * (events come one at a time, in order), while writers never do.
 *
 * @example
 * ```ts
 * const handler: EventHandler = async (e) => { await socket.send(JSON.stringify(e)); };
 * ```
 */
export type EventHandler = (event: LiveEvent) => void | Promise<void>;

/**
 * Stops a subscription; calling it again does nothing.
 *
 * @example
 * ```ts
 * const stop: Unsubscribe = db.events.subscribe({}, handler);
 * stop();
 * ```
 */
export type Unsubscribe = () => void;
