// The input and search types of the user repository.
import type { CustomerLabel, CustomerType, Governorate, LeadStage, MessageSource } from '../enums';
import type { PageRequest } from '../pagination';

/**
 * The values of a new user. `psid` or `phoneNumber` (or both) is required;
 * everything else is optional and omitted columns take their defaults
 * (`leadStage` NEW, `customerType` LEAD, `leadScore` 0, `isActive` true).
 */
export interface CreateUserInput {
  /** Messenger page-scoped id. */
  psid?: string | null;
  /** WhatsApp number in E.164 form, e.g. `+201001234567`. */
  phoneNumber?: string | null;
  /** Given name. */
  firstName?: string | null;
  /** Family name. */
  lastName?: string | null;
  /** Email address. */
  email?: string | null;
  /** Profile picture URL (http or https). */
  profilePicUrl?: string | null;
  /** Where in Egypt the customer lives. */
  governorate?: Governorate | null;
  /** Initial funnel stage (no audit entry is written for the initial value). */
  leadStage?: LeadStage;
  /** Initial label. */
  customerLabel?: CustomerLabel | null;
  /** What kind of customer. */
  customerType?: CustomerType;
  /** Initial score, 0 to 100. */
  leadScore?: number;
  /** The channel the customer first came through. */
  primarySource?: MessageSource | null;
  /** Free-form agent notes. */
  notes?: string | null;
  /** False for opted-out or archived customers. */
  isActive?: boolean;
  /** When the customer last wrote or was written to. */
  lastMessageAt?: Date | null;
}

/**
 * The fields {@link UserRepository.update} may change. `leadStage`,
 * `customerLabel` and `leadScore` are left out on purpose: they change only
 * through the audited methods (`changeLeadStage`, `changeLabel`,
 * `adjustScore`), which write the audit trail. A property set to `undefined`
 * is left as it is; `null` clears it.
 */
export type UserPatch = Omit<CreateUserInput, 'leadStage' | 'customerLabel' | 'leadScore'>;

/** Who made an audited change and why. */
export interface LeadChangeOptions {
  /** An agent id, `ai`, `system` (at most 100 characters). */
  performedBy?: string | null;
  /** Free text stored with the audit entry. */
  note?: string | null;
}

/** Criteria of {@link UserRepository.search}; all optional and combined with AND. */
export interface UserSearch extends PageRequest {
  /**
   * Case-insensitive substring of the first name, last name, phone number or
   * psid, at most 100 characters (the longest of them). `%`, `_` and `\`
   * match themselves. Blank means no text filter.
   */
  query?: string;
  /** Only users in this funnel stage. */
  stage?: LeadStage;
  /** Only users with this label; `null` for users without one. */
  label?: CustomerLabel | null;
  /** Only users of this customer type. */
  type?: CustomerType;
  /** Only users from this governorate. */
  governorate?: Governorate;
}
