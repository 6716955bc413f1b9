import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../src/webhooks/index.js';

const SETTINGS = { initialMs: 1_000, maxMs: 60_000 };

describe('retryDelayMs', () => {
  it('doubles the ceiling from initialMs with each attempt, counted from 1', () => {
    const top = () => 1 - Number.EPSILON;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, SETTINGS, top))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect(retryDelayMs(3, SETTINGS, () => 0.5)).toBe(2_000);
  });

  it('never exceeds maxMs', () => {
    expect(retryDelayMs(7, SETTINGS, () => 0.999_999)).toBe(60_000);
    expect(retryDelayMs(10_000, SETTINGS, () => 0.999_999)).toBe(60_000);
  });

  it('rounds to whole milliseconds and waits at least 1 ms', () => {
    expect(retryDelayMs(1, SETTINGS, () => 0.123_456)).toBe(123);
    expect(retryDelayMs(1, SETTINGS, () => 0)).toBe(1);
    expect(retryDelayMs(1, { initialMs: 0, maxMs: 0 }, () => 0.5)).toBe(1);
  });

  it('refuses an attempt that is not a whole number from 1', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) {
      expect(() => retryDelayMs(attempt, SETTINGS, () => 0.5)).toThrow(RangeError);
    }
  });
});
