/** `Retry-After` and the backoff of driftwatch/client, through its public entry point. */
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from '../../../src/client/index.js';

const NOW_MS = Date.parse('2026-01-31T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('120', NOW_MS)).toBe(120_000);
    expect(parseRetryAfterMs('0', NOW_MS)).toBe(0);
    expect(parseRetryAfterMs(' 7 ', NOW_MS)).toBe(7_000);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfterMs('Sat, 31 Jan 2026 12:00:30 GMT', NOW_MS)).toBe(30_000);
  });

  it('reads an HTTP-date in the past as no wait', () => {
    expect(parseRetryAfterMs('Sat, 31 Jan 2026 11:59:00 GMT', NOW_MS)).toBe(0);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', NOW_MS)).toBe(0);
  });

  it('gives undefined when the header is absent or unreadable', () => {
    expect(parseRetryAfterMs(null, NOW_MS)).toBeUndefined();
    for (const garbage of ['', '   ', 'soon', '12abc', '5 seconds']) {
      expect(parseRetryAfterMs(garbage, NOW_MS)).toBeUndefined();
    }
  });

  it('never gives a negative wait for a negative or fractional number', () => {
    // Not delay-seconds; the engine's lenient date parser may read them as a
    // date (long past) or not at all: either way there is nothing to wait.
    for (const odd of ['-5', '-1', '1.5']) {
      const waitMs = parseRetryAfterMs(odd, NOW_MS);
      expect(waitMs === undefined || waitMs === 0).toBe(true);
    }
  });
});

describe('backoffDelayMs', () => {
  it('draws from [0, min(maxMs, baseMs · 2^attempt)), attempt counted from 0', () => {
    expect(backoffDelayMs(0, 250, 30_000, () => 0.5, undefined)).toBe(125);
    expect(backoffDelayMs(3, 250, 30_000, () => 0.5, undefined)).toBe(1_000);
    expect(backoffDelayMs(20, 250, 30_000, () => 0.5, undefined)).toBe(15_000);
  });

  it('waits at least what Retry-After asks', () => {
    expect(backoffDelayMs(0, 250, 30_000, () => 0.5, 60_000)).toBe(60_000);
    expect(backoffDelayMs(3, 250, 30_000, () => 0.5, 10)).toBe(1_000);
  });
});
