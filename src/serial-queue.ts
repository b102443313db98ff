/**
 * Runs async work one piece at a time, in call order. SQLite in TypeORM has a
 * single shared connection, so overlapping transactions would interleave on
 * it; every unit of work on a SQLite `Database` goes through one of these.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** How many units are queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Runs `fn` after everything queued before it has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    // Idle: start now rather than a microtask later (most calls find the queue idle).
    const idle = this.pending === 0;
    this.pending++;
    const result = idle ? startNow(fn) : this.tail.then(fn, fn);
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }
}

/** `fn()`, with a synchronous throw as a rejection. @internal */
export function startNow<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}
