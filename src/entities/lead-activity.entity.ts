import { IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { CustomerLabel, LeadActivityType, LeadStage } from '../enums';
import { BaseRecord } from './base-record';
import { enumCheck } from './checks';
import { User } from './user.entity';
import { MAX_INT4 } from '../validation';

/**
 * One entry of a lead's append-only audit trail: a stage, label or score
 * change, a note, or a contact. Table `lead_activities` (no `updated_at`:
 * entries are never changed).
 */
@Entity({ name: 'lead_activities' })
@Index('IDX_lead_activities_user_created', ['userId', 'createdAt'])
@Index('IDX_lead_activities_created', ['createdAt'])
@Check('CHK_lead_activities_activity_type', enumCheck('activity_type', LeadActivityType))
@Check('CHK_lead_activities_stage_before', enumCheck('stage_before', LeadStage))
@Check('CHK_lead_activities_stage_after', enumCheck('stage_after', LeadStage))
@Check('CHK_lead_activities_label_before', enumCheck('label_before', CustomerLabel))
@Check('CHK_lead_activities_label_after', enumCheck('label_after', CustomerLabel))
export class LeadActivity extends BaseRecord {
  /** When it happened (UTC). Column `created_at`. */
  @CreateDateColumn({ type: TIMESTAMP })
  createdAt!: Date;

  /** The lead. Column `user_id`. */
  @IsInt()
  @Max(MAX_INT4)
  @Column({ type: 'integer' })
  userId!: number;

  /** The lead (loaded only when asked for). */
  @ManyToOne(() => User, (u) => u.leadActivities, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_lead_activities_user' })
  user?: User;

  /** What happened. Column `activity_type`. */
  @IsEnum(LeadActivityType)
  @Column({ type: 'varchar', length: 32 })
  activityType!: LeadActivityType;

  /** The lead stage before a stage change; null for other activities. Column `stage_before`. */
  @IsOptional()
  @IsEnum(LeadStage)
  @Column({ type: 'varchar', length: 32, nullable: true })
  stageBefore!: LeadStage | null;

  /** The lead stage after a stage change; null for other activities. Column `stage_after`. */
  @IsOptional()
  @IsEnum(LeadStage)
  @Column({ type: 'varchar', length: 32, nullable: true })
  stageAfter!: LeadStage | null;

  /** The customer label before a label change (null: none, or not a label change). Column `label_before`. */
  @IsOptional()
  @IsEnum(CustomerLabel)
  @Column({ type: 'varchar', length: 32, nullable: true })
  labelBefore!: CustomerLabel | null;

  /** The customer label after a label change (null: removed, or not a label change). Column `label_after`. */
  @IsOptional()
  @IsEnum(CustomerLabel)
  @Column({ type: 'varchar', length: 32, nullable: true })
  labelAfter!: CustomerLabel | null;

  /** The lead score before a score change; null for other activities. Column `score_before`. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  @Column({ type: 'integer', nullable: true })
  scoreBefore!: number | null;

  /** The lead score after a score change; null for other activities. Column `score_after`. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  @Column({ type: 'integer', nullable: true })
  scoreAfter!: number | null;

  /** Free text. Column `note`. */
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** Who did it: an agent id, `ai`, `system`. Column `performed_by`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Column({ type: 'varchar', length: 100, nullable: true })
  performedBy!: string | null;
}
