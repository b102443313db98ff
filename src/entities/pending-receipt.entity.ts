import { IsDate, IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Check, Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { MessageStatus } from '../enums';
import { BaseRecord } from './base-record';
import { enumCheck, IsDateInRange } from './checks';
import { MAX_INT4 } from '../validation';

/**
 * A delivery, read or failure status that arrived before its message was
 * recorded (WhatsApp sends statuses as soon as it accepts a message, often
 * before the sending service has stored it). Table `pending_receipts`.
 *
 * `messages.applyStatus` keeps one row per platform id and status;
 * `messages.recordOutbound` applies and deletes the rows of the id it
 * records, in its own transaction. Rows older than 7 days are pruned when a
 * new one is written. There is no `updated_at`: rows are never changed.
 */
@Entity({ name: 'pending_receipts' })
@Index('UQ_pending_receipts_external_id_status', ['externalId', 'status'], { unique: true })
@Index('IDX_pending_receipts_created', ['createdAt'])
@Check('CHK_pending_receipts_status', enumCheck('status', MessageStatus))
export class PendingReceipt extends BaseRecord {
  /** When the status was kept (UTC). Column `created_at`. */
  @CreateDateColumn({ type: TIMESTAMP })
  createdAt!: Date;

  /** The message's platform id: a Messenger `mid` or a WhatsApp `wamid`. Column `external_id`. */
  @IsString()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255 })
  externalId!: string;

  /** The status reported. Column `status`. */
  @IsEnum(MessageStatus)
  @Column({ type: 'varchar', length: 16 })
  status!: MessageStatus;

  /** When the platform says it happened. Column `occurred_at`. */
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP })
  occurredAt!: Date;

  /** The platform's error code of a `failed` status. Column `error_code`. */
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  @Min(-MAX_INT4)
  @Column({ type: 'integer', nullable: true })
  errorCode!: number | null;

  /** The platform's error title of a `failed` status. Column `error_title`. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255, nullable: true })
  errorTitle!: string | null;
}
