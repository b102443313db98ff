import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../src/serial-queue';

/** A promise and the function that settles it, to control when work finishes. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SerialQueue', () => {
  it('runs units in call order, each after the previous one settled', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      queue.run(async () => {
        events.push(`start ${i}`);
        await gate.promise;
        events.push(`end ${i}`);
        return i;
      }),
    );
    // Finish them out of order: the queue must still run them one at a time, in order.
    gates[2]!.resolve();
    gates[1]!.resolve();
    await Promise.resolve();
    gates[0]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('never runs two units at once', async () => {
    const queue = new SerialQueue();
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        queue.run(async () => {
          running++;
          most = Math.max(most, running);
          for (let k = 0; k < i % 4; k++) await Promise.resolve();
          running--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('does not start a unit before an earlier one settled', async () => {
    const queue = new SerialQueue();
    const gate = deferred();
    let secondStarted = false;
    const first = queue.run(() => gate.promise);
    const second = queue.run(async () => {
      secondStarted = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondStarted).toBe(false);
    gate.resolve();
    await Promise.all([first, second]);
    expect(secondStarted).toBe(true);
  });

  it('rejects only the unit that failed; later units still run and resolve', async () => {
    const queue = new SerialQueue();
    const boom = new Error('boom');
    const results = await Promise.allSettled([
      queue.run(async () => 'a'),
      queue.run(async () => {
        throw boom;
      }),
      queue.run(async () => 'c'),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 'c' },
    ]);
  });

  it('keeps going after a unit throws synchronously', async () => {
    const queue = new SerialQueue();
    const failed = queue.run((() => {
      throw new Error('sync boom');
    }) as () => Promise<never>);
    await expect(failed).rejects.toThrow('sync boom');
    await expect(queue.run(async () => 'after')).resolves.toBe('after');
  });

  it('keeps going after a unit whose promise rejects later', async () => {
    const queue = new SerialQueue();
    const gate = deferred();
    const failing = queue.run(() => gate.promise);
    const next = queue.run(async () => 'next');
    gate.reject(new Error('late failure'));
    await expect(failing).rejects.toThrow('late failure');
    await expect(next).resolves.toBe('next');
  });

  it('counts queued and running units, and is empty again when all settled', async () => {
    const queue = new SerialQueue();
    expect(queue.size).toBe(0);
    const gate = deferred();
    const first = queue.run(() => gate.promise);
    const second = queue.run(async () => {
      throw new Error('x');
    });
    expect(queue.size).toBe(2);
    gate.resolve();
    await first;
    await second.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
  });

  it('lets a unit queue more work that runs after it', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    let inner: Promise<void> | undefined;
    await queue.run(async () => {
      inner = queue.run(async () => {
        events.push('inner');
      });
      events.push('outer');
    });
    await inner;
    expect(events).toEqual(['outer', 'inner']);
  });
});
