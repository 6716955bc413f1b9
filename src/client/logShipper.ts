/**
 * The serving-pod client: ships prediction records to driftwatch's
 * `POST /v1/predictions` without ever slowing down or breaking the caller.
 *
 * `log(record)` is synchronous and O(1): it serialises the record (so later
 * mutation by the caller cannot change what is sent) and appends it to a
 * bounded ring buffer. A single background loop sends the buffer in gzipped
 * NDJSON batches, one request at a time so order is kept, and retries 408,
 * 429, 5xx and network errors with exponential backoff and full jitter,
 * waiting at least what `Retry-After` asks. When the buffer is full the oldest
 * record is dropped and counted: during an outage the newest data survives.
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
 * This file imports node builtins only: serving pods import it without the
 * rest of the service. Its timers are `unref()`ed, so it never keeps a process
 * alive; call `close()` on shutdown to send what is still buffered.
 */
import { gzip } from 'node:zlib';
import { failureKind, stepAfterFailure } from './batchIsolation.js';

/** Where the shipper reports what it gave up on; pino's and console's `warn` both fit. */
export interface LogShipperLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface LogShipperOptions {
  /** Base URL of driftwatch, e.g. `http://127.0.0.1:8080`; `/v1/predictions` is appended. */
  url: string;
  /** Bearer token with the `ingest` scope; omitted when the API is open. */
  token?: string;
  /** Records per request (default 500). Keep a batch under the server's `ingest.maxBodyBytes`. */
  batchSize?: number;
  /** A partial batch is sent at least this often (default 1000 ms). */
  flushIntervalMs?: number;
  /** Records held while the sidecar is slow or down (default 10 000); beyond it the oldest are dropped. */
  maxBufferedRecords?: number;
  /** First retry waits up to this long (default 250 ms); doubled on each further failure. */
  retryBaseMs?: number;
  /** Upper bound of the computed backoff (default 30 000 ms). `Retry-After` may ask for longer. */
  retryMaxMs?: number;
  /** A request taking longer than this is aborted and retried (default 10 000 ms). */
  requestTimeoutMs?: number;
  /**
   * A batch answered 500 (or another 5xx without `Retry-After`, except 502,
   * 503, 504) this many times in a row is split in halves to isolate the
   * record(s) the server fails on; a single record failing so is set aside
   * (default 3).
   */
  isolateAfterFailures?: number;
  /** Told once about each record set aside (its model and request id, never its features). Default: none. */
  logger?: LogShipperLogger;
  /** Uniform [0, 1) source for the jitter (default `Math.random`). */
  random?: () => number;
  /** Wall clock in epoch ms, used to read an HTTP-date `Retry-After` (default `Date.now`). */
  now?: () => number;
  /** The fetch implementation (default the global `fetch`). */
  fetch?: typeof fetch;
}

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
  /** Queues one prediction record (format v1). Never throws, never waits. */
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

interface Entry {
  /** Position in logging order, from 0; records resolve in this order. */
  seq: number;
  json: string;
}

/** Fixed-capacity double-ended queue: O(1) at both ends, no reallocation. */
class RingBuffer {
  private readonly slots: (Entry | undefined)[];
  private head = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<Entry | undefined>(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  first(): Entry | undefined {
    return this.size === 0 ? undefined : this.slots[this.head];
  }

  pushBack(entry: Entry): void {
    this.slots[(this.head + this.size) % this.capacity] = entry;
    this.size += 1;
  }

  pushFront(entry: Entry): void {
    this.head = (this.head - 1 + this.capacity) % this.capacity;
    this.slots[this.head] = entry;
    this.size += 1;
  }

  shift(): Entry | undefined {
    if (this.size === 0) return undefined;
    const entry = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size -= 1;
    return entry;
  }
}

type Outcome =
  { kind: 'done' } | { kind: 'retry'; retryAfterMs: number | undefined; suspect: boolean };

interface IngestResponse {
  duplicates?: unknown;
  rejected?: unknown;
  /** Every rejected record; `rejected` may list only the first ones. Absent from older servers. */
  rejected_count?: unknown;
  error?: { code?: unknown; message?: unknown };
}

interface FlushWaiter {
  /** Resolved once every record with `seq <= lastSeq` is resolved. */
  lastSeq: number;
  resolve(drained: boolean): void;
}

const gzipAsync = (input: string): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    gzip(input, (error, output) => (error ? reject(error) : resolve(output)));
  });

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return result;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return result;
}

/**
 * `Retry-After` as milliseconds to wait: delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
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
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  const jittered = random() * ceiling;
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

export function createLogShipper(options: LogShipperOptions): LogShipper {
  // Bad configuration is a programming error of the pod: fail at start-up, not in log().
  const endpoint = new URL(
    'v1/predictions',
    options.url.endsWith('/') ? options.url : `${options.url}/`,
  );
  const batchSize = positiveInteger('batchSize', options.batchSize, 500);
  const flushIntervalMs = positiveInteger('flushIntervalMs', options.flushIntervalMs, 1000);
  const capacity = positiveInteger('maxBufferedRecords', options.maxBufferedRecords, 10_000);
  const retryBaseMs = nonNegative('retryBaseMs', options.retryBaseMs, 250);
  const retryMaxMs = nonNegative('retryMaxMs', options.retryMaxMs, 30_000);
  const requestTimeoutMs = positiveInteger('requestTimeoutMs', options.requestTimeoutMs, 10_000);
  const isolateAfterFailures = positiveInteger(
    'isolateAfterFailures',
    options.isolateAfterFailures,
    3,
  );
  const logger = options.logger;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson',
    'content-encoding': 'gzip',
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  const buffer = new RingBuffer(capacity);
  let inFlight: Entry[] = [];
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
  let requestAbort: AbortController | undefined;
  let wakeFromSleep: (() => void) | undefined;

  const interval = setInterval(() => kick(), flushIntervalMs);
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
        return dropInvalid(`record is not serialisable to JSON: ${message(error)}`);
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
      lastError = `log(): ${message(error)}`;
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
      const batch: Entry[] = [];
      while (batch.length < batchSize && buffer.size > 0 && buffer.first()!.seq <= throughSeq) {
        batch.push(buffer.shift()!);
      }
      inFlight = batch;
      let outcome: Outcome;
      try {
        outcome = await send(batch);
      } catch (error) {
        // send() handles its own failures; this is a last line of defence.
        outcome = { kind: 'retry', retryAfterMs: undefined, suspect: false };
        lastError = `send: ${message(error)}`;
      }
      inFlight = [];
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
      }
      putBack(batch);
      if (stopped) break;
      counters.retries += 1;
      await sleep(backoffDelayMs(attempt, retryBaseMs, retryMaxMs, random, outcome.retryAfterMs));
      attempt += 1;
      settleWaiters();
    }
  }

  /** Gives up a record the server keeps failing on alone: counted, reported once, never resent. */
  function setAside(entry: Entry): void {
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
  function putBack(batch: Entry[]): void {
    const excess = Math.max(0, buffer.size + batch.length - capacity);
    dropped.overflow += excess;
    for (let i = batch.length - 1; i >= excess; i -= 1) buffer.pushFront(batch[i]!);
    if (excess > 0) settleWaiters();
  }

  async function send(batch: Entry[]): Promise<Outcome> {
    const body = await gzipAsync(batch.map((entry) => entry.json).join('\n') + '\n');
    const abort = new AbortController();
    requestAbort = abort;
    const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
    timer.unref();
    try {
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers,
        body: new Uint8Array(body),
        signal: abort.signal,
      });
      const text = await response.text();
      return judge(batch.length, response, text);
    } catch (error) {
      lastError = `POST ${endpoint.pathname}: ${message(error)}`;
      return { kind: 'retry', retryAfterMs: undefined, suspect: false };
    } finally {
      clearTimeout(timer);
      requestAbort = undefined;
    }
  }

  /** Decides what a response means for the batch and counts it. */
  function judge(batchLength: number, response: Response, text: string): Outcome {
    const status = response.status;
    const body = parseBody(text);
    if (status >= 200 && status < 300) {
      const rejected = rejectedCount(body, batchLength);
      const duplicates = typeof body?.duplicates === 'number' ? body.duplicates : 0;
      counters.sent += batchLength - rejected;
      counters.duplicates += duplicates;
      dropped.rejected += rejected;
      if (rejected > 0) lastError = `${rejected} record(s) rejected: ${firstRejection(body)}`;
      return { kind: 'done' };
    }
    const code = typeof body?.error?.code === 'string' ? ` ${body.error.code}` : '';
    const detail = typeof body?.error?.message === 'string' ? `: ${body.error.message}` : '';
    lastError = `HTTP ${status}${code}${detail}`;
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), now());
      return {
        kind: 'retry',
        retryAfterMs,
        suspect: failureKind(status, retryAfterMs) === 'suspect',
      };
    }
    // 400 (validation_failed, body_unparseable), 401, 403, 413, 415 …: resending cannot help.
    dropped.rejected += batchLength;
    return { kind: 'done' };
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
    requestAbort?.abort();
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

function parseBody(text: string): IngestResponse | undefined {
  try {
    const parsed = JSON.parse(text) as IngestResponse | null;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records a 2xx answer rejected: `rejected_count` when the server sends it
 * (`rejected` may then list only the first ones), else the length of
 * `rejected`; never more than the batch.
 */
function rejectedCount(body: IngestResponse | undefined, batchLength: number): number {
  const count = body?.rejected_count;
  const listed = Array.isArray(body?.rejected) ? body.rejected.length : 0;
  const total =
    typeof count === 'number' && Number.isInteger(count) && count >= listed ? count : listed;
  return Math.min(total, batchLength);
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

function firstRejection(body: IngestResponse | undefined): string {
  const first: unknown = Array.isArray(body?.rejected) ? body.rejected[0] : undefined;
  if (typeof first !== 'object' || first === null) return 'no detail';
  const { index, code } = first as { index?: unknown; code?: unknown };
  return `index ${String(index)} ${String(code)}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function message(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
