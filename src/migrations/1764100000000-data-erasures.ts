import { Table, TableCheck, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypeFor, engineOf, TIMESTAMP } from '../column-types';

/**
 * The `data_erasures` table (issue 14): one row per `users.erase`, holding
 * the confirmation code of Meta's data deletion callback. No foreign key to
 * `users`, so the record outlives the user row.
 */
export class DataErasures1764100000000 implements MigrationInterface {
  name = 'DataErasures1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const timestamp = columnTypeFor(engineOf(queryRunner.connection), TIMESTAMP);
    await queryRunner.createTable(
      new Table({
        name: 'data_erasures',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'created_at', type: timestamp, isNullable: false, default: driver.mappedDataTypes.createDateDefault },
          { name: 'confirmation_code', type: 'varchar', length: '64', isNullable: false },
          { name: 'user_id', type: 'integer', isNullable: false },
          { name: 'status', type: 'varchar', length: '16', isNullable: false, default: "'completed'" },
          { name: 'performed_by', type: 'varchar', length: '100', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'UQ_data_erasures_confirmation_code', columnNames: ['confirmation_code'], isUnique: true })],
        checks: [new TableCheck({ name: 'CHK_data_erasures_status', expression: `"status" IN ('completed')` })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('data_erasures', true, true, true);
  }
}
