import { describe, expect, it } from 'vitest';
import { isolateFailingRecords } from '../../../src/ingest/failureIsolation.js';

class Outage extends Error {}

/** A store over `count` records that fails any range holding a record of `bad`. */
function fakeStore(bad: ReadonlySet<number>, options: { outageOnCall?: number } = {}) {
  const calls: [number, number][] = [];
  const stored: number[] = [];
  const setAside: number[] = [];
  const hooks = {
    store(from: number, to: number): Promise<void> {
      calls.push([from, to]);
      if (calls.length === options.outageOnCall) return Promise.reject(new Outage('down'));
      for (let i = from; i < to; i += 1) {
        if (bad.has(i)) return Promise.reject(new Error(`record ${i} trips a trigger`));
      }
      for (let i = from; i < to; i += 1) stored.push(i);
      return Promise.resolve();
    },
    setAside(index: number, error: unknown): Promise<void> {
      expect(error).toBeInstanceOf(Error);
      setAside.push(index);
      return Promise.resolve();
    },
    isTransient: (error: unknown) => error instanceof Outage,
  };
  return { hooks, calls, stored, setAside };
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, k) => from + k);

describe('isolateFailingRecords', () => {
  it('stores every record but the failing one, in order (the worked example)', async () => {
    const store = fakeStore(new Set([5]));

    const count = await isolateFailingRecords(8, new Error('batch failed'), store.hooks, {
      attemptsPerRecord: 3,
    });

    expect(count).toBe(1);
    expect(store.setAside).toEqual([5]);
    expect(store.stored).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(store.calls).toEqual([
      [0, 4],
      [4, 8],
      [4, 6],
      [4, 5],
      [5, 6],
      [5, 6],
      [5, 6],
      [6, 8],
    ]);
  });

  it('sets a batch of one aside at once: it already failed', async () => {
    const store = fakeStore(new Set([0]));

    expect(
      await isolateFailingRecords(1, new Error('x'), store.hooks, { attemptsPerRecord: 3 }),
    ).toBe(1);
    expect(store.calls).toEqual([]);
    expect(store.setAside).toEqual([0]);
  });

  it('isolates several failing records, the first and the last included', async () => {
    const bad = new Set([0, 17, 18, 999]);
    const store = fakeStore(bad);

    const count = await isolateFailingRecords(1000, new Error('x'), store.hooks, {
      attemptsPerRecord: 2,
    });

    expect(count).toBe(4);
    expect(store.setAside).toEqual([0, 17, 18, 999]);
    expect(store.stored).toEqual(range(0, 1000).filter((i) => !bad.has(i)));
    // Bounded: about 2k·⌈log₂ n⌉ ranges plus the retries of the singles.
    expect(store.calls.length).toBeLessThanOrEqual(2 * 4 * 10 + 4 * 2);
  });

  it('sets every record aside when each one fails, within 2n − 1 + n·(attempts − 1) stores', async () => {
    const store = fakeStore(new Set(range(0, 6)));

    expect(
      await isolateFailingRecords(6, new Error('x'), store.hooks, { attemptsPerRecord: 3 }),
    ).toBe(6);
    expect(store.setAside).toEqual(range(0, 6));
    expect(store.calls.length).toBeLessThanOrEqual(2 * 6 - 1 + 6 * 2);
  });

  it('keeps a record that fails once and then stores', async () => {
    let failedOnce = false;
    const stored: [number, number][] = [];
    const count = await isolateFailingRecords(
      2,
      new Error('x'),
      {
        store(from, to) {
          if (from === 1 && !failedOnce) {
            failedOnce = true;
            return Promise.reject(new Error('hiccup'));
          }
          stored.push([from, to]);
          return Promise.resolve();
        },
        setAside: () => Promise.reject(new Error('must not be called')),
        isTransient: () => false,
      },
      { attemptsPerRecord: 2 },
    );

    expect(count).toBe(0);
    expect(stored).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('rethrows an outage at once, setting nothing aside', async () => {
    const store = fakeStore(new Set([5]), { outageOnCall: 2 });

    await expect(
      isolateFailingRecords(8, new Error('x'), store.hooks, { attemptsPerRecord: 3 }),
    ).rejects.toBeInstanceOf(Outage);
    expect(store.calls).toEqual([
      [0, 4],
      [4, 8],
    ]);
    expect(store.stored).toEqual([0, 1, 2, 3]);
    expect(store.setAside).toEqual([]);
  });

  it('refuses a count or attemptsPerRecord that is not a positive integer', async () => {
    const { hooks } = fakeStore(new Set());
    await expect(isolateFailingRecords(0, null, hooks, { attemptsPerRecord: 3 })).rejects.toThrow(
      /count/,
    );
    await expect(isolateFailingRecords(4, null, hooks, { attemptsPerRecord: 0 })).rejects.toThrow(
      /attemptsPerRecord/,
    );
  });
});
