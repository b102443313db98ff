import { inspect } from 'node:util';
import type { EntityManager } from 'typeorm';
import type { Engine } from './column-types';
import { dialectFor, type Dialect } from './dialect/index';
import { toDatabaseError } from './driver-errors';
import { DatabaseClosedError } from './errors';
import type { RepositoryContext } from './repositories/context';
import { runPlanAsync, type Plan } from './repositories/sql/plan';
import { REPOSITORY_CLASSES, REPOSITORY_NAMES, type Repositories } from './repositories/registry';
import type { DomainEvent } from './events/types';
import type { DatabaseScope, TransactionOptions } from './scope';
import type { UnitKind } from './sqlite-session';
import type { WorkTracker } from './work-tracker';

/** Rethrows a failure as a typed error, per engine (made once, not per call). */
const TYPED: Record<Engine, (error: unknown) => never> = {
  sqlite: (error) => {
    throw toDatabaseError(error, 'sqlite');
  },
  postgres: (error) => {
    throw toDatabaseError(error, 'postgres');
  },
};

/** A manager on a connection of its own, released after one unit of work. @internal */
export type ManagerLease = () => { manager: EntityManager; release: () => Promise<void> };

/** Runs units of work one at a time (SQLite's shared connection). @internal */
export interface UnitQueue {
  run<T>(fn: () => Promise<T>, kind?: UnitKind): Promise<T>;
}

/** How a scope runs a plan of fixed statements in one transaction when it is not in one. @internal */
export type AtomicRunner = <T>(plan: (manager: EntityManager, events: DomainEvent[] | null) => Plan<T>) => Promise<T>;

/** How a scope opens a transaction when it is not in one. @internal */
export type TransactionRunner = <T>(fn: (tx: DatabaseScope) => Promise<T>, options?: TransactionOptions) => Promise<T>;

/**
 * The repositories on one manager: the database's (work queued on SQLite) or
 * a transaction's (work runs directly). Repositories are made on first use.
 * @internal
 */
/** The repositories, as getters defined from the registry. @internal */
export interface Scope extends Repositories {}

export class Scope implements DatabaseScope, RepositoryContext {
  readonly engine: Engine;
  readonly dialect: Dialect;
  readonly manager: EntityManager;
  readonly inTransaction: boolean;
  private readonly queue: UnitQueue | null;
  private readonly isClosed: () => boolean;
  private readonly work: WorkTracker | undefined;
  private readonly openTransaction: TransactionRunner;
  private readonly openAtomic: AtomicRunner | undefined;
  private readonly lease: ManagerLease | undefined;
  /** The events of this transaction, published after it commits; `null` when nobody wants them (or outside one). */
  readonly pendingEvents: DomainEvent[] | null;
  private readonly eventsWanted: () => boolean;
  private cache: Partial<Record<keyof Repositories, object>> = {};

  constructor(args: {
    engine: Engine;
    manager: EntityManager;
    inTransaction: boolean;
    queue: UnitQueue | null;
    /** Whether the database was closed (a transaction's scope is never closed under it). */
    isClosed?: () => boolean;
    /** Counts the units in flight, for close(). */
    work?: WorkTracker;
    openTransaction: TransactionRunner;
    /** Runs fixed SQL in one transaction (default: through `openTransaction`). */
    openAtomic?: AtomicRunner;
    /** Run each unit of work on a leased manager (the primary, when replicas serve plain reads). */
    lease?: ManagerLease;
    /** A transaction's scope: where its events gather until it commits. */
    pendingEvents?: DomainEvent[] | null;
    /** The database's scope: whether units of work must collect their events. */
    eventsWanted?: () => boolean;
  }) {
    this.pendingEvents = args.inTransaction ? (args.pendingEvents ?? null) : null;
    this.eventsWanted = args.eventsWanted ?? (() => false);
    this.lease = args.lease;
    this.engine = args.engine;
    this.dialect = dialectFor(args.engine);
    this.manager = args.manager;
    this.inTransaction = args.inTransaction;
    this.queue = args.inTransaction ? null : args.queue;
    this.isClosed = args.isClosed ?? (() => false);
    this.work = args.work;
    this.openTransaction = args.openTransaction;
    this.openAtomic = args.openAtomic;
  }

  /** What `console.log(db.primary)` or of a `tx` prints: no manager, no DataSource options. */
  [inspect.custom](): string {
    return `DatabaseScope { engine: '${this.engine}', inTransaction: ${String(this.inTransaction)} }`;
  }

  // One getter per repository, made on first use (defined from the registry below the class).
  static {
    for (const name of REPOSITORY_NAMES) {
      Object.defineProperty(Scope.prototype, name, {
        configurable: true,
        get(this: Scope) {
          return (this.cache[name] ??= new REPOSITORY_CLASSES[name](this));
        },
      });
    }
  }

  run<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.unit(fn, 'write');
  }

  read<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.unit(fn, 'read');
  }

  /** A unit of work running a caller's callback (`db.run`). @internal */
  runCallback<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.unit(fn, 'user');
  }

  get collectingEvents(): boolean {
    return this.inTransaction ? this.pendingEvents !== null : this.eventsWanted();
  }

  emit(...events: DomainEvent[]): void {
    this.pendingEvents?.push(...events);
  }

  atomic<T>(plan: (manager: EntityManager, events: DomainEvent[] | null) => Plan<T>): Promise<T> {
    if (this.inTransaction || !this.openAtomic) {
      const dialect = this.dialect;
      return this.transaction((tx) => {
        // The transaction's own scope (this one, or the one db.transaction made).
        const scope = tx as Scope;
        return runPlanAsync(plan(tx.manager, scope.pendingEvents), (s) => dialect.queryRows(tx.manager, s.sql, s.parameters));
      });
    }
    if (this.isClosed()) return Promise.reject(new DatabaseClosedError('The database is closed; open a new one with openDatabase()'));
    return this.openAtomic(plan);
  }

  private unit<T>(fn: (manager: EntityManager) => Promise<T>, kind: UnitKind): Promise<T> {
    if (this.isClosed()) return Promise.reject(new DatabaseClosedError('The database is closed; open a new one with openDatabase()'));
    return this.work ? this.work.track(() => this.runUnit(fn, kind)) : this.runUnit(fn, kind);
  }

  private async runUnit<T>(fn: (manager: EntityManager) => Promise<T>, kind: UnitKind): Promise<T> {
    try {
      if (this.lease) {
        const { manager, release } = this.lease();
        try {
          return await fn(manager);
        } finally {
          await release();
        }
      }
      return await (this.queue ? this.queue.run(() => fn(this.manager), kind) : fn(this.manager));
    } catch (error) {
      throw toDatabaseError(error, this.engine);
    }
  }

  /**
   * Opens a transaction (the database's, which types driver errors and
   * retries conflicts), or joins this one: then driver errors are typed here,
   * so every repository gets typed errors from one place.
   */
  transaction<T>(fn: (tx: DatabaseScope) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (!this.inTransaction) return this.openTransaction(fn, options);
    try {
      return Promise.resolve(fn(this)).then(undefined, TYPED[this.engine]);
    } catch (error) {
      return TYPED[this.engine](error);
    }
  }

  dateParam(date: Date): Date | string {
    return this.dialect.dateParam(date);
  }
}
