import {
  IsArray,
  IsBoolean,
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { BeforeInsert, BeforeUpdate, Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { JSON_COLUMN, TIMESTAMP } from '../column-types';
import { MessageDirection, MessageKind, MessageSource, MessageStatus } from '../enums';
import { AdCampaign } from './ad-campaign.entity';
import { TimestampedEntity } from './base-record';
import { enumCheck, IsDateInRange, usesDefaultUnlessSet } from './checks';
import { Conversation } from './conversation.entity';
import { Post } from './post.entity';
import { User } from './user.entity';
import { normalizeSearchText, searchTextOf } from '../search/normalize';
import { ATTACHMENT_LIMITS, IsBoundedJson, MAX_INT4 } from '../validation';

/**
 * A file, image or other attachment of a message, as the platform sent it.
 * The kinds with a payload of their own have typed shapes, checked when the
 * message's `kind` names them: {@link ReactionAttachment},
 * {@link LocationAttachment}, {@link ContactsAttachment} and
 * {@link StickerAttachment}.
 */
export interface MessageAttachment {
  /** `image`, `audio`, `video`, `file`, `sticker`, `reaction`, `location`, `contacts`, ... */
  type: string;
  /** Where the platform serves it, when it does. */
  url?: string;
  /** Anything else the platform sent. */
  [key: string]: unknown;
}

/**
 * The attachment of a {@link MessageKind.REACTION} message: which emoji, on
 * which message. An empty `emoji` means the customer removed the reaction.
 *
 * @example
 * ```ts
 * const reaction: ReactionAttachment = { type: 'reaction', payload: { emoji: '\u{1F44D}', messageId: 'wamid.HBgL...' } };
 * ```
 */
export interface ReactionAttachment extends MessageAttachment {
  /** Always `reaction`. */
  type: 'reaction';
  /** What was reacted, to what. */
  payload: {
    /** The emoji, at most 32 characters; `''` when the reaction was removed. */
    emoji: string;
    /** The reacted-to message's platform id: its Messenger `mid` or WhatsApp `wamid` (1 to 255 characters). */
    messageId: string;
  };
}

/**
 * The attachment of a {@link MessageKind.LOCATION} message.
 *
 * @example
 * ```ts
 * const pin: LocationAttachment = { type: 'location', payload: { latitude: 30.0444, longitude: 31.2357, name: 'Tahrir Square' } };
 * ```
 */
export interface LocationAttachment extends MessageAttachment {
  /** Always `location`. */
  type: 'location';
  /** The place. */
  payload: {
    /** Degrees north, -90 to 90. */
    latitude: number;
    /** Degrees east, -180 to 180. */
    longitude: number;
    /** The place's name, if shared (at most 1,000 characters). */
    name?: string;
    /** The place's address, if shared (at most 1,000 characters). */
    address?: string;
  };
}

/** One shared contact card of a {@link ContactsAttachment}, in WhatsApp's shape (anything else it sent is kept). */
export interface SharedContact {
  /** The contact's name. */
  name?: {
    /** The full name as WhatsApp shows it. */
    formatted_name?: string;
    [key: string]: unknown;
  };
  /** The contact's numbers. */
  phones?: Array<{
    /** The number as the customer's phone book has it (not normalised). */
    phone?: string;
    /** The number's WhatsApp id, when it is on WhatsApp. */
    wa_id?: string;
    /** `CELL`, `HOME`, `WORK`, ... */
    type?: string;
    [key: string]: unknown;
  }>;
  /** Anything else the platform sent (emails, addresses, org, ...). */
  [key: string]: unknown;
}

/**
 * The attachment of a {@link MessageKind.CONTACTS} message: one or more contact cards.
 *
 * @example
 * ```ts
 * const cards: ContactsAttachment = { type: 'contacts', payload: { contacts: [{ name: { formatted_name: 'Mona' }, phones: [{ phone: '+20 100 123 4567' }] }] } };
 * ```
 */
export interface ContactsAttachment extends MessageAttachment {
  /** Always `contacts`. */
  type: 'contacts';
  /** The cards. */
  payload: {
    /** At least one card, at most 100. */
    contacts: SharedContact[];
  };
}

/**
 * The attachment of a {@link MessageKind.STICKER} message: the sticker's
 * media (`url`, or the platform's media `id` in `payload`).
 *
 * @example
 * ```ts
 * const sticker: StickerAttachment = { type: 'sticker', payload: { id: mediaId, animated: false } };
 * ```
 */
export interface StickerAttachment extends MessageAttachment {
  /** Always `sticker`. */
  type: 'sticker';
  /** What the platform sent about it: WhatsApp's media `id` and `animated`, Messenger's `sticker_id`. */
  payload?: {
    /** WhatsApp's media id of the sticker. */
    id?: string;
    /** Whether it is an animated sticker (WhatsApp). */
    animated?: boolean;
    /** Messenger's sticker id. */
    sticker_id?: number | string;
    [key: string]: unknown;
  };
}

/**
 * One message in or out, on any channel. Table `messages`.
 *
 * `facebookMessageId` and `whatsappMessageId` are unique, which is what makes
 * webhook ingestion idempotent.
 */
@Entity({ name: 'messages' })
@Index('UQ_messages_facebook_message_id', ['facebookMessageId'], { unique: true })
@Index('UQ_messages_whatsapp_message_id', ['whatsappMessageId'], { unique: true })
@Index('IDX_messages_user_sent', ['userId', 'sentAt', 'id'])
@Index('IDX_messages_conversation_sent', ['conversationId', 'sentAt', 'id'])
@Index('IDX_messages_post', ['postId'])
@Index('IDX_messages_ad_campaign', ['adCampaignId'])
@Check('CHK_messages_direction', enumCheck('direction', MessageDirection))
@Check('CHK_messages_status', enumCheck('status', MessageStatus))
@Check('CHK_messages_source', enumCheck('source', MessageSource))
@Check('CHK_messages_kind', enumCheck('kind', MessageKind))
@Check('CHK_messages_ai_response_time_ms', '"ai_response_time_ms" IS NULL OR "ai_response_time_ms" >= 0')
export class Message extends TimestampedEntity {
  /** The customer this message is with. Column `user_id`. */
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer' })
  userId!: number;

  /** The customer (loaded only when asked for). */
  @ManyToOne(() => User, (u) => u.messages, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_messages_user' })
  user?: User;

  /** The conversation it belongs to. Column `conversation_id`. */
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer' })
  conversationId!: number;

  /** The conversation (loaded only when asked for). */
  @ManyToOne(() => Conversation, (c) => c.messages, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_messages_conversation' })
  conversation?: Conversation;

  /** Messenger message id (`mid`). Column `facebook_message_id`, unique, nullable. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255, nullable: true })
  facebookMessageId!: string | null;

  /** WhatsApp message id (`wamid`). Column `whatsapp_message_id`, unique, nullable. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255, nullable: true })
  whatsappMessageId!: string | null;

  /** The text, if any (attachment-only messages have none). Column `text`. */
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  @Column({ type: 'text', nullable: true })
  text!: string | null;

  /**
   * The text as {@link normalizeSearchText} makes it, which full-text search
   * indexes (`db.messages.search`). Column `search_text`, null when `text` is.
   * The library writes it wherever it writes `text` (and TypeORM's `save` of
   * a Message does too); SQL written by hand that sets `text` must set it as
   * well.
   */
  @IsOptional()
  @IsString()
  @Column({ type: 'text', nullable: true })
  searchText!: string | null;

  /**
   * Attachments as JSON. Column `attachments`. At most 100, and JSON only
   * (no `Date`, class instances, `undefined` in arrays, NUL or lone
   * surrogates in text), nested at most 32 levels, 1,000,000 bytes in all;
   * a property set to `undefined` is left out, as `JSON.stringify` does.
   */
  @IsOptional()
  @IsArray()
  @IsBoundedJson(ATTACHMENT_LIMITS)
  @Column({ type: JSON_COLUMN, nullable: true })
  attachments!: MessageAttachment[] | null;

  /** What the message holds (text, image, reaction, location, ...). Column `kind`, default `text`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(MessageKind)
  @Column({ type: 'varchar', length: 16, default: MessageKind.TEXT })
  kind!: MessageKind;

  /** Inbound or outbound. Column `direction`. */
  @IsEnum(MessageDirection)
  @Column({ type: 'varchar', length: 16 })
  direction!: MessageDirection;

  /** Delivery state. Column `status`, default `sent`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(MessageStatus)
  @Column({ type: 'varchar', length: 16, default: MessageStatus.SENT })
  status!: MessageStatus;

  /** The platform's error code when the message `failed` (e.g. WhatsApp's 131047). Column `error_code`. */
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  @Min(-MAX_INT4)
  @Column({ type: 'integer', nullable: true })
  errorCode!: number | null;

  /** The platform's error title when the message `failed`. Column `error_title`, at most 255 characters. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255, nullable: true })
  errorTitle!: string | null;

  /** Channel. Column `source`. */
  @IsEnum(MessageSource)
  @Column({ type: 'varchar', length: 32 })
  source!: MessageSource;

  /** Whether the AI wrote this reply. Column `is_ai_response`, default false. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsBoolean()
  @Column({ type: 'boolean', default: false })
  isAiResponse!: boolean;

  /** How long the AI took to answer, in milliseconds. Column `ai_response_time_ms`. */
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  @Min(0)
  @Column({ type: 'integer', nullable: true })
  aiResponseTimeMs!: number | null;

  /** The post that started this message, for attribution. Column `post_id`, set null on delete. */
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer', nullable: true })
  postId!: number | null;

  /** The post (loaded only when asked for). */
  @ManyToOne(() => Post, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'post_id', foreignKeyConstraintName: 'FK_messages_post' })
  post?: Post | null;

  /** The ad campaign that started this message. Column `ad_campaign_id`, set null on delete. */
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer', nullable: true })
  adCampaignId!: number | null;

  /** The ad campaign (loaded only when asked for). */
  @ManyToOne(() => AdCampaign, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'ad_campaign_id', foreignKeyConstraintName: 'FK_messages_ad_campaign' })
  adCampaign?: AdCampaign | null;

  /**
   * When the platform says it was sent. Column `sent_at`. Pages of messages
   * sort by it (`IDX_messages_user_sent`, `IDX_messages_conversation_sent`).
   */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  sentAt!: Date | null;

  /** When it was delivered. Column `delivered_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  deliveredAt!: Date | null;

  /** When it was read. Column `read_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  readAt!: Date | null;

  /** Keeps `searchText` in step with `text` when TypeORM saves the entity (the library's own inserts set it themselves). @internal */
  @BeforeInsert()
  @BeforeUpdate()
  protected fillSearchText(): void {
    if (this.text !== undefined) this.searchText = searchTextOf(this.text);
  }
}
