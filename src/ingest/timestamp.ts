/** Parsing of record timestamps: RFC 3339 strings with a zone, or epoch seconds. */

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

export interface TimestampBounds {
  nowMs: number;
  /** How far ahead of now a timestamp may be (clock skew between pods). */
  maxFutureMs: number;
  /** How far behind now a timestamp may be. */
  maxAgeMs: number;
}

export type TimestampResult = { ok: true; epochMs: number } | { ok: false; message: string };

export function parseTimestamp(value: string | number, bounds: TimestampBounds): TimestampResult {
  let epochMs: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, message: 'timestamp is not a finite number' };
    epochMs = value * 1000;
  } else {
    if (!RFC3339.test(value)) {
      return {
        ok: false,
        message: `timestamp "${value.slice(0, 64)}" is not an RFC 3339 date-time with a zone (e.g. 2026-01-31T12:00:00Z)`,
      };
    }
    epochMs = Date.parse(value.replace(' ', 'T'));
    if (Number.isNaN(epochMs)) {
      return { ok: false, message: `timestamp "${value.slice(0, 64)}" is not a valid date` };
    }
  }
  if (epochMs > bounds.nowMs + bounds.maxFutureMs) {
    const hint =
      typeof value === 'number' && value > 1e11
        ? ' (it looks like milliseconds; send epoch seconds or an RFC 3339 string)'
        : '';
    return { ok: false, message: `timestamp ${String(value)} is in the future beyond the allowed clock skew${hint}` };
  }
  if (epochMs < bounds.nowMs - bounds.maxAgeMs) {
    return { ok: false, message: `timestamp ${String(value)} is older than the accepted age` };
  }
  return { ok: true, epochMs };
}
