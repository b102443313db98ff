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
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { JSON_COLUMN, TIMESTAMP } from '../column-types';
import { MessageDirection, MessageSource, MessageStatus } from '../enums';
import { AdCampaign } from './ad-campaign.entity';
import { TimestampedEntity } from './base-record';
import { enumCheck, IsDateInRange, usesDefaultUnlessSet } from './checks';
import { Conversation } from './conversation.entity';
import { Post } from './post.entity';
import { User } from './user.entity';
import { ATTACHMENT_LIMITS, IsBoundedJson, MAX_INT4 } from '../validation';

/** A file, image or other attachment of a message, as the platform sent it. */
export interface MessageAttachment {
  /** `image`, `audio`, `video`, `file`, `location`, ... */
  type: string;
  /** Where the platform serves it, when it does. */
  url?: string;
  /** Anything else the platform sent. */
  [key: string]: unknown;
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
@Index('IDX_messages_user_created', ['userId', 'createdAt'])
@Index('IDX_messages_conversation_created', ['conversationId', 'createdAt'])
@Index('IDX_messages_post', ['postId'])
@Index('IDX_messages_ad_campaign', ['adCampaignId'])
@Check('CHK_messages_direction', enumCheck('direction', MessageDirection))
@Check('CHK_messages_status', enumCheck('status', MessageStatus))
@Check('CHK_messages_source', enumCheck('source', MessageSource))
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

  /** Inbound or outbound. Column `direction`. */
  @IsEnum(MessageDirection)
  @Column({ type: 'varchar', length: 16 })
  direction!: MessageDirection;

  /** Delivery state. Column `status`, default `sent`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(MessageStatus)
  @Column({ type: 'varchar', length: 16, default: MessageStatus.SENT })
  status!: MessageStatus;

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

  /** When the platform says it was sent. Column `sent_at`. */
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
}
