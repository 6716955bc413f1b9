import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, fullJitterDelayMs } from '../../../src/core/backoff.js';

const SETTINGS = { initialMs: 250, maxMs: 30_000 };

describe('backoffCeilingMs', () => {
  it('doubles from initialMs with each retry', () => {
    expect([0, 1, 2, 3, 4].map((retry) => backoffCeilingMs(retry, SETTINGS))).toEqual([
      250, 500, 1_000, 2_000, 4_000,
    ]);
  });

  it('stops at maxMs', () => {
    expect(backoffCeilingMs(7, SETTINGS)).toBe(30_000);
    expect(backoffCeilingMs(100, SETTINGS)).toBe(30_000);
  });

  it('stays finite for a huge retry count, even with an unbounded maximum', () => {
    const ceiling = backoffCeilingMs(1e9, { initialMs: 1, maxMs: Number.POSITIVE_INFINITY });
    expect(ceiling).toBe(2 ** 30);
  });

  it('is 0 when initialMs is 0', () => {
    expect(backoffCeilingMs(5, { initialMs: 0, maxMs: 1_000 })).toBe(0);
  });
});

describe('fullJitterDelayMs', () => {
  it('scales the ceiling by the random draw', () => {
    expect(fullJitterDelayMs(3, SETTINGS, () => 0.5)).toBe(1_000);
    expect(fullJitterDelayMs(3, SETTINGS, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, SETTINGS, () => 0.999)).toBeCloseTo(1_998, 9);
  });

  it('stays in [0, ceiling) over many seeded draws', () => {
    let state = 12_345;
    // Park–Miller minimal standard generator: a fixed sequence in [0, 1).
    const random = (): number => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let i = 0; i < 1_000; i++) {
      const retry = i % 12;
      const delay = fullJitterDelayMs(retry, SETTINGS, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeilingMs(retry, SETTINGS));
    }
  });
});
