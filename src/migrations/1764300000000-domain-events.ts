import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypeFor, engineOf, TIMESTAMP } from '../column-types';

/**
 * The `events` table (issue 17): append-only, one row per unit of work that
 * committed live events (`db.events`, with the `events` option), read by the
 * other processes on the same SQLite file, pruned by age by the writers.
 * PostgreSQL publishes through `pg_notify` instead and leaves it empty; it
 * exists there too so that one migration set serves both engines.
 */
export class DomainEvents1764300000000 implements MigrationInterface {
  name = 'DomainEvents1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const timestamp = columnTypeFor(engineOf(queryRunner.connection), TIMESTAMP);
    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          // AUTOINCREMENT on SQLite: ids never reused after a prune, so readers can go by "id > last seen".
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'created_at', type: timestamp, isNullable: false, default: driver.mappedDataTypes.createDateDefault },
          { name: 'payload', type: 'text', isNullable: false },
        ],
        indices: [new TableIndex({ name: 'IDX_events_created_at', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('events', true, true, true);
  }
}
