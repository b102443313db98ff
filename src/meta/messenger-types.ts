/**
 * The Messenger Platform `page` webhook body, as Meta documents it
 * (Webhooks reference: `messages`, `messaging_postbacks`,
 * `messaging_referrals`, `message_reads`, `message_deliveries`,
 * `message_echoes`, `message_reactions`). Only what the CRM reads is typed;
 * Meta adds fields over time, and unknown ones are allowed.
 *
 * @module
 */

/** A Messenger webhook body: `object` is `page`, one entry per page and batch. */
export interface MessengerWebhookBody {
  /** Always `page` for Messenger. */
  object: 'page';
  /** One or more entries; Meta batches events of several pages and moments. */
  entry: MessengerEntry[];
}

/** One entry of a {@link MessengerWebhookBody}. */
export interface MessengerEntry {
  /** The page id. */
  id: string;
  /** When Meta sent the batch, in milliseconds since 1970. */
  time: number;
  /** The events (Meta documents one per entry, but treat it as a list). */
  messaging?: MessengerMessagingEvent[];
}

/** Who sent or received an event: a page-scoped user id (PSID) or the page id. */
export interface MessengerParty {
  /** The PSID of a user, or the page's id. */
  id: string;
  /** Present instead of `id` for a chat-plugin guest before they log in. */
  user_ref?: string;
}

/**
 * One event of `entry[].messaging[]`. Exactly one of `message`, `postback`,
 * `referral`, `read`, `delivery` or `reaction` is present.
 */
export interface MessengerMessagingEvent {
  /** The user (PSID) for inbound events; the page for echoes. */
  sender: MessengerParty;
  /** The page for inbound events; the user (PSID) for echoes. */
  recipient: MessengerParty;
  /** When it happened, in milliseconds since 1970 (not seconds). */
  timestamp: number;
  /** A message from the user, or an echo of one the page sent (`is_echo`). */
  message?: MessengerMessage;
  /** A button, persistent menu item or Get Started press. */
  postback?: MessengerPostback;
  /** The user entered an existing thread from an ad, an m.me link or a plugin. */
  referral?: MessengerReferral;
  /** Every message the page sent before `watermark` was read. */
  read?: MessengerRead;
  /** Messages the page sent were delivered. */
  delivery?: MessengerDelivery;
  /** The user reacted to a message, or removed a reaction. */
  reaction?: MessengerReaction;
}

/** `message` of a {@link MessengerMessagingEvent}. */
export interface MessengerMessage {
  /** The message id. */
  mid: string;
  /** The text, when the message has any. */
  text?: string;
  /** A quick reply the user tapped: its developer-defined payload. */
  quick_reply?: {
    /** The payload the page set on the quick reply. */
    payload: string;
  };
  /** The message this one replies to. */
  reply_to?: {
    /** The id of the message replied to. */
    mid: string;
    /** True when the sender replies to a message they sent themselves. */
    is_self_reply?: boolean;
  };
  /** Images, audio, video, files, stickers, shared links and templates. */
  attachments?: MessengerAttachment[];
  /** A referral (an ad or a shop product) the message came with. */
  referral?: MessengerReferral;
  /** True on an echo: a message the page itself sent (then `sender` is the page). */
  is_echo?: boolean;
  /** The app that sent an echoed message. */
  app_id?: number | string;
  /** Developer metadata of an echoed message. */
  metadata?: string;
  /** A sticker's id (the attachment is then an `image`). */
  sticker_id?: number | string;
  /** True when the user deleted (unsent) the message. */
  is_deleted?: boolean;
}

/** One attachment of a {@link MessengerMessage}. */
export interface MessengerAttachment {
  /** `image`, `audio`, `video`, `file`, `fallback`, `template`, `reel`, `ig_reel`, ... */
  type: string;
  /** The attachment's content; media have a `url`. */
  payload?: MessengerAttachmentPayload | null;
  /** A shared link's title (`fallback`). */
  title?: string;
  /** A shared link's address (`fallback`). */
  url?: string;
}

/** The `payload` of a {@link MessengerAttachment}. */
export interface MessengerAttachmentPayload {
  /** Where Meta serves the media. */
  url?: string;
  /** A sticker's id, for sticker images. */
  sticker_id?: number | string;
  /** Anything else Meta sends (template elements, reel ids, ...). */
  [key: string]: unknown;
}

/** `postback` of a {@link MessengerMessagingEvent}. */
export interface MessengerPostback {
  /** The postback's message id. */
  mid?: string;
  /** The button's title. */
  title?: string;
  /** The developer-defined payload of the button. */
  payload?: string;
  /** Where the user came from, when the postback started the conversation (Get Started from an ad). */
  referral?: MessengerReferral;
}

/**
 * A referral: where a user came from. For a click-to-Messenger ad: `source`
 * `ADS`, `type` `OPEN_THREAD`, `ad_id` and `ads_context_data`.
 */
export interface MessengerReferral {
  /** The `ref` parameter of an m.me link or the ad. */
  ref?: string;
  /** `ADS`, `SHORTLINK`, `CUSTOMER_CHAT_PLUGIN`, `MESSENGER_CODE`, ... */
  source?: string;
  /** `OPEN_THREAD`. */
  type?: string;
  /** The id of the ad the user clicked (not its campaign's). */
  ad_id?: string;
  /** What the ad showed. */
  ads_context_data?: MessengerAdsContextData;
  /** The page the plugin was on (chat plugin referrals). */
  referer_uri?: string;
  /** A shop product the user asked about. */
  product?: {
    /** The product's id in the shop's catalog. */
    id: string;
  };
}

/** `referral.ads_context_data`: what the ad showed. */
export interface MessengerAdsContextData {
  /** The ad's title. */
  ad_title?: string;
  /** The ad's image. */
  photo_url?: string;
  /** The thumbnail of the ad's video. */
  video_url?: string;
  /** The id of the page post the ad promotes. */
  post_id?: string;
  /** The product the ad shows. */
  product_id?: string;
}

/** `read` of a {@link MessengerMessagingEvent}. */
export interface MessengerRead {
  /** Every message sent before this moment (milliseconds since 1970) was read. */
  watermark: number;
}

/** `delivery` of a {@link MessengerMessagingEvent}. */
export interface MessengerDelivery {
  /** The ids of delivered messages; may be absent (then the watermark says it all). */
  mids?: string[];
  /** Every message sent before this moment (milliseconds since 1970) was delivered. */
  watermark: number;
}

/** `reaction` of a {@link MessengerMessagingEvent}. */
export interface MessengerReaction {
  /** `smile`, `angry`, `sad`, `wow`, `love`, `like`, `dislike` or `other`. */
  reaction?: string;
  /** The emoji, e.g. `\u2764\uFE0F`. */
  emoji?: string;
  /** Whether the reaction was added or removed. */
  action: 'react' | 'unreact';
  /** The message reacted to. */
  mid: string;
}
