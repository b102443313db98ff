/**
 * The WhatsApp Cloud API `whatsapp_business_account` webhook body, as Meta
 * documents it (the `messages` field: incoming messages and the statuses of
 * messages the business sent). Only what the CRM reads is typed; Meta adds
 * fields over time, and unknown ones are allowed.
 *
 * @module
 */

/** A WhatsApp webhook body: `object` is `whatsapp_business_account`. */
export interface WhatsAppWebhookBody {
  /** Always `whatsapp_business_account`. */
  object: 'whatsapp_business_account';
  /** One entry per business account. */
  entry: WhatsAppEntry[];
}

/** One entry of a {@link WhatsAppWebhookBody}. */
export interface WhatsAppEntry {
  /** The WhatsApp Business Account id. */
  id: string;
  /** What changed; `field` `messages` carries messages and statuses. */
  changes: WhatsAppChange[];
}

/** One change of a {@link WhatsAppEntry}. */
export interface WhatsAppChange {
  /** `messages` for messages and statuses; other fields (templates, account updates) are not messages. */
  field: string;
  /** The change itself. */
  value: WhatsAppValue;
}

/** `value` of a {@link WhatsAppChange} whose `field` is `messages`. */
export interface WhatsAppValue {
  /** Always `whatsapp`. */
  messaging_product: 'whatsapp';
  /** The business phone number the messages are for. */
  metadata: WhatsAppMetadata;
  /** The customers the messages are from, with their profile names. */
  contacts?: WhatsAppContact[];
  /** Messages from customers. */
  messages?: WhatsAppMessage[];
  /** Status changes of messages the business sent. */
  statuses?: WhatsAppStatus[];
  /** Errors of the webhook itself (not of a message). */
  errors?: WhatsAppError[];
}

/** `value.metadata`: the business number. */
export interface WhatsAppMetadata {
  /** The number as shown to customers. */
  display_phone_number: string;
  /** Its id in the Cloud API. */
  phone_number_id: string;
}

/** One of `value.contacts`: the customer's WhatsApp id and profile name. */
export interface WhatsAppContact {
  /** The customer's WhatsApp id: their number's digits without `+` (e.g. `201001234567`). */
  wa_id: string;
  /** The customer's WhatsApp profile. */
  profile?: {
    /** The name the customer set in WhatsApp. */
    name?: string;
  };
}

/** An error as WhatsApp reports it (on a status, an `unsupported` message or the webhook). */
export interface WhatsAppError {
  /** The error code, e.g. `131026` (message undeliverable). */
  code: number;
  /** A short title. */
  title?: string;
  /** A longer message. */
  message?: string;
  /** More detail. */
  error_data?: {
    /** What went wrong, in words. */
    details?: string;
  };
  /** A link to the error code's documentation. */
  href?: string;
}

/** The message types WhatsApp documents for `messages[].type`. */
export type WhatsAppMessageType =
  | 'text'
  | 'image'
  | 'audio'
  | 'video'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contacts'
  | 'reaction'
  | 'button'
  | 'interactive'
  | 'order'
  | 'system'
  | 'request_welcome'
  | 'unsupported';

/** The media object of an `image`, `audio`, `video`, `document` or `sticker` message. */
export interface WhatsAppMedia {
  /** The media id, to download it through the Cloud API. */
  id: string;
  /** e.g. `image/jpeg`. */
  mime_type?: string;
  /** The file's SHA-256. */
  sha256?: string;
  /** A caption (image, video, document). */
  caption?: string;
  /** The file name (document). */
  filename?: string;
  /** True for a voice note (audio). */
  voice?: boolean;
  /** True for an animated sticker. */
  animated?: boolean;
}

/** A shared location. */
export interface WhatsAppLocation {
  /** Latitude in degrees. */
  latitude: number;
  /** Longitude in degrees. */
  longitude: number;
  /** The place's name. */
  name?: string;
  /** The place's address. */
  address?: string;
  /** The place's website. */
  url?: string;
}

/** A shared contact card (`contacts` messages hold a list of them). */
export interface WhatsAppContactCard {
  /** The card's name. */
  name: {
    /** The full name as it is usually written. */
    formatted_name: string;
    /** The first name. */
    first_name?: string;
    /** The last name. */
    last_name?: string;
    /** Other name parts (middle name, prefix, suffix). */
    [key: string]: unknown;
  };
  /** Phone numbers on the card. */
  phones?: Array<{
    /** The number as written on the card. */
    phone?: string;
    /** Its WhatsApp id, when the number uses WhatsApp. */
    wa_id?: string;
    /** `CELL`, `MAIN`, `IPHONE`, `HOME` or `WORK`. */
    type?: string;
  }>;
  /** Anything else on the card (addresses, emails, org, urls, birthday). */
  [key: string]: unknown;
}

/**
 * Where a message came from when the customer clicked a click-to-WhatsApp
 * ad or a post: `source_type` `ad` or `post`, `source_id` its id.
 */
export interface WhatsAppReferral {
  /** The ad's or post's URL. */
  source_url?: string;
  /** The ad's or post's id. */
  source_id?: string;
  /** `ad` or `post`. */
  source_type?: string;
  /** The ad's headline. */
  headline?: string;
  /** The ad's body text. */
  body?: string;
  /** `image` or `video`. */
  media_type?: string;
  /** The ad's image. */
  image_url?: string;
  /** The ad's video. */
  video_url?: string;
  /** The video's thumbnail. */
  thumbnail_url?: string;
  /** The click-to-WhatsApp click id. */
  ctwa_clid?: string;
}

/** `context` of a message: the message it replies to, or that it was forwarded. */
export interface WhatsAppContext {
  /** The sender of the message replied to. */
  from?: string;
  /** The id of the message replied to. */
  id?: string;
  /** True when the message was forwarded. */
  forwarded?: boolean;
  /** True when it was forwarded many times. */
  frequently_forwarded?: boolean;
  /** The catalog product the customer asked about. */
  referred_product?: {
    /** The id of the Meta catalog the product is in. */
    catalog_id: string;
    /** The product's id in that catalog (its SKU). */
    product_retailer_id: string;
  };
}

/** One of `value.messages`: a message from a customer. */
export interface WhatsAppMessage {
  /** The customer's WhatsApp id (digits, no `+`). */
  from: string;
  /** The message id (`wamid....`). */
  id: string;
  /** When it was sent: unix time in SECONDS, as a string of digits (e.g. `"1700000000"`). */
  timestamp: string;
  /** Which of the fields below holds the content. */
  type: WhatsAppMessageType | (string & {});
  /** `text` messages. */
  text?: {
    /** The text. */
    body: string;
  };
  /** `image` messages. */
  image?: WhatsAppMedia;
  /** `audio` messages (voice notes too). */
  audio?: WhatsAppMedia;
  /** `video` messages. */
  video?: WhatsAppMedia;
  /** `document` messages. */
  document?: WhatsAppMedia;
  /** `sticker` messages. */
  sticker?: WhatsAppMedia;
  /** `location` messages. */
  location?: WhatsAppLocation;
  /** `contacts` messages. */
  contacts?: WhatsAppContactCard[];
  /** `reaction` messages: the reacted-to message and the emoji (absent or empty when removed). */
  reaction?: {
    /** The id of the message reacted to. */
    message_id: string;
    /** The emoji; absent or empty when the customer removed their reaction. */
    emoji?: string;
  };
  /** `button` messages: a quick-reply button of a template. */
  button?: {
    /** The payload the business set on the template's button. */
    payload?: string;
    /** The button's text. */
    text: string;
  };
  /** `interactive` messages: a reply button or list row. */
  interactive?: {
    /** `button_reply` or `list_reply` (others, e.g. `nfm_reply` for flows, may arrive). */
    type: string;
    /** The reply button the customer tapped. */
    button_reply?: {
      /** The button's id, as the business set it. */
      id: string;
      /** The button's title. */
      title: string;
    };
    /** The list row the customer chose. */
    list_reply?: {
      /** The row's id, as the business set it. */
      id: string;
      /** The row's title. */
      title: string;
      /** The row's description. */
      description?: string;
    };
    /** Other reply types' fields. */
    [key: string]: unknown;
  };
  /** `unsupported` messages: why. */
  errors?: WhatsAppError[];
  /** The message it replies to or was forwarded from. */
  context?: WhatsAppContext;
  /** The ad or post the customer clicked. */
  referral?: WhatsAppReferral;
}

/**
 * A status the documentation lists. Others may arrive (e.g. `deleted`,
 * `warning`); they are typed as `string` and reported as ignored.
 */
export type WhatsAppStatusValue = 'sent' | 'delivered' | 'read' | 'failed';

/** One of `value.statuses`: what happened to a message the business sent. */
export interface WhatsAppStatus {
  /** The message's id (`wamid....`). */
  id: string;
  /** `sent`, `delivered`, `read`, `failed`, or another value WhatsApp adds. */
  status: WhatsAppStatusValue | (string & {});
  /** When: unix time in SECONDS, as a string of digits. */
  timestamp: string;
  /** The customer's WhatsApp id. */
  recipient_id: string;
  /** Why a `failed` message failed. */
  errors?: WhatsAppError[];
  /** The billing conversation the message opened or belongs to. */
  conversation?: {
    /** The conversation's id. */
    id: string;
    /** When the conversation expires: unix time in seconds, as a string (on `sent` statuses). */
    expiration_timestamp?: string;
    /** How the conversation was opened. */
    origin?: {
      /** Its category: `marketing`, `utility`, `authentication`, `service`, `referral_conversion`, ... */
      type: string;
    };
  };
  /** How the message is billed. */
  pricing?: {
    /** Whether the message is charged. */
    billable?: boolean;
    /** `CBP` (per conversation) or `PMP` (per message). */
    pricing_model?: string;
    /** The pricing category: `marketing`, `utility`, `authentication`, `service`, ... */
    category?: string;
    /** `regular`, `free_customer_service` or `free_entry_point` (per-message pricing). */
    type?: string;
  };
  /** The business's own tag of the message, when it sent one. */
  biz_opaque_callback_data?: string;
}
