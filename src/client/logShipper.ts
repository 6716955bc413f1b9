/**
 * The serving-pod client: ships prediction records to driftwatch's
 * `POST /v1/predictions` without ever slowing down or breaking the caller.
 *
 * `log(record)` is synchronous and O(1): it serialises the record (so later
 * mutation by the caller cannot change what is sent) and appends it to a
 * bounded ring buffer (ringBuffer.ts). A single background loop sends the
 * buffer in gzipped NDJSON batches (ingestTransport.ts), one request at a time
 * so order is kept, and retries 408, 429, 5xx and network errors with
 * exponential backoff and full jitter, waiting at least what `Retry-After`
 * asks (ingestResponse.ts). When the buffer is full the oldest record is
 * dropped and counted: during an outage the newest data survives.
 *
 * Memory bound: at most `maxBufferedRecords` records wait in the buffer, plus
 * the one batch (≤ `batchSize`) on the wire. A batch that fails with a
 * retryable error goes back to the front of the buffer, and if that overfills
 * it, its oldest records are the ones dropped.
 *
 * Poisoned records: an outage (network error, 502/503/504, any `Retry-After`)
 * only ever makes the whole batch wait. A batch answered `500` (or another 5xx
 * without `Retry-After`) `isolateAfterFailures` times in a row is split in
 * halves to find the record(s) the server fails on (batchIsolation.ts); a
 * single record that keeps failing is set aside — counted in
 * `dropped.poisoned`, reported once to `logger.warn`, never resent — and the
 * records after it go on.
 *
 * Exactly once: every batch carries an `Idempotency-Key` naming its records
 * — this shipper's random id and the sequence numbers of its first and last
 * record — and a batch that failed is resent with exactly the same records,
 * so its retries reuse its key and the server stores it once even where it
 * keeps only a sample of raw rows (and so no per-record key). A batch split
 * to isolate a poisoned record becomes halves with their own ranges, so
 * their own (derived) keys.
 *
 * This module and those it imports use node builtins only: serving pods import
 * it without the rest of the service. Its timers are `unref()`ed, so it never
 * keeps a process alive; call `close()` on shutdown to send what is still
 * buffered.
 */
import { randomUUID } from 'node:crypto';
import { fullJitterDelayMs } from '../core/backoff.js';
import { stepAfterFailure } from './batchIsolation.js';
import { errorMessage } from './errorMessage.js';
import type { SendOutcome } from './ingestResponse.js';
import { createIngestTransport } from './ingestTransport.js';
import { RingBuffer, type BufferedRecord } from './ringBuffer.js';
import { resolveShipperSettings, type LogShipperOptions } from './shipperOptions.js';

export interface LogShipperStats {
  /** Records not yet resolved: waiting in the buffer or on the wire. */
  buffered: number;
  /** Records the server acknowledged (accepted, or already stored: `duplicates`). */
  sent: number;
  /** Of `sent`, those the server already had (a request id seen before). */
  duplicates: number;
  dropped: {
    /** Oldest records dropped because the buffer was full. */
    overflow: number;
    /** Input `log()` could not take: not a JSON object, not serialisable, or after `close()`. */
    invalid: number;
    /** Records the server refused (per-record rejections, or a non-retryable 4xx for the batch). */
    rejected: number;
    /** Records set aside because the server kept failing on them alone (500), never resent. */
    poisoned: number;
  };
  /** Failed attempts that were retried. */
  retries: number;
  /** The last problem met (dropped input, refused batch, failed attempt), for logs and debugging. */
  lastError: string | undefined;
}

export interface FlushOptions {
  /** Give up waiting after this long; the records stay buffered. Default: wait until done. */
  timeoutMs?: number;
}

export interface CloseOptions {
  /** How long to keep sending what is buffered before stopping (default 5000 ms). */
  timeoutMs?: number;
}

export interface LogShipper {
  /**
   * Queues one prediction record (format v1, typed as `PredictionLogRecord`;
   * `tags` included, passed through as they are). Never throws, never waits.
   */
  log(record: unknown): void;
  /**
   * Resolves once every record logged before the call is sent or given up
   * (`true`), or when `timeoutMs` passes first (`false`). Never rejects.
   */
  flush(options?: FlushOptions): Promise<boolean>;
  /**
   * Stops accepting records, flushes for at most `timeoutMs`, then aborts the
   * request in flight and stops every timer. Resolves with the final stats;
   * records still unsent are left in `buffered`.
   */
  close(options?: CloseOptions): Promise<LogShipperStats>;
  stats(): LogShipperStats;
}

interface FlushWaiter {
  /** Resolved once every record with `seq <= lastSeq` is resolved. */
  lastSeq: number;
  resolve(drained: boolean): void;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015): `random() · min(maxMs, baseMs · 2^attempt)`,
 * `attempt` counted from 0. With `Retry-After`, that is a lower bound.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
  retryAfterMs: number | undefined,
): number {
  const jittered = fullJitterDelayMs(attempt, { initialMs: baseMs, maxMs }, random);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/**
 * The idempotency key of the batch of records `firstSeq`‥`lastSeq` of one
 * shipper: the same records always get the same key, other records another.
 */
export function batchKey(shipperId: string, firstSeq: number, lastSeq: number): string {
  return `dw-shipper-${shipperId}-${firstSeq}-${lastSeq}`;
}

export function createLogShipper(options: LogShipperOptions): LogShipper {
  const settings = resolveShipperSettings(options);
  const { batchSize, retryBaseMs, retryMaxMs, isolateAfterFailures, logger, random } = settings;
  const capacity = settings.maxBufferedRecords;
  const transport = createIngestTransport(settings);
  /** Names this shipper's batches in their idempotency keys; records are numbered from 0. */
  const shipperId = randomUUID();

  const buffer = new RingBuffer(capacity);
  let inFlight: BufferedRecord[] = [];
  let nextSeq = 0;
  let waiters: FlushWaiter[] = [];
  const counters: Omit<LogShipperStats, 'buffered' | 'dropped' | 'lastError'> = {
    sent: 0,
    duplicates: 0,
    retries: 0,
  };
  const dropped = { overflow: 0, invalid: 0, rejected: 0, poisoned: 0 };
  let lastError: string | undefined;

  let pumping = false;
  let pumpPromise: Promise<void> = Promise.resolve();
  let kickScheduled = false;
  let closing = false;
  /** Set when close() gives up: the loop stops at its next step. */
  let stopped = false;
  let wakeFromSleep: (() => void) | undefined;

  const interval = setInterval(() => kick(), settings.flushIntervalMs);
  interval.unref();

  /** Lowest seq not yet resolved; records resolve from the oldest. */
  function oldestPendingSeq(): number {
    return inFlight[0]?.seq ?? buffer.first()?.seq ?? nextSeq;
  }

  function settleWaiters(): void {
    if (waiters.length === 0) return;
    const pending = oldestPendingSeq();
    const still: FlushWaiter[] = [];
    for (const waiter of waiters) {
      if (waiter.lastSeq < pending) waiter.resolve(true);
      else still.push(waiter);
    }
    waiters = still;
  }

  function dropInvalid(reason: string): void {
    dropped.invalid += 1;
    lastError = `log(): ${reason}`;
  }

  function log(record: unknown): void {
    try {
      if (closing) return dropInvalid('called after close()');
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        return dropInvalid(`a record must be a JSON object, got ${describe(record)}`);
      }
      let json: string;
      try {
        json = JSON.stringify(record);
      } catch (error) {
        return dropInvalid(`record is not serialisable to JSON: ${errorMessage(error)}`);
      }
      if (buffer.full) {
        buffer.shift();
        dropped.overflow += 1;
      }
      buffer.pushBack({ seq: nextSeq, json });
      nextSeq += 1;
      settleWaiters();
      if (buffer.size >= batchSize) scheduleKick();
    } catch (error) {
      // Nothing above should throw; if it does, the caller still must not see it.
      lastError = `log(): ${errorMessage(error)}`;
    }
  }

  /** Starts the send loop outside the caller's stack. */
  function scheduleKick(): void {
    if (kickScheduled || pumping) return;
    kickScheduled = true;
    setImmediate(() => {
      kickScheduled = false;
      kick();
    });
  }

  function kick(): void {
    if (pumping || stopped || buffer.size === 0) return;
    pumping = true;
    pumpPromise = pump().finally(() => {
      pumping = false;
    });
  }

  /**
   * Sends until the buffer is empty; retries the current batch until it
   * resolves. A batch split to isolate a record becomes segments, each
   * sent (and, failing, split) in turn: `segmentEnds` holds the last seq of
   * every pending segment, the innermost — the one being sent — on top.
   */
  async function pump(): Promise<void> {
    let attempt = 0;
    let suspectFailures = 0;
    const segmentEnds: number[] = [];
    while (!stopped && buffer.size > 0) {
      const firstSeq = buffer.first()!.seq;
      while (segmentEnds.length > 0 && segmentEnds[segmentEnds.length - 1]! < firstSeq) {
        segmentEnds.pop();
      }
      const throughSeq = segmentEnds[segmentEnds.length - 1] ?? Number.POSITIVE_INFINITY;
      const batch: BufferedRecord[] = [];
      while (batch.length < batchSize && buffer.size > 0 && buffer.first()!.seq <= throughSeq) {
        batch.push(buffer.shift()!);
      }
      inFlight = batch;
      let outcome: SendOutcome;
      try {
        outcome = await transport.send(
          batch.map((entry) => entry.json),
          batchKey(shipperId, batch[0]!.seq, batch[batch.length - 1]!.seq),
        );
      } catch (error) {
        // send() handles its own failures; this is a last line of defence.
        outcome = {
          kind: 'retry',
          retryAfterMs: undefined,
          suspect: false,
          error: `send: ${errorMessage(error)}`,
        };
      }
      inFlight = [];
      count(outcome);
      if (outcome.kind === 'done') {
        attempt = 0;
        suspectFailures = 0;
        settleWaiters();
        continue;
      }
      suspectFailures = outcome.suspect ? suspectFailures + 1 : 0;
      const step = stepAfterFailure(batch.length, suspectFailures, isolateAfterFailures);
      if (step.kind === 'set-aside') {
        setAside(batch[0]!);
        attempt = 0;
        suspectFailures = 0;
        settleWaiters();
        continue;
      }
      if (step.kind === 'split') {
        const lastSeq = batch[batch.length - 1]!.seq;
        if (segmentEnds.length === 0 || lastSeq < segmentEnds[segmentEnds.length - 1]!) {
          segmentEnds.push(lastSeq);
        }
        segmentEnds.push(batch[step.firstHalfLength - 1]!.seq);
        // The first half is a new request, not a repeat: its backoff starts over.
        suspectFailures = 0;
        attempt = 0;
      } else {
        // The retry holds exactly these records (none logged since joins
        // them), so it is the same batch with the same key.
        const lastSeq = batch[batch.length - 1]!.seq;
        if (segmentEnds.length === 0 || lastSeq < segmentEnds[segmentEnds.length - 1]!) {
          segmentEnds.push(lastSeq);
        }
      }
      putBack(batch);
      if (stopped) break;
      counters.retries += 1;
      await sleep(backoffDelayMs(attempt, retryBaseMs, retryMaxMs, random, outcome.retryAfterMs));
      attempt += 1;
      settleWaiters();
    }
  }

  /** Adds what one attempt resolved to the stats. */
  function count(outcome: SendOutcome): void {
    if (outcome.error !== undefined) lastError = outcome.error;
    if (outcome.kind === 'retry') return;
    counters.sent += outcome.sent;
    counters.duplicates += outcome.duplicates;
    dropped.rejected += outcome.rejected;
  }

  /** Gives up a record the server keeps failing on alone: counted, reported once, never resent. */
  function setAside(entry: BufferedRecord): void {
    dropped.poisoned += 1;
    const failure = lastError;
    lastError = `record set aside after ${isolateAfterFailures} failures: ${failure ?? 'no detail'}`;
    if (!logger) return;
    try {
      logger.warn(
        { ...identify(entry.json), bytes: Buffer.byteLength(entry.json), error: failure },
        'driftwatch kept failing on one record; set it aside',
      );
    } catch {
      // A broken logger must not stop the send loop.
    }
  }

  /** Returns a failed batch to the front, dropping its oldest records if the buffer overfills. */
  function putBack(batch: BufferedRecord[]): void {
    const excess = Math.max(0, buffer.size + batch.length - capacity);
    dropped.overflow += excess;
    for (let i = batch.length - 1; i >= excess; i -= 1) buffer.pushFront(batch[i]!);
    if (excess > 0) settleWaiters();
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        wakeFromSleep = undefined;
        resolve();
      }
      wakeFromSleep = done;
    });
  }

  function flush(flushOptions: FlushOptions = {}): Promise<boolean> {
    const lastSeq = nextSeq - 1;
    if (lastSeq < oldestPendingSeq()) return Promise.resolve(true);
    if (stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: FlushWaiter = {
        lastSeq,
        resolve(drained) {
          if (timer) clearTimeout(timer);
          resolve(drained);
        },
      };
      waiters.push(waiter);
      if (flushOptions.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          waiters = waiters.filter((other) => other !== waiter);
          resolve(false);
        }, flushOptions.timeoutMs);
        timer.unref();
      }
      kick();
    });
  }

  async function close(closeOptions: CloseOptions = {}): Promise<LogShipperStats> {
    closing = true;
    clearInterval(interval);
    await flush({ timeoutMs: closeOptions.timeoutMs ?? 5000 });
    stopped = true;
    transport.abort();
    wakeFromSleep?.();
    await pumpPromise;
    for (const waiter of waiters) waiter.resolve(false);
    waiters = [];
    return stats();
  }

  function stats(): LogShipperStats {
    return {
      buffered: buffer.size + inFlight.length,
      ...counters,
      dropped: { ...dropped },
      lastError,
    };
  }

  return { log, flush, close, stats };
}

/** The model and request id of a serialised record, for a log line (never its features). */
function identify(json: string): { model?: unknown; requestId?: unknown } {
  try {
    const record = JSON.parse(json) as { model?: unknown; request_id?: unknown };
    return { model: record.model, requestId: record.request_id };
  } catch {
    return {};
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
