import { IsBoolean, IsDate, IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToMany } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { MessageSource } from '../enums';
import { TimestampedEntity } from './base-record';
import { enumCheck, IsDateInRange, nonNegativeCheck, usesDefaultUnlessSet } from './checks';
import { Message } from './message.entity';
import { User } from './user.entity';
import { MAX_INT4 } from '../validation';

/** How much of the last message a conversation keeps for the inbox preview. */
export const LAST_MESSAGE_PREVIEW_LENGTH = 500;

/**
 * A thread between the business and one customer on one channel. Table
 * `conversations`. A user has at most one active conversation per source
 * (a partial unique index enforces it).
 */
@Entity({ name: 'conversations' })
@Index('UQ_conversations_active_user_source', ['userId', 'source'], { unique: true, where: '"is_active" = true' })
@Index('IDX_conversations_active_last_message', ['isActive', 'lastMessageAt'])
@Index('IDX_conversations_user', ['userId'])
@Check('CHK_conversations_source', enumCheck('source', MessageSource))
@Check('CHK_conversations_message_count', nonNegativeCheck('message_count'))
export class Conversation extends TimestampedEntity {
  /** The customer. Column `user_id`. */
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer' })
  userId!: number;

  /** The customer (loaded only when asked for). */
  @ManyToOne(() => User, (u) => u.conversations, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_conversations_user' })
  user?: User;

  /** Channel. Column `source`. */
  @IsEnum(MessageSource)
  @Column({ type: 'varchar', length: 32 })
  source!: MessageSource;

  /** Whether the conversation is open. Column `is_active`, default true. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsBoolean()
  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  /** Number of messages, maintained atomically in SQL. Column `message_count`, default 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(MAX_INT4)
  @Min(0)
  @Column({ type: 'integer', default: 0 })
  messageCount!: number;

  /** The first 500 characters of the last message. Column `last_message_text`. */
  @IsOptional()
  @IsString()
  @MaxLength(LAST_MESSAGE_PREVIEW_LENGTH)
  @Column({ type: 'varchar', length: LAST_MESSAGE_PREVIEW_LENGTH, nullable: true })
  lastMessageText!: string | null;

  /** When the last message came or went. Column `last_message_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  lastMessageAt!: Date | null;

  /** When the conversation opened. Column `started_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  startedAt!: Date | null;

  /** When it was closed, if it was. Column `ended_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  endedAt!: Date | null;

  /** The messages (loaded only when asked for). */
  @OneToMany(() => Message, (m) => m.conversation)
  messages?: Message[];
}
