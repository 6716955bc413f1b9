/**
 * One request of the shipper: a batch of serialised records as gzipped NDJSON
 * to `POST /v1/predictions`, aborted after `requestTimeoutMs`, its answer read
 * by ingestResponse.ts. Never rejects on a network error or a bad answer: that
 * is an outcome to retry.
 */
import { gzip } from 'node:zlib';
import { errorMessage } from './errorMessage.js';
import { judgeIngestResponse, type SendOutcome } from './ingestResponse.js';
import type { ShipperSettings } from './shipperOptions.js';

export interface IngestTransport {
  /**
   * Sends one batch (its records' JSON, in order) with its `Idempotency-Key`
   * and says what became of it.
   */
  send(lines: readonly string[], idempotencyKey: string): Promise<SendOutcome>;
  /** Aborts the request in flight, if any: it then resolves as a retry. */
  abort(): void;
}

const gzipAsync = (input: string): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    gzip(input, (error, output) => (error ? reject(error) : resolve(output)));
  });

export function createIngestTransport(
  settings: Pick<ShipperSettings, 'endpoint' | 'token' | 'requestTimeoutMs' | 'now' | 'fetch'>,
): IngestTransport {
  const { endpoint, requestTimeoutMs, now, fetch: fetchImpl } = settings;
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson',
    'content-encoding': 'gzip',
  };
  if (settings.token) headers.authorization = `Bearer ${settings.token}`;
  let requestAbort: AbortController | undefined;

  async function send(lines: readonly string[], idempotencyKey: string): Promise<SendOutcome> {
    const body = await gzipAsync(lines.join('\n') + '\n');
    const abort = new AbortController();
    requestAbort = abort;
    const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
    timer.unref();
    try {
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': idempotencyKey },
        body: new Uint8Array(body),
        signal: abort.signal,
      });
      const text = await response.text();
      return judgeIngestResponse(
        lines.length,
        response.status,
        response.headers.get('retry-after'),
        text,
        now,
      );
    } catch (error) {
      return {
        kind: 'retry',
        retryAfterMs: undefined,
        suspect: false,
        error: `POST ${endpoint.pathname}: ${errorMessage(error)}`,
      };
    } finally {
      clearTimeout(timer);
      requestAbort = undefined;
    }
  }

  return {
    send,
    abort: () => requestAbort?.abort(),
  };
}
