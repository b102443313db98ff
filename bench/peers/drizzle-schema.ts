/**
 * The library's tables (src/migrations/1763900000000-initial-schema.ts,
 * src/entities) as Drizzle table definitions, for SQLite and PostgreSQL: the
 * columns the benchmark's operations touch, with the types the library stores
 * (SQLite timestamps as UTC `YYYY-MM-DD HH:MM:SS.mmm` text, booleans as 0/1,
 * JSON as text; PostgreSQL timestamptz, boolean, json).
 */
import { sql } from 'drizzle-orm';
import * as pg from 'drizzle-orm/pg-core';
import * as lite from 'drizzle-orm/sqlite-core';
import { sqliteTime } from '../dataset';

const SQLITE_TS = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?/;

/** A SQLite timestamp column the way TypeORM stores it, as a Date in JavaScript. */
const liteTime = lite.customType<{ data: Date; driverData: string }>({
  dataType: () => 'datetime',
  toDriver: (value) => sqliteTime(value.getTime()),
  fromDriver: (value) => {
    const m = SQLITE_TS.exec(value);
    if (!m) return new Date(value);
    return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +(m[7] ?? '0').padEnd(3, '0')));
  },
});

const liteNow = sql`(strftime('%Y-%m-%d %H:%M:%f', 'now'))`;

const liteStamps = {
  id: lite.integer('id').primaryKey({ autoIncrement: true }),
  createdAt: liteTime('created_at').notNull().default(liteNow),
  updatedAt: liteTime('updated_at').notNull().default(liteNow),
};

export const sqliteUsers = lite.sqliteTable('users', {
  ...liteStamps,
  psid: lite.text('psid', { length: 64 }),
  phoneNumber: lite.text('phone_number', { length: 16 }),
  firstName: lite.text('first_name', { length: 100 }),
  lastName: lite.text('last_name', { length: 100 }),
  email: lite.text('email', { length: 254 }),
  profilePicUrl: lite.text('profile_pic_url', { length: 2048 }),
  governorate: lite.text('governorate', { length: 32 }),
  leadStage: lite.text('lead_stage', { length: 32 }).notNull().default('new'),
  customerLabel: lite.text('customer_label', { length: 32 }),
  customerType: lite.text('customer_type', { length: 32 }).notNull().default('lead'),
  leadScore: lite.integer('lead_score').notNull().default(0),
  primarySource: lite.text('primary_source', { length: 32 }),
  notes: lite.text('notes'),
  isActive: lite.integer('is_active', { mode: 'boolean' }).notNull().default(true),
  lastMessageAt: liteTime('last_message_at'),
});

export const sqliteConversations = lite.sqliteTable('conversations', {
  ...liteStamps,
  userId: lite.integer('user_id').notNull(),
  source: lite.text('source', { length: 32 }).notNull(),
  isActive: lite.integer('is_active', { mode: 'boolean' }).notNull().default(true),
  messageCount: lite.integer('message_count').notNull().default(0),
  lastMessageText: lite.text('last_message_text', { length: 500 }),
  lastMessageAt: liteTime('last_message_at'),
  startedAt: liteTime('started_at'),
  endedAt: liteTime('ended_at'),
});

export const sqliteMessages = lite.sqliteTable('messages', {
  ...liteStamps,
  userId: lite.integer('user_id').notNull(),
  conversationId: lite.integer('conversation_id').notNull(),
  facebookMessageId: lite.text('facebook_message_id', { length: 255 }),
  whatsappMessageId: lite.text('whatsapp_message_id', { length: 255 }),
  text: lite.text('text'),
  searchText: lite.text('search_text'),
  attachments: lite.text('attachments', { mode: 'json' }),
  direction: lite.text('direction', { length: 16 }).notNull(),
  status: lite.text('status', { length: 16 }).notNull().default('sent'),
  source: lite.text('source', { length: 32 }).notNull(),
  isAiResponse: lite.integer('is_ai_response', { mode: 'boolean' }).notNull().default(false),
  aiResponseTimeMs: lite.integer('ai_response_time_ms'),
  postId: lite.integer('post_id'),
  adCampaignId: lite.integer('ad_campaign_id'),
  sentAt: liteTime('sent_at'),
  deliveredAt: liteTime('delivered_at'),
  readAt: liteTime('read_at'),
  kind: lite.text('kind', { length: 16 }).notNull().default('text'),
  errorCode: lite.integer('error_code'),
  errorTitle: lite.text('error_title', { length: 255 }),
});

const pgTime = (name: string) => pg.timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

const pgStamps = {
  id: pg.serial('id').primaryKey(),
  createdAt: pgTime('created_at').notNull().defaultNow(),
  updatedAt: pgTime('updated_at').notNull().defaultNow(),
};

export const pgUsers = pg.pgTable('users', {
  ...pgStamps,
  psid: pg.varchar('psid', { length: 64 }),
  phoneNumber: pg.varchar('phone_number', { length: 16 }),
  firstName: pg.varchar('first_name', { length: 100 }),
  lastName: pg.varchar('last_name', { length: 100 }),
  email: pg.varchar('email', { length: 254 }),
  profilePicUrl: pg.varchar('profile_pic_url', { length: 2048 }),
  governorate: pg.varchar('governorate', { length: 32 }),
  leadStage: pg.varchar('lead_stage', { length: 32 }).notNull().default('new'),
  customerLabel: pg.varchar('customer_label', { length: 32 }),
  customerType: pg.varchar('customer_type', { length: 32 }).notNull().default('lead'),
  leadScore: pg.integer('lead_score').notNull().default(0),
  primarySource: pg.varchar('primary_source', { length: 32 }),
  notes: pg.text('notes'),
  isActive: pg.boolean('is_active').notNull().default(true),
  lastMessageAt: pgTime('last_message_at'),
});

export const pgConversations = pg.pgTable('conversations', {
  ...pgStamps,
  userId: pg.integer('user_id').notNull(),
  source: pg.varchar('source', { length: 32 }).notNull(),
  isActive: pg.boolean('is_active').notNull().default(true),
  messageCount: pg.integer('message_count').notNull().default(0),
  lastMessageText: pg.varchar('last_message_text', { length: 500 }),
  lastMessageAt: pgTime('last_message_at'),
  startedAt: pgTime('started_at'),
  endedAt: pgTime('ended_at'),
});

export const pgMessages = pg.pgTable('messages', {
  ...pgStamps,
  userId: pg.integer('user_id').notNull(),
  conversationId: pg.integer('conversation_id').notNull(),
  facebookMessageId: pg.varchar('facebook_message_id', { length: 255 }),
  whatsappMessageId: pg.varchar('whatsapp_message_id', { length: 255 }),
  text: pg.text('text'),
  searchText: pg.text('search_text'),
  attachments: pg.json('attachments'),
  direction: pg.varchar('direction', { length: 16 }).notNull(),
  status: pg.varchar('status', { length: 16 }).notNull().default('sent'),
  source: pg.varchar('source', { length: 32 }).notNull(),
  isAiResponse: pg.boolean('is_ai_response').notNull().default(false),
  aiResponseTimeMs: pg.integer('ai_response_time_ms'),
  postId: pg.integer('post_id'),
  adCampaignId: pg.integer('ad_campaign_id'),
  sentAt: pgTime('sent_at'),
  deliveredAt: pgTime('delivered_at'),
  readAt: pgTime('read_at'),
  kind: pg.varchar('kind', { length: 16 }).notNull().default('text'),
  errorCode: pg.integer('error_code'),
  errorTitle: pg.varchar('error_title', { length: 255 }),
});
