/**
 * What a serving pod configures on driftwatch/client, and the checked
 * settings the shipper runs with. Bad configuration is a programming error of
 * the pod: it fails at start-up, not in `log()`.
 */

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

/** The options with every default filled in and every number checked. */
export interface ShipperSettings {
  /** `<url>/v1/predictions`. */
  endpoint: URL;
  token: string | undefined;
  batchSize: number;
  flushIntervalMs: number;
  maxBufferedRecords: number;
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
  isolateAfterFailures: number;
  logger: LogShipperLogger | undefined;
  random: () => number;
  now: () => number;
  fetch: typeof fetch;
}

/** Fills in the defaults; throws (`TypeError` for the URL, `RangeError` for a number) on bad options. */
export function resolveShipperSettings(options: LogShipperOptions): ShipperSettings {
  const endpoint = new URL(
    'v1/predictions',
    options.url.endsWith('/') ? options.url : `${options.url}/`,
  );
  return {
    endpoint,
    token: options.token,
    batchSize: positiveInteger('batchSize', options.batchSize, 500),
    flushIntervalMs: positiveInteger('flushIntervalMs', options.flushIntervalMs, 1000),
    maxBufferedRecords: positiveInteger('maxBufferedRecords', options.maxBufferedRecords, 10_000),
    retryBaseMs: nonNegative('retryBaseMs', options.retryBaseMs, 250),
    retryMaxMs: nonNegative('retryMaxMs', options.retryMaxMs, 30_000),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    isolateAfterFailures: positiveInteger('isolateAfterFailures', options.isolateAfterFailures, 3),
    logger: options.logger,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    fetch: options.fetch ?? globalThis.fetch,
  };
}

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
