import {
  IsBoolean,
  IsDate,
  IsEmail,
  IsEnum,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { Check, Column, Entity, Index, OneToMany } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { CustomerLabel, CustomerType, Governorate, LeadStage, MessageSource } from '../enums';
import { TimestampedEntity } from './base-record';
import { enumCheck, IsDateInRange, usesDefaultUnlessSet } from './checks';
import { Conversation } from './conversation.entity';
import { LeadActivity } from './lead-activity.entity';
import { Message } from './message.entity';

/** An E.164 phone number: `+`, country code, subscriber number, 8 to 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{7,14}$/;

/**
 * A customer (lead) of the business, known by a Messenger page-scoped id
 * (`psid`), a WhatsApp phone number, or both. Table `users`.
 *
 * Deleting a user deletes its messages, conversations and lead activities.
 */
@Entity({ name: 'users' })
@Index('UQ_users_psid', ['psid'], { unique: true })
@Index('UQ_users_phone_number', ['phoneNumber'], { unique: true })
@Index('IDX_users_lead_stage', ['leadStage'])
@Check('CHK_users_identity', '"psid" IS NOT NULL OR "phone_number" IS NOT NULL')
@Check('CHK_users_lead_stage', enumCheck('lead_stage', LeadStage))
@Check('CHK_users_customer_label', enumCheck('customer_label', CustomerLabel))
@Check('CHK_users_customer_type', enumCheck('customer_type', CustomerType))
@Check('CHK_users_governorate', enumCheck('governorate', Governorate))
@Check('CHK_users_primary_source', enumCheck('primary_source', MessageSource))
@Check('CHK_users_lead_score', '"lead_score" >= 0 AND "lead_score" <= 100')
export class User extends TimestampedEntity {
  /** Messenger page-scoped id. Column `psid`, unique, nullable. */
  @ValidateIf((u: User) => u.psid != null || u.phoneNumber == null)
  @IsNotEmpty({ message: 'psid or phoneNumber is required' })
  @IsString()
  @MaxLength(64)
  @Column({ type: 'varchar', length: 64, nullable: true })
  psid!: string | null;

  /** WhatsApp phone number in E.164 form, e.g. `+201001234567`. Column `phone_number`, unique, nullable. */
  @ValidateIf((u: User) => u.phoneNumber != null)
  @Matches(E164_PATTERN, { message: 'phoneNumber must be an E.164 number such as +201001234567' })
  @Column({ type: 'varchar', length: 16, nullable: true })
  phoneNumber!: string | null;

  /** Given name, from the platform profile or entered by an agent. Column `first_name`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;

  /** Family name. Column `last_name`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Column({ type: 'varchar', length: 100, nullable: true })
  lastName!: string | null;

  /** Email address, when the customer gave one. Column `email`. */
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  /** Profile picture URL from the platform. Column `profile_pic_url`. */
  @IsOptional()
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  @Column({ type: 'varchar', length: 2048, nullable: true })
  profilePicUrl!: string | null;

  /** Where in Egypt the customer lives. Column `governorate`. */
  @IsOptional()
  @IsEnum(Governorate)
  @Column({ type: 'varchar', length: 32, nullable: true })
  governorate!: Governorate | null;

  /** Funnel stage. Column `lead_stage`, default `new`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(LeadStage)
  @Column({ type: 'varchar', length: 32, default: LeadStage.NEW })
  leadStage!: LeadStage;

  /** Agent's temperature label. Column `customer_label`, nullable. */
  @IsOptional()
  @IsEnum(CustomerLabel)
  @Column({ type: 'varchar', length: 32, nullable: true })
  customerLabel!: CustomerLabel | null;

  /** Kind of customer: lead, individual, business, wholesale or retail. Column `customer_type`, default `lead`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(CustomerType)
  @Column({ type: 'varchar', length: 32, default: CustomerType.LEAD })
  customerType!: CustomerType;

  /** Lead score, 0 to 100. Column `lead_score`, default 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Min(0)
  @Max(100)
  @Column({ type: 'integer', default: 0 })
  leadScore!: number;

  /** The channel the customer first came through. Column `primary_source`. */
  @IsOptional()
  @IsEnum(MessageSource)
  @Column({ type: 'varchar', length: 32, nullable: true })
  primarySource!: MessageSource | null;

  /** Free-form agent notes. Column `notes`. */
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @Column({ type: 'text', nullable: true })
  notes!: string | null;

  /** False when the customer opted out or was archived. Column `is_active`, default true. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsBoolean()
  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  /** When the customer last wrote or was written to. Column `last_message_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  lastMessageAt!: Date | null;

  /** The user's messages (loaded only when asked for). */
  @OneToMany(() => Message, (m) => m.user)
  messages?: Message[];

  /** The user's conversations (loaded only when asked for). */
  @OneToMany(() => Conversation, (c) => c.user)
  conversations?: Conversation[];

  /** The user's audit trail (loaded only when asked for). */
  @OneToMany(() => LeadActivity, (a) => a.user)
  leadActivities?: LeadActivity[];
}
