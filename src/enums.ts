/**
 * The string enums of the CRM. Each value is the lower-case snake_case of its
 * member name, and that value is what the database stores.
 *
 * @module
 */

/** Which way a message travelled. Stored in `messages.direction`. */
export enum MessageDirection {
  /** From the customer to the business. */
  INBOUND = 'inbound',
  /** From the business (agent or AI) to the customer. */
  OUTBOUND = 'outbound',
}

/** Delivery state of a message. Only moves forward: sent, delivered, read. */
export enum MessageStatus {
  /** Accepted by the platform. */
  SENT = 'sent',
  /** Delivered to the customer's device. */
  DELIVERED = 'delivered',
  /** Seen by the customer. */
  READ = 'read',
  /** The platform refused or lost it. */
  FAILED = 'failed',
}

/** The channel a message or conversation came through. */
export enum MessageSource {
  /** Facebook Messenger. */
  MESSENGER = 'messenger',
  /** WhatsApp Business. */
  WHATSAPP = 'whatsapp',
  /** The lead centre (forms, imports). */
  LEAD_CENTER = 'lead_center',
  /** Entered by hand by an agent. */
  MANUAL = 'manual',
}

/** Where a lead stands in the sales funnel, in funnel order. */
export enum LeadStage {
  NEW = 'new',
  CONTACTED = 'contacted',
  QUALIFIED = 'qualified',
  HOT = 'hot',
  PROPOSAL = 'proposal',
  NEGOTIATION = 'negotiation',
  CLOSED_WON = 'closed_won',
  CLOSED_LOST = 'closed_lost',
}

/** An agent's temperature label for a customer. */
export enum CustomerLabel {
  HOT = 'hot',
  WARM = 'warm',
  COLD = 'cold',
  UNQUALIFIED = 'unqualified',
}

/** What kind of customer a user is. */
export enum CustomerType {
  INDIVIDUAL = 'individual',
  BUSINESS = 'business',
  WHOLESALE = 'wholesale',
  RETAIL = 'retail',
  LEAD = 'lead',
}

/** The kind of Facebook content a post is. */
export enum PostType {
  POST = 'post',
  STORY = 'story',
  REEL = 'reel',
  AD = 'ad',
}

/** The 27 governorates of Egypt. */
export enum Governorate {
  ALEXANDRIA = 'alexandria',
  ASWAN = 'aswan',
  ASYUT = 'asyut',
  BEHEIRA = 'beheira',
  BENI_SUEF = 'beni_suef',
  CAIRO = 'cairo',
  DAKAHLIA = 'dakahlia',
  DAMIETTA = 'damietta',
  FAIYUM = 'faiyum',
  GHARBIA = 'gharbia',
  GIZA = 'giza',
  ISMAILIA = 'ismailia',
  KAFR_EL_SHEIKH = 'kafr_el_sheikh',
  LUXOR = 'luxor',
  MATRUH = 'matruh',
  MINYA = 'minya',
  MONUFIA = 'monufia',
  NEW_VALLEY = 'new_valley',
  NORTH_SINAI = 'north_sinai',
  PORT_SAID = 'port_said',
  QALYUBIA = 'qalyubia',
  QENA = 'qena',
  RED_SEA = 'red_sea',
  SHARQIA = 'sharqia',
  SOHAG = 'sohag',
  SOUTH_SINAI = 'south_sinai',
  SUEZ = 'suez',
}

/** What a {@link LeadActivity} records. */
export enum LeadActivityType {
  STAGE_CHANGE = 'stage_change',
  LABEL_CHANGE = 'label_change',
  SCORE_CHANGE = 'score_change',
  NOTE = 'note',
  CONTACT = 'contact',
}

/** The delivery state of an ad campaign on Facebook. */
export enum AdCampaignStatus {
  ACTIVE = 'active',
  PAUSED = 'paused',
  ARCHIVED = 'archived',
}

/** How a setting's text `value` is to be read. */
export enum SettingValueType {
  STRING = 'string',
  NUMBER = 'number',
  BOOLEAN = 'boolean',
  JSON = 'json',
}
