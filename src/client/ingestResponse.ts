/**
 * What an answer of `POST /v1/predictions` means for the batch sent: resolved
 * (stored, refused, or partly both), or to be sent again, and whether the
 * failure points at the batch's content (batchIsolation.ts). Pure: the caller
 * passes the status, the `Retry-After` header, the body and the clock (read
 * only when a `Retry-After` has to be converted).
 */
import { failureKind } from './batchIsolation.js';

export type SendOutcome =
  | {
      kind: 'done';
      /** Records acknowledged (accepted, or already stored). */
      sent: number;
      /** Of `sent`, those the server already had. */
      duplicates: number;
      /** Records refused: per-record rejections, or the whole batch on a non-retryable 4xx. */
      rejected: number;
      /** Set when something was refused. */
      error: string | undefined;
    }
  | {
      kind: 'retry';
      /** What `Retry-After` asked for, if anything readable. */
      retryAfterMs: number | undefined;
      /** The server may be failing on a record of this batch (not an outage). */
      suspect: boolean;
      error: string;
    };

interface IngestResponse {
  duplicates?: unknown;
  rejected?: unknown;
  /** Every rejected record; `rejected` may list only the first ones. Absent from older servers. */
  rejected_count?: unknown;
  error?: { code?: unknown; message?: unknown };
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
 * Reads one answer to a batch of `batchLength` records: 2xx resolves it
 * (counting rejections and duplicates), 408, 429 and 5xx send it again, any
 * other status refuses it whole.
 */
export function judgeIngestResponse(
  batchLength: number,
  status: number,
  retryAfterHeader: string | null,
  text: string,
  now: () => number,
): SendOutcome {
  const body = parseBody(text);
  if (status >= 200 && status < 300) {
    const rejected = rejectedCount(body, batchLength);
    const duplicates = typeof body?.duplicates === 'number' ? body.duplicates : 0;
    return {
      kind: 'done',
      sent: batchLength - rejected,
      duplicates,
      rejected,
      error: rejected > 0 ? `${rejected} record(s) rejected: ${firstRejection(body)}` : undefined,
    };
  }
  const code = typeof body?.error?.code === 'string' ? ` ${body.error.code}` : '';
  const detail = typeof body?.error?.message === 'string' ? `: ${body.error.message}` : '';
  const error = `HTTP ${status}${code}${detail}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(retryAfterHeader, now());
    return {
      kind: 'retry',
      retryAfterMs,
      suspect: failureKind(status, retryAfterMs) === 'suspect',
      error,
    };
  }
  // 400 (validation_failed, body_unparseable), 401, 403, 413, 415 …: resending cannot help.
  return { kind: 'done', sent: 0, duplicates: 0, rejected: batchLength, error };
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

function firstRejection(body: IngestResponse | undefined): string {
  const first: unknown = Array.isArray(body?.rejected) ? body.rejected[0] : undefined;
  if (typeof first !== 'object' || first === null) return 'no detail';
  const { index, code } = first as { index?: unknown; code?: unknown };
  return `index ${String(index)} ${String(code)}`;
}
