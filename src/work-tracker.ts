import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Counts the units of work of a {@link Database} in flight, so `close()` can
 * wait for the calls made before it: a repository call validates its input
 * (asynchronously) before its unit of work starts, so "queued" is not enough.
 * @internal
 */
export class WorkTracker {
  private active = 0;
  private waiters: Array<() => void> = [];

  /** Runs `fn`, counted while it runs. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await fn();
    } finally {
      if (--this.active === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /**
   * Resolves once no unit is in flight and none started during the next turn
   * of the event loop (calls still validating their input reach their unit
   * by then); after at most `rounds` such waits.
   */
  async quiet(rounds = 100): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      if (this.active > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      await nextTurn();
      if (this.active === 0) return;
    }
  }
}
