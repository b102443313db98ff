import { Table, TableCheck, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { columnTypeFor, engineOf, TIMESTAMP } from '../column-types';

// Frozen as they were when this migration was written (see the initial schema).
const MESSAGE_KIND = ['text', 'image', 'audio', 'video', 'file', 'sticker', 'reaction', 'location', 'contacts', 'postback', 'unsupported'];
const MESSAGE_STATUS = ['sent', 'delivered', 'read', 'failed'];
/** Attachment types that name a kind of their own in rows written before kinds existed; any other type becomes `file`. */
const MEDIA_KINDS = ['image', 'audio', 'video', 'file', 'sticker'];

function inList(column: string, values: readonly string[]): string {
  return `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`;
}

/**
 * Meta's platforms as they are (issue 14): `messages.kind` (existing rows
 * become `text`, or the kind of their first attachment when they have no
 * text), `messages.error_code` and `error_title` for failed statuses, the
 * `pending_receipts` table for statuses that arrive before their message, and
 * message pages by the platform's sent time: `sent_at` is filled from
 * `created_at` where missing and indexed per user and per conversation
 * (`IDX_messages_user_sent`, `IDX_messages_conversation_sent`), replacing the
 * `created_at` indexes.
 */
export class MessageKindsAndReceipts1764000000000 implements MigrationInterface {
  name = 'MessageKindsAndReceipts1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const engine = engineOf(queryRunner.connection);
    const dflt = (value: unknown, type: string): string | undefined =>
      driver.normalizeDefault({ default: value, type } as unknown as ColumnMetadata);
    const timestamp = columnTypeFor(engine, TIMESTAMP);

    // One call per kind of change: SQLite rebuilds the table for each.
    await queryRunner.addColumns('messages', [
      new TableColumn({ name: 'kind', type: 'varchar', length: '16', isNullable: false, default: dflt('text', 'varchar') }),
      new TableColumn({ name: 'error_code', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'error_title', type: 'varchar', length: '255', isNullable: true }),
    ]);
    await queryRunner.createCheckConstraints('messages', [new TableCheck({ name: 'CHK_messages_kind', expression: inList('kind', MESSAGE_KIND) })]);

    const firstType = engine === 'postgres' ? `("attachments"->0->>'type')` : `json_extract("attachments", '$[0].type')`;
    const isList = engine === 'postgres' ? `json_typeof("attachments") = 'array'` : `json_valid("attachments") AND json_type("attachments") = 'array'`;
    await queryRunner.query(
      `UPDATE "messages" SET "kind" = CASE WHEN ${firstType} IN (${MEDIA_KINDS.map((k) => `'${k}'`).join(', ')}) THEN ${firstType} ELSE 'file' END ` +
        `WHERE ("text" IS NULL OR "text" = '') AND "attachments" IS NOT NULL AND ${isList}`,
    );
    await queryRunner.query(`UPDATE "messages" SET "sent_at" = "created_at" WHERE "sent_at" IS NULL`);

    await queryRunner.dropIndex('messages', 'IDX_messages_user_created');
    await queryRunner.dropIndex('messages', 'IDX_messages_conversation_created');
    await queryRunner.createIndices('messages', [
      new TableIndex({ name: 'IDX_messages_user_sent', columnNames: ['user_id', 'sent_at', 'id'] }),
      new TableIndex({ name: 'IDX_messages_conversation_sent', columnNames: ['conversation_id', 'sent_at', 'id'] }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'pending_receipts',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'created_at', type: timestamp, isNullable: false, default: driver.mappedDataTypes.createDateDefault },
          { name: 'external_id', type: 'varchar', length: '255', isNullable: false },
          { name: 'status', type: 'varchar', length: '16', isNullable: false },
          { name: 'occurred_at', type: timestamp, isNullable: false },
          { name: 'error_code', type: 'integer', isNullable: true },
          { name: 'error_title', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'UQ_pending_receipts_external_id_status', columnNames: ['external_id', 'status'], isUnique: true }),
          new TableIndex({ name: 'IDX_pending_receipts_created', columnNames: ['created_at'] }),
        ],
        checks: [new TableCheck({ name: 'CHK_pending_receipts_status', expression: inList('status', MESSAGE_STATUS) })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('pending_receipts', true, true, true);
    await queryRunner.dropIndex('messages', 'IDX_messages_user_sent');
    await queryRunner.dropIndex('messages', 'IDX_messages_conversation_sent');
    await queryRunner.createIndices('messages', [
      new TableIndex({ name: 'IDX_messages_user_created', columnNames: ['user_id', 'created_at'] }),
      new TableIndex({ name: 'IDX_messages_conversation_created', columnNames: ['conversation_id', 'created_at'] }),
    ]);
    await queryRunner.dropCheckConstraint('messages', 'CHK_messages_kind');
    await queryRunner.dropColumns('messages', ['kind', 'error_code', 'error_title']);
  }
}
