/**
 * Retry delay of a failed delivery: the shared full-jitter backoff
 * (core/backoff.ts) with the attempt counted from 1, rounded to whole
 * milliseconds:
 *
 *   delay = max(1, round(random() · min(maxMs, initialMs · 2^(attempt − 1))))
 *
 * Full jitter spreads the retries of many events that failed together (a
 * receiver outage) instead of sending them back in one burst. Pure: the
 * random source is passed in.
 *
 * @example retryDelayMs(3, { initialMs: 1000, maxMs: 60000 }, () => 0.5) // → 2000
 */
import { fullJitterDelayMs, type BackoffSettings } from '../core/backoff.js';

export type { BackoffSettings };

export function retryDelayMs(
  attempt: number,
  settings: BackoffSettings,
  random: () => number,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt counts from 1, got ${attempt}`);
  }
  // At least 1 ms, so the next attempt is never "now" again in a tight loop.
  return Math.max(1, Math.round(fullJitterDelayMs(attempt - 1, settings, random)));
}
