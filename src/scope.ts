import type { EntityManager } from 'typeorm';
import type { Engine } from './column-types';
import type { Repositories } from './repositories/registry';

/** How `db.transaction` runs. */
export interface TransactionOptions {
  /** PostgreSQL isolation level (default `READ COMMITTED`). SQLite transactions are always serializable. */
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
  /** How many times to retry on a serialization failure, deadlock or busy SQLite file (default 5). */
  retries?: number;
}

/**
 * The repositories, bound either to the database or to one transaction. A
 * {@link Database} is one; so is the `tx` that `db.transaction` hands its callback.
 */
export interface DatabaseScope extends Repositories {
  /** `'sqlite'` or `'postgres'`. */
  readonly engine: Engine;
  /** The TypeORM manager this scope runs on (the transaction's, inside one). */
  readonly manager: EntityManager;
  /**
   * Runs `fn` in one transaction; inside a transaction it joins it.
   * A throw rolls everything back and is rethrown.
   */
  transaction<T>(fn: (tx: DatabaseScope) => Promise<T>, options?: TransactionOptions): Promise<T>;
}
