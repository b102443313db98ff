import {
  Table,
  TableCheck,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { columnTypeFor, engineOf, TIMESTAMP } from '../column-types';

// Enum values are frozen here, as they were when this migration was written:
// a later enum change gets its own migration.
const MESSAGE_DIRECTION = ['inbound', 'outbound'];
const MESSAGE_STATUS = ['sent', 'delivered', 'read', 'failed'];
const MESSAGE_SOURCE = ['messenger', 'whatsapp', 'lead_center', 'manual'];
const LEAD_STAGE = ['new', 'contacted', 'qualified', 'hot', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
const CUSTOMER_LABEL = ['hot', 'warm', 'cold', 'unqualified'];
const CUSTOMER_TYPE = ['individual', 'business', 'wholesale', 'retail', 'lead'];
const POST_TYPE = ['post', 'story', 'reel', 'ad'];
const LEAD_ACTIVITY_TYPE = ['stage_change', 'label_change', 'score_change', 'note', 'contact'];
const AD_CAMPAIGN_STATUS = ['active', 'paused', 'archived'];
const SETTING_VALUE_TYPE = ['string', 'number', 'boolean', 'json'];
const GOVERNORATE = [
  'alexandria', 'aswan', 'asyut', 'beheira', 'beni_suef', 'cairo', 'dakahlia', 'damietta', 'faiyum',
  'gharbia', 'giza', 'ismailia', 'kafr_el_sheikh', 'luxor', 'matruh', 'minya', 'monufia', 'new_valley',
  'north_sinai', 'port_said', 'qalyubia', 'qena', 'red_sea', 'sharqia', 'sohag', 'south_sinai', 'suez',
];

function inList(column: string, values: readonly string[]): string {
  return `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`;
}

function check(table: string, column: string, expression: string): TableCheck {
  return new TableCheck({ name: `CHK_${table}_${column}`, expression });
}

/** The first schema: the seven tables, their keys, checks and hot-path indexes. */
export class InitialSchema1763900000000 implements MigrationInterface {
  /** The name recorded in the migrations table once it has run. */
  name = 'InitialSchema1763900000000';

  /**
   * Creates the seven tables with their keys, CHECK constraints, foreign keys
   * and indexes, with the column types of the engine `queryRunner` is on.
   * Run it through `db.migrate()`, `migochat-db migrate` or TypeORM's
   * `runMigrations()`, not by hand.
   */
  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const engine = engineOf(queryRunner.connection);
    // The same default text the entities produce, so the schema never drifts.
    const dflt = (value: unknown, type: string): string | undefined =>
      driver.normalizeDefault({ default: value, type } as unknown as ColumnMetadata);
    const createDateDefault = driver.mappedDataTypes.createDateDefault;

    const id: TableColumnOptions = {
      name: 'id',
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
    const ts = (name: string, nullable = true): TableColumnOptions => ({
      name,
      type: columnTypeFor(engine, TIMESTAMP),
      isNullable: nullable,
    });
    const stamps: TableColumnOptions[] = [
      { ...ts('created_at', false), default: createDateDefault },
      { ...ts('updated_at', false), default: createDateDefault },
    ];
    const str = (name: string, length: number, nullable = true, def?: string): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
      ...(def === undefined ? {} : { default: dflt(def, 'varchar') }),
    });
    const text = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
    const int = (name: string, nullable = true, def?: number): TableColumnOptions => ({
      name,
      type: 'integer',
      isNullable: nullable,
      ...(def === undefined ? {} : { default: dflt(def, 'integer') }),
    });
    const bigint = (name: string, def: number): TableColumnOptions => ({
      name,
      type: 'bigint',
      isNullable: false,
      default: dflt(def, 'bigint'),
    });
    const bool = (name: string, def: boolean): TableColumnOptions => ({
      name,
      type: 'boolean',
      isNullable: false,
      default: dflt(def, 'boolean'),
    });

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          ...stamps,
          str('psid', 64),
          str('phone_number', 16),
          str('first_name', 100),
          str('last_name', 100),
          str('email', 254),
          str('profile_pic_url', 2048),
          str('governorate', 32),
          str('lead_stage', 32, false, 'new'),
          str('customer_label', 32),
          str('customer_type', 32, false, 'lead'),
          int('lead_score', false, 0),
          str('primary_source', 32),
          text('notes'),
          bool('is_active', true),
          ts('last_message_at'),
        ],
        indices: [
          new TableIndex({ name: 'UQ_users_psid', columnNames: ['psid'], isUnique: true }),
          new TableIndex({ name: 'UQ_users_phone_number', columnNames: ['phone_number'], isUnique: true }),
          new TableIndex({ name: 'IDX_users_lead_stage', columnNames: ['lead_stage'] }),
        ],
        checks: [
          new TableCheck({ name: 'CHK_users_identity', expression: '"psid" IS NOT NULL OR "phone_number" IS NOT NULL' }),
          check('users', 'lead_stage', inList('lead_stage', LEAD_STAGE)),
          check('users', 'customer_label', inList('customer_label', CUSTOMER_LABEL)),
          check('users', 'customer_type', inList('customer_type', CUSTOMER_TYPE)),
          check('users', 'governorate', inList('governorate', GOVERNORATE)),
          check('users', 'primary_source', inList('primary_source', MESSAGE_SOURCE)),
          check('users', 'lead_score', '"lead_score" >= 0 AND "lead_score" <= 100'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'posts',
        columns: [
          id,
          ...stamps,
          str('facebook_post_id', 255, false),
          str('post_type', 16, false, 'post'),
          text('content'),
          str('permalink_url', 2048),
          str('media_url', 2048),
          int('likes_count', false, 0),
          int('comments_count', false, 0),
          int('shares_count', false, 0),
          ts('published_at'),
        ],
        indices: [new TableIndex({ name: 'UQ_posts_facebook_post_id', columnNames: ['facebook_post_id'], isUnique: true })],
        checks: [
          check('posts', 'post_type', inList('post_type', POST_TYPE)),
          check('posts', 'likes_count', '"likes_count" >= 0'),
          check('posts', 'comments_count', '"comments_count" >= 0'),
          check('posts', 'shares_count', '"shares_count" >= 0'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'ad_campaigns',
        columns: [
          id,
          ...stamps,
          str('facebook_campaign_id', 255, false),
          str('name', 255, false),
          str('status', 16, false, 'active'),
          str('objective', 64),
          bigint('impressions', 0),
          bigint('clicks', 0),
          bigint('conversions', 0),
          bigint('spend_minor', 0),
          str('currency', 3, false, 'EGP'),
          ts('starts_at'),
          ts('ends_at'),
        ],
        indices: [
          new TableIndex({ name: 'UQ_ad_campaigns_facebook_campaign_id', columnNames: ['facebook_campaign_id'], isUnique: true }),
        ],
        checks: [
          check('ad_campaigns', 'status', inList('status', AD_CAMPAIGN_STATUS)),
          check('ad_campaigns', 'impressions', '"impressions" >= 0'),
          check('ad_campaigns', 'clicks', '"clicks" >= 0'),
          check('ad_campaigns', 'conversions', '"conversions" >= 0'),
          check('ad_campaigns', 'spend_minor', '"spend_minor" >= 0'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'app_settings',
        columns: [
          id,
          ...stamps,
          str('key', 128, false),
          text('value', false),
          str('value_type', 16, false),
          str('category', 64, false, 'general'),
          text('description'),
          bool('is_sensitive', false),
        ],
        indices: [
          new TableIndex({ name: 'UQ_app_settings_key', columnNames: ['key'], isUnique: true }),
          new TableIndex({ name: 'IDX_app_settings_category', columnNames: ['category'] }),
        ],
        checks: [check('app_settings', 'value_type', inList('value_type', SETTING_VALUE_TYPE))],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'conversations',
        columns: [
          id,
          ...stamps,
          int('user_id', false),
          str('source', 32, false),
          bool('is_active', true),
          int('message_count', false, 0),
          str('last_message_text', 500),
          ts('last_message_at'),
          ts('started_at'),
          ts('ended_at'),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_conversations_active_user_source',
            columnNames: ['user_id', 'source'],
            isUnique: true,
            where: '"is_active" = true',
          }),
          new TableIndex({ name: 'IDX_conversations_active_last_message', columnNames: ['is_active', 'last_message_at'] }),
          new TableIndex({ name: 'IDX_conversations_user', columnNames: ['user_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_conversations_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        checks: [
          check('conversations', 'source', inList('source', MESSAGE_SOURCE)),
          check('conversations', 'message_count', '"message_count" >= 0'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'messages',
        columns: [
          id,
          ...stamps,
          int('user_id', false),
          int('conversation_id', false),
          str('facebook_message_id', 255),
          str('whatsapp_message_id', 255),
          text('text'),
          { name: 'attachments', type: 'json', isNullable: true },
          str('direction', 16, false),
          str('status', 16, false, 'sent'),
          str('source', 32, false),
          bool('is_ai_response', false),
          int('ai_response_time_ms'),
          int('post_id'),
          int('ad_campaign_id'),
          ts('sent_at'),
          ts('delivered_at'),
          ts('read_at'),
        ],
        indices: [
          new TableIndex({ name: 'UQ_messages_facebook_message_id', columnNames: ['facebook_message_id'], isUnique: true }),
          new TableIndex({ name: 'UQ_messages_whatsapp_message_id', columnNames: ['whatsapp_message_id'], isUnique: true }),
          new TableIndex({ name: 'IDX_messages_user_created', columnNames: ['user_id', 'created_at'] }),
          new TableIndex({ name: 'IDX_messages_conversation_created', columnNames: ['conversation_id', 'created_at'] }),
          new TableIndex({ name: 'IDX_messages_post', columnNames: ['post_id'] }),
          new TableIndex({ name: 'IDX_messages_ad_campaign', columnNames: ['ad_campaign_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_messages_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            name: 'FK_messages_conversation',
            columnNames: ['conversation_id'],
            referencedTableName: 'conversations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            name: 'FK_messages_post',
            columnNames: ['post_id'],
            referencedTableName: 'posts',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          }),
          new TableForeignKey({
            name: 'FK_messages_ad_campaign',
            columnNames: ['ad_campaign_id'],
            referencedTableName: 'ad_campaigns',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          }),
        ],
        checks: [
          check('messages', 'direction', inList('direction', MESSAGE_DIRECTION)),
          check('messages', 'status', inList('status', MESSAGE_STATUS)),
          check('messages', 'source', inList('source', MESSAGE_SOURCE)),
          check('messages', 'ai_response_time_ms', '"ai_response_time_ms" IS NULL OR "ai_response_time_ms" >= 0'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'lead_activities',
        columns: [
          id,
          { ...ts('created_at', false), default: createDateDefault },
          int('user_id', false),
          str('activity_type', 32, false),
          str('stage_before', 32),
          str('stage_after', 32),
          str('label_before', 32),
          str('label_after', 32),
          int('score_before'),
          int('score_after'),
          text('note'),
          str('performed_by', 100),
        ],
        indices: [
          new TableIndex({ name: 'IDX_lead_activities_user_created', columnNames: ['user_id', 'created_at'] }),
          new TableIndex({ name: 'IDX_lead_activities_created', columnNames: ['created_at'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_lead_activities_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        checks: [
          check('lead_activities', 'activity_type', inList('activity_type', LEAD_ACTIVITY_TYPE)),
          check('lead_activities', 'stage_before', inList('stage_before', LEAD_STAGE)),
          check('lead_activities', 'stage_after', inList('stage_after', LEAD_STAGE)),
          check('lead_activities', 'label_before', inList('label_before', CUSTOMER_LABEL)),
          check('lead_activities', 'label_after', inList('label_after', CUSTOMER_LABEL)),
        ],
      }),
    );
  }

  /**
   * Drops the seven tables, children first, and every row in them
   * (`migochat-db migrate:revert` asks before doing this to a database with data).
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['lead_activities', 'messages', 'conversations', 'app_settings', 'ad_campaigns', 'posts', 'users']) {
      await queryRunner.dropTable(table, true, true, true);
    }
  }
}
