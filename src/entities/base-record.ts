import { CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TIMESTAMP } from '../column-types';

/**
 * What every row has: a generated integer `id`, and a `toJSON()` that returns
 * the persisted properties (relations included when loaded).
 */
export abstract class BaseRecord {
  /** Generated primary key. Column `id`. */
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** The entity's own enumerable properties, for `JSON.stringify` and logs. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object) } as Record<string, unknown>;
  }
}

/** A {@link BaseRecord} that also tracks when it was created and last updated (UTC). */
export abstract class TimestampedEntity extends BaseRecord {
  /** When the row was inserted. Column `created_at`. */
  @CreateDateColumn({ type: TIMESTAMP })
  createdAt!: Date;

  /** When the row was last updated. Column `updated_at`. */
  @UpdateDateColumn({ type: TIMESTAMP })
  updatedAt!: Date;
}
