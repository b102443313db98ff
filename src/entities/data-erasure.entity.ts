import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength } from 'class-validator';
import { Check, Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { BaseRecord } from './base-record';
import { MAX_INT4 } from '../validation';

/**
 * One erasure of a customer's personal data (`users.erase`), the record
 * behind Meta's data deletion callback: the confirmation code given to the
 * customer, and when. Table `data_erasures`. Holds no personal data; there
 * is no foreign key to `users`, so the record outlives a later delete of
 * the anonymised user. Rows are never changed (no `updated_at`).
 */
@Entity({ name: 'data_erasures' })
@Index('UQ_data_erasures_confirmation_code', ['confirmationCode'], { unique: true })
@Check('CHK_data_erasures_status', `"status" IN ('completed')`)
export class DataErasure extends BaseRecord {
  /** When the data was erased (UTC). Column `created_at`. */
  @CreateDateColumn({ type: TIMESTAMP })
  createdAt!: Date;

  /** The random, unguessable code given to the customer. Column `confirmation_code`, unique. */
  @IsString()
  @MaxLength(64)
  @Column({ type: 'varchar', length: 64 })
  confirmationCode!: string;

  /** The anonymised user's id (no foreign key). Column `user_id`. */
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer' })
  userId!: number;

  /** `completed`: everything was erased in the same transaction that wrote this row. Column `status`. */
  @IsIn(['completed'])
  @Column({ type: 'varchar', length: 16, default: 'completed' })
  status!: 'completed';

  /** Who asked for it (an agent, `meta-data-deletion-callback`, ...). Column `performed_by`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Column({ type: 'varchar', length: 100, nullable: true })
  performedBy!: string | null;
}
