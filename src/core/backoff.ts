/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff and Jitter", 2015), the one formula behind every retry of
 * driftwatch — webhook deliveries (webhooks/backoff.ts) and the serving-pod
 * client (client/logShipper.ts):
 *
 *   delay = random() · min(maxMs, initialMs · 2^retry),   retry = 0, 1, 2, …
 *
 * Full jitter spreads the retries of many senders that failed together (an
 * outage) instead of sending them back in one burst. Pure and free of
 * imports, so the client can ship it to serving pods: the random source is
 * passed in.
 */

export interface BackoffSettings {
  /** Ceiling of the first retry's delay. */
  initialMs: number;
  /** Largest ceiling, however many retries failed. */
  maxMs: number;
}

/**
 * The ceiling of the delay before retry number `retry` (counted from 0):
 * `min(maxMs, initialMs · 2^retry)`. The exponent stops at 30 — 2³⁰ already
 * exceeds any sensible cap — so a huge count never gives Infinity.
 *
 * @example backoffCeilingMs(3, { initialMs: 250, maxMs: 30_000 }) // → 2000
 */
export function backoffCeilingMs(retry: number, settings: BackoffSettings): number {
  return Math.min(settings.maxMs, settings.initialMs * 2 ** Math.min(retry, 30));
}

/**
 * A delay drawn uniformly from [0, ceiling): `random() · backoffCeilingMs(retry)`.
 *
 * @example fullJitterDelayMs(3, { initialMs: 250, maxMs: 30_000 }, () => 0.5) // → 1000
 */
export function fullJitterDelayMs(
  retry: number,
  settings: BackoffSettings,
  random: () => number,
): number {
  return random() * backoffCeilingMs(retry, settings);
}
