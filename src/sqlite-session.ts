import { AsyncLocalStorage } from 'node:async_hooks';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { QueryFailedError, type DataSource } from 'typeorm';
import { DatabaseClosedError, StorageError, TransactionScopeError } from './errors';
import { SerialQueue, startNow } from './serial-queue';
import { resetStaleRunnerState } from './typeorm/index';

/** One unit of work while it runs: calls on the database from inside it would wait for it. */
interface Unit {
  session: SqliteSession;
  active: boolean;
}

const currentUnit = new AsyncLocalStorage<Unit>();

/**
 * What a unit of work does, which decides what is checked around it:
 * - `user`: runs a caller's callback (`db.transaction`, `db.run`), which could
 *   call the database again: tracked, so such a call fails at once.
 * - `write`: the library's own code that may write: the file identity is
 *   checked before it.
 * - `read`: the library's own code that only reads: the file identity is
 *   checked when the file was touched since the last check (a watch on the
 *   file says so), since a read from a deleted file loses nothing.
 */
export type UnitKind = 'user' | 'write' | 'read';

/** The identity of a file: a file deleted or replaced under an open connection has another (or none). */
interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * Every unit of work of a SQLite {@link Database}: run in turn on the one
 * connection TypeORM shares, and checked afterwards.
 *
 * - After each unit the connection must be idle. SQLite rolls a transaction
 *   back by itself when COMMIT fails (SQLITE_FULL, SQLITE_IOERR), while
 *   TypeORM's runner still believes it is open, so every later transaction
 *   would become a SAVEPOINT of one never committed: acknowledged writes,
 *   lost at close. The runner is reset to the connection's real state, and a
 *   transaction still open at the end of a unit is rolled back and the unit
 *   fails.
 * - The file must still be the one opened when a unit starts: a write into
 *   a deleted (unlinked) or replaced file succeeds and is lost, so from the
 *   moment the file changed every unit fails.
 * - A call on the database from inside one of its units (`db.users...`
 *   inside `db.transaction`) would wait for the unit that waits for it: it
 *   fails at once with {@link TransactionScopeError}.
 * - After `close()` begins, new units fail with {@link DatabaseClosedError};
 *   units queued before it run to the end first.
 *
 * @internal
 */
export class SqliteSession {
  private readonly queue = new SerialQueue();
  /** The connection whose file identity is `identity` (a restore opens a new connection on a new file). */
  private identified: object | null = null;
  private identity: FileIdentity | null = null;
  private broken: Error | null = null;
  private closing = false;
  /** Events on the file since its identity was last checked; `null` when it cannot be watched (then every unit checks). */
  private watcher: FSWatcher | null = null;
  private touched = true;

  constructor(
    private readonly dataSource: DataSource,
    /** The database file, or `:memory:`. */
    private readonly path: string,
  ) {
    const connection = this.connection();
    if (connection) this.fileProblem(connection);
  }

  /** How many units are queued or running. */
  get size(): number {
    return this.queue.size;
  }

  /** Whether the caller is inside one of this session's units. */
  get insideUnit(): boolean {
    const unit = currentUnit.getStore();
    return unit !== undefined && unit.session === this && unit.active;
  }

  /** Runs `fn` as one unit of work, after every unit queued before it. */
  run<T>(fn: () => Promise<T>, kind: UnitKind = 'user'): Promise<T> {
    if (this.insideUnit) {
      return Promise.reject(
        new TransactionScopeError(
          'A call on the database was made inside one of its own transactions (or run() callbacks); on SQLite it would wait for itself forever. Use the transaction callback\'s `tx` argument (tx.users, tx.messages, ...) instead of `db`.',
        ),
      );
    }
    if (this.closing) return Promise.reject(closedError());
    return this.queue.run(() => this.unit(fn, kind));
  }

  /**
   * Runs `fn` as one unit inside a transaction of the session's own
   * (`BEGIN IMMEDIATE` ... `COMMIT` on the connection), for the library's
   * fixed SQL, which joins it: without TypeORM's transaction machinery, which
   * costs more than the statements of a one-message ingest. `fn` must not use
   * TypeORM's entity-manager writes (they would open a transaction of their own).
   */
  transaction<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.run(() => {
      const connection = this.connection();
      if (!connection) throw closedError();
      run(connection, 'BEGIN IMMEDIATE');
      const rollback = (error: unknown): never => {
        // A failed COMMIT or statement may already have ended it.
        if (connection.inTransaction) run(connection, 'ROLLBACK');
        throw error;
      };
      let result: T | Promise<T>;
      try {
        result = fn();
      } catch (error) {
        return rollback(error);
      }
      const commit = (value: T): T => {
        run(connection, 'COMMIT');
        return value;
      };
      // Synchronous work (a plan of statements) commits in the same turn, without a promise in between.
      return result instanceof Promise ? result.then(commit, rollback) : Promise.resolve(commit(result));
    }, 'write');
  }

  /**
   * Waits for every unit queued, and for calls still validating their input
   * (they reach the queue within a turn of the event loop), then refuses new
   * ones; after at most `rounds` turns.
   */
  async drain(rounds = 100): Promise<void> {
    if (this.insideUnit) {
      throw new TransactionScopeError('close() was called inside one of the database\'s own transactions; close it after the transaction returns.');
    }
    const settled = () => this.queue.run(() => Promise.resolve()).catch(() => undefined);
    for (let round = 0; round < rounds && !this.closing; round++) {
      await settled();
      await nextTurn();
      if (this.queue.size === 0) break;
    }
    this.closing = true;
    // Units queued before close() run to the end; their errors are theirs, not close()'s.
    await settled();
    this.unwatch();
  }

  private unit<T>(fn: () => Promise<T>, kind: UnitKind): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const connection = this.connection();
    if (!connection) return Promise.reject(closedError());
    // Checked before the unit: from the moment the file is gone or replaced no
    // write is acknowledged (and the -wal file goes by path: a write through the
    // old connection would land in the new file's WAL).
    if (kind !== 'read' || this.touched || this.identified !== connection) {
      const moved = this.fileProblem(connection);
      if (moved) return Promise.reject((this.broken = moved));
    }
    const unit: Unit = { session: this, active: true };
    const work = kind === 'user' ? currentUnit.run(unit, fn) : startNow(fn);
    return work.then(
      (result) => {
        unit.active = false;
        const problem = this.settle();
        if (problem) throw problem;
        return result;
      },
      (error: unknown) => {
        unit.active = false;
        throw this.settle() ?? error;
      },
    );
  }

  /**
   * Brings the runner in line with the connection after a unit; returns the
   * error the unit must fail with, if any.
   */
  private settle(): Error | null {
    const connection = this.connection();
    if (!connection) return null;
    let problem: Error | null = null;
    if (connection.inTransaction) {
      try {
        connection.exec('ROLLBACK');
      } catch {
        // Nothing more can be undone.
      }
      problem = new StorageError('A transaction was still open at the end of a unit of work and was rolled back; nothing of this call was stored');
    }
    resetStaleRunnerState(this.dataSource, connection.inTransaction);
    return problem;
  }

  /** Watches the file as opened now (a watch follows the inode: a reopened file needs a new one). */
  private watchFile(): void {
    this.unwatch();
    try {
      // Any event (a write, a change of links, a rename) makes the next read check the identity.
      const watcher = watch(this.path, { persistent: false }, () => void (this.touched = true));
      watcher.on('error', () => {
        this.touched = true;
        this.unwatch();
      });
      this.watcher = watcher;
      this.touched = false;
    } catch {
      // No watch (e.g. inotify limits): every unit checks the identity.
      this.touched = true;
    }
  }

  private unwatch(): void {
    const watcher = this.watcher;
    this.watcher = null;
    this.touched = true;
    watcher?.close();
  }

  private connection(): BetterSqlite3.Database | null {
    if (!this.dataSource.isInitialized) return null;
    const connection = (this.dataSource.driver as unknown as { databaseConnection?: BetterSqlite3.Database }).databaseConnection;
    return connection?.open ? connection : null;
  }

  /** A file deleted or replaced since this connection opened it (a restore reopens: a new connection, a new identity). */
  private fileProblem(connection: BetterSqlite3.Database): Error | null {
    if (this.path === ':memory:' || this.path === '') return null;
    // Cleared before the stat: an event during it marks the file again.
    this.touched = this.watcher === null;
    const now = identityOf(this.path);
    if (this.identified !== connection) {
      this.identified = connection;
      this.identity = now;
      this.watchFile();
      return null;
    }
    const opened = this.identity;
    if (opened && now && opened.dev === now.dev && opened.ino === now.ino) return null;
    return new StorageError(
      `The SQLite file ${this.path} was ${now ? 'replaced' : 'deleted'} while the database was open: writes would be lost, so this call and every later one fail. Restore the file and reopen the database.`,
    );
  }
}

/** Runs one statement of the session's own transaction; failures come out as TypeORM's do. */
function run(connection: BetterSqlite3.Database, sql: string): void {
  try {
    connection.exec(sql);
  } catch (error) {
    throw new QueryFailedError(sql, [], error as Error);
  }
}

function identityOf(path: string): FileIdentity | null {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? { dev: stat.dev, ino: stat.ino } : null;
}

function closedError(): DatabaseClosedError {
  return new DatabaseClosedError('The database is closed; open a new one with openDatabase()');
}
