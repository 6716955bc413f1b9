/**
 * How the shipper tells an outage from a poisoned record, and what it does
 * about a batch that keeps failing. Pure: no clock, no I/O.
 *
 * An outage makes every request fail whatever it holds, so the whole batch is
 * resent with backoff until driftwatch is back: splitting it would only
 * multiply the requests. A record the server cannot store (a bug, a constraint
 * or trigger it trips) makes its batch fail the same way every time, so the
 * only way forward is to find it: the batch is split in halves, the halves are
 * sent in order, and a half that keeps failing is split again, until a single
 * record keeps failing alone and is set aside. Finding one record in a batch of
 * `n` takes ⌈log₂ n⌉ splits.
 *
 * Worked example, `isolateAfterFailures = 3`, a batch of 8 whose record 5 the
 * server answers 500 on: [0‥8) fails 3 times → split, send [0‥4) (stored),
 * [4‥8) fails 3 times → split, [4‥6) fails 3 times → split, [4] stored,
 * [5] fails 3 times → set aside; then [6‥8) goes, and the next batch is full
 * size again. Each segment is sent (and, failing, split) in turn, so the
 * requests holding the poisoned record have 8, 4, 2, 1 records, 3 of each.
 */

/** What a failed attempt says about the batch. */
export type FailureKind =
  /** driftwatch or its database is unavailable: resend the whole batch later, never split. */
  | 'outage'
  /** The server failed on this batch's content, perhaps one record in it. */
  | 'suspect';

/**
 * Statuses that mean "unavailable" whatever the body: `502`/`504` come from a
 * proxy whose upstream is down or slow, `503` is driftwatch's answer when its
 * database is unreachable (with `Retry-After`).
 */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Classifies a failed attempt: `status` undefined for a network error
 * (refused, reset, timeout). Only a `5xx` that neither says "unavailable"
 * (502, 503, 504) nor asks to come back later (`Retry-After`) is a suspect:
 * typically `500 internal`. `408` and `429` are load, not content.
 */
export function failureKind(
  status: number | undefined,
  retryAfterMs: number | undefined,
): FailureKind {
  if (status === undefined || status < 500 || retryAfterMs !== undefined) return 'outage';
  return UNAVAILABLE_STATUSES.has(status) ? 'outage' : 'suspect';
}

/** What the send loop does next with a batch that just failed. */
export type FailureStep =
  /** Put the batch back and resend it after backoff. */
  | { kind: 'retry' }
  /** Put the batch back; send its first `firstHalfLength` records, then the rest. */
  | { kind: 'split'; firstHalfLength: number }
  /** The batch is one record the server keeps failing on: give it up. */
  | { kind: 'set-aside' };

/**
 * Decides after a failure. `suspectFailures` counts the consecutive `suspect`
 * failures of this batch, this one included (0 after an outage failure);
 * `isolateAfterFailures` (≥ 1) is how many it takes to act.
 */
export function stepAfterFailure(
  batchLength: number,
  suspectFailures: number,
  isolateAfterFailures: number,
): FailureStep {
  if (!Number.isInteger(batchLength) || batchLength < 1) {
    throw new RangeError(`batchLength must be a positive integer, got ${String(batchLength)}`);
  }
  if (!Number.isInteger(isolateAfterFailures) || isolateAfterFailures < 1) {
    throw new RangeError(
      `isolateAfterFailures must be a positive integer, got ${String(isolateAfterFailures)}`,
    );
  }
  if (suspectFailures < isolateAfterFailures) return { kind: 'retry' };
  if (batchLength === 1) return { kind: 'set-aside' };
  return { kind: 'split', firstHalfLength: Math.ceil(batchLength / 2) };
}
