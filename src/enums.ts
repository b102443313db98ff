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
  /** Just arrived; nobody has answered yet. */
  NEW = 'new',
  /** The business has replied at least once. */
  CONTACTED = 'contacted',
  /** Has a real need and budget. */
  QUALIFIED = 'qualified',
  /** Ready to buy soon. */
  HOT = 'hot',
  /** Has received an offer. */
  PROPOSAL = 'proposal',
  /** Discussing price or terms. */
  NEGOTIATION = 'negotiation',
  /** Bought. */
  CLOSED_WON = 'closed_won',
  /** Will not buy. */
  CLOSED_LOST = 'closed_lost',
}

/** An agent's temperature label for a customer. */
export enum CustomerLabel {
  /** Very likely to buy. */
  HOT = 'hot',
  /** Interested. */
  WARM = 'warm',
  /** Little interest so far. */
  COLD = 'cold',
  /** Not a real prospect (spam, wrong number, no need). */
  UNQUALIFIED = 'unqualified',
}

/** What kind of customer a user is. */
export enum CustomerType {
  /** A private buyer. */
  INDIVIDUAL = 'individual',
  /** A company buying for its own use. */
  BUSINESS = 'business',
  /** A reseller buying in bulk. */
  WHOLESALE = 'wholesale',
  /** A shop. */
  RETAIL = 'retail',
  /** Not yet known: the default. */
  LEAD = 'lead',
}

/** The kind of Facebook content a post is. */
export enum PostType {
  /** A feed post. */
  POST = 'post',
  /** A story. */
  STORY = 'story',
  /** A reel. */
  REEL = 'reel',
  /** An ad creative. */
  AD = 'ad',
}

/** The 27 governorates of Egypt. */
export enum Governorate {
  /** The Alexandria governorate. */
  ALEXANDRIA = 'alexandria',
  /** The Aswan governorate. */
  ASWAN = 'aswan',
  /** The Asyut governorate. */
  ASYUT = 'asyut',
  /** The Beheira governorate. */
  BEHEIRA = 'beheira',
  /** The Beni Suef governorate. */
  BENI_SUEF = 'beni_suef',
  /** The Cairo governorate. */
  CAIRO = 'cairo',
  /** The Dakahlia governorate. */
  DAKAHLIA = 'dakahlia',
  /** The Damietta governorate. */
  DAMIETTA = 'damietta',
  /** The Faiyum governorate. */
  FAIYUM = 'faiyum',
  /** The Gharbia governorate. */
  GHARBIA = 'gharbia',
  /** The Giza governorate. */
  GIZA = 'giza',
  /** The Ismailia governorate. */
  ISMAILIA = 'ismailia',
  /** The Kafr el Sheikh governorate. */
  KAFR_EL_SHEIKH = 'kafr_el_sheikh',
  /** The Luxor governorate. */
  LUXOR = 'luxor',
  /** The Matruh governorate. */
  MATRUH = 'matruh',
  /** The Minya governorate. */
  MINYA = 'minya',
  /** The Monufia governorate. */
  MONUFIA = 'monufia',
  /** The New Valley governorate. */
  NEW_VALLEY = 'new_valley',
  /** The North Sinai governorate. */
  NORTH_SINAI = 'north_sinai',
  /** The Port Said governorate. */
  PORT_SAID = 'port_said',
  /** The Qalyubia governorate. */
  QALYUBIA = 'qalyubia',
  /** The Qena governorate. */
  QENA = 'qena',
  /** The Red Sea governorate. */
  RED_SEA = 'red_sea',
  /** The Sharqia governorate. */
  SHARQIA = 'sharqia',
  /** The Sohag governorate. */
  SOHAG = 'sohag',
  /** The South Sinai governorate. */
  SOUTH_SINAI = 'south_sinai',
  /** The Suez governorate. */
  SUEZ = 'suez',
}

/** What a {@link LeadActivity} records. */
export enum LeadActivityType {
  /** The lead stage changed. */
  STAGE_CHANGE = 'stage_change',
  /** The customer label changed. */
  LABEL_CHANGE = 'label_change',
  /** The lead score changed. */
  SCORE_CHANGE = 'score_change',
  /** An agent wrote a note. */
  NOTE = 'note',
  /** The business contacted the lead outside the chat (a call, a visit). */
  CONTACT = 'contact',
}

/** The delivery state of an ad campaign on Facebook. */
export enum AdCampaignStatus {
  /** Delivering. */
  ACTIVE = 'active',
  /** Paused by the business. */
  PAUSED = 'paused',
  /** Finished and archived. */
  ARCHIVED = 'archived',
}

/** How a setting's text `value` is to be read. */
export enum SettingValueType {
  /** Plain text. */
  STRING = 'string',
  /** A finite number, stored as its text. */
  NUMBER = 'number',
  /** `true` or `false`. */
  BOOLEAN = 'boolean',
  /** Any JSON value, stored as JSON text. */
  JSON = 'json',
}

/**
 * What a message holds, which decides what it needs: `text` needs text, the
 * media kinds text or an attachment, the others their own attachment (see
 * {@link MessageAttachment}) or nothing. Stored in `messages.kind`.
 */
export enum MessageKind {
  /** Plain text. */
  TEXT = 'text',
  /** A photo or picture. */
  IMAGE = 'image',
  /** A voice note or audio file. */
  AUDIO = 'audio',
  /** A video. */
  VIDEO = 'video',
  /** A document or any other file. */
  FILE = 'file',
  /** A sticker (WhatsApp `sticker`, Messenger's sticker images). */
  STICKER = 'sticker',
  /** A reaction (an emoji) to another message; an empty emoji removes it. Does not count in the conversation. */
  REACTION = 'reaction',
  /** A shared location (coordinates, name, address). */
  LOCATION = 'location',
  /** Shared contact cards. */
  CONTACTS = 'contacts',
  /** A button press (Messenger postback, WhatsApp button or interactive reply). */
  POSTBACK = 'postback',
  /** A message type the platform could not show or this CRM does not know; it may have no content. */
  UNSUPPORTED = 'unsupported',
}
