import type { EntityManager } from 'typeorm';
import type { Engine } from '../column-types';
import type { Dialect } from '../dialect/index';
import type { DatabaseScope } from '../scope';
import type { DomainEvent } from '../events/types';
import type { Plan } from './sql/plan';

/**
 * What a repository runs on: an `EntityManager` (the DataSource's, or a
 * transaction's) and the rules for running work on it. Repositories get one
 * from the {@link Database} or from `db.transaction`.
 */
export interface RepositoryContext {
  /** `'sqlite'` or `'postgres'`. */
  readonly engine: Engine;
  /** What differs between the engines: SQL for now, placeholders, timestamps, row locks, the fixed-SQL runner. @internal */
  readonly dialect: Dialect;
  /** The manager queries run on: the DataSource's, or the current transaction's. */
  readonly manager: EntityManager;
  /** Whether this context is bound to an open transaction. */
  readonly inTransaction: boolean;
  /**
   * Runs one unit of work. Outside a transaction on SQLite it waits its turn
   * in the database's queue; driver errors come out as typed errors.
   */
  run<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T>;
  /**
   * Runs one unit of work that only reads (as {@link run}; on SQLite the file
   * identity is checked only when the file was touched since the last check).
   */
  read<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T>;
  /**
   * Runs a {@link Plan} of fixed statements in one transaction, like
   * {@link transaction}: on SQLite outside a transaction synchronously, in
   * the session's own `BEGIN IMMEDIATE` ... `COMMIT` (no TypeORM machinery,
   * no turn of the event loop); otherwise each statement through the dialect.
   * @internal
   */
  atomic<T>(plan: (manager: EntityManager, events: DomainEvent[] | null) => Plan<T>): Promise<T>;
  /**
   * Whether the changes of this unit of work are wanted as live events
   * (`db.events`): someone subscribed here, or the database publishes them.
   * Work that must read its changes back to tell them (a RETURNING) does it
   * only then. @internal
   */
  readonly collectingEvents: boolean;
  /**
   * Adds events of the current transaction, published after it commits
   * (dropped if it rolls back). Outside a transaction, or when nobody wants
   * them, does nothing. @internal
   */
  emit(...events: DomainEvent[]): void;
  /**
   * Runs `fn` in a transaction: joins the current one, or opens a new one
   * (retried on conflicts). Driver errors come out as typed errors either way.
   */
  transaction<T>(fn: (tx: DatabaseScope) => Promise<T>): Promise<T>;
  /** A Date as a query parameter for this engine (UTC text on SQLite): the dialect's `dateParam`. */
  dateParam(date: Date): Date | string;
}
