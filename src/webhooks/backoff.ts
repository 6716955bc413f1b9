/**
 * Retry delay of a failed delivery: exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015):
 *
 *   delay = random() · min(maxMs, initialMs · 2^(attempt − 1))
 *
 * Full jitter spreads the retries of many events that failed together (a
 * receiver outage) instead of sending them back in one burst. Pure: the
 * random source is passed in.
 *
 * @example retryDelayMs(3, { initialMs: 1000, maxMs: 60000 }, () => 0.5) // → 2000
 */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export function retryDelayMs(
  attempt: number,
  settings: BackoffSettings,
  random: () => number,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt counts from 1, got ${attempt}`);
  }
  // 2^30 already exceeds any sensible cap; avoid Infinity for huge attempt counts.
  const ceiling = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.min(attempt - 1, 30));
  // At least 1 ms, so the next attempt is never "now" again in a tight loop.
  return Math.max(1, Math.round(random() * ceiling));
}
