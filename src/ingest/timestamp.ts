/** Parsing of record timestamps: RFC 3339 strings with a zone, or epoch seconds. */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export interface TimestampBounds {
  nowMs: number;
  /** How far ahead of now a timestamp may be (clock skew between pods). */
  maxFutureMs: number;
  /** How far behind now a timestamp may be. */
  maxAgeMs: number;
}

/** The bounds without the clock: what the configuration fixes. */
export type TimestampLimits = Omit<TimestampBounds, 'nowMs'>;

/**
 * `ingest.maxFutureSeconds` and `ingest.maxAgeDays` in milliseconds.
 *
 * @example timestampLimits({ maxFutureSeconds: 3600, maxAgeDays: 90 })
 * // → { maxFutureMs: 3_600_000, maxAgeMs: 7_776_000_000 }
 */
export function timestampLimits(ingest: {
  maxFutureSeconds: number;
  maxAgeDays: number;
}): TimestampLimits {
  return {
    maxFutureMs: ingest.maxFutureSeconds * 1000,
    maxAgeMs: ingest.maxAgeDays * 86_400_000,
  };
}

export type TimestampResult = { ok: true; epochMs: number } | { ok: false; message: string };

export function parseTimestamp(value: string | number, bounds: TimestampBounds): TimestampResult {
  let epochMs: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, message: 'timestamp is not a finite number' };
    epochMs = value * 1000;
  } else {
    const match = RFC3339.exec(value);
    if (!match) {
      return {
        ok: false,
        message: `timestamp "${value.slice(0, 64)}" is not an RFC 3339 date-time with a zone (e.g. 2026-01-31T12:00:00Z)`,
      };
    }
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    // Date.parse would roll 2026-02-30 over into March; refuse impossible fields instead.
    if (
      month < 1 ||
      month > 12 ||
      day < 1 ||
      day > daysInMonth(year, month) ||
      hour > 23 ||
      minute > 59 ||
      second > 60
    ) {
      return { ok: false, message: `timestamp "${value.slice(0, 64)}" is not a valid date-time` };
    }
    // RFC 3339 allows a leap second (:60); JavaScript dates do not, so it is
    // read as the last millisecond of the minute.
    const text = second === 60 ? `${value.slice(0, 17)}59.999${match[8]}` : value;
    epochMs = Date.parse(text.replace(' ', 'T'));
    if (Number.isNaN(epochMs)) {
      return { ok: false, message: `timestamp "${value.slice(0, 64)}" is not a valid date-time` };
    }
  }
  if (epochMs > bounds.nowMs + bounds.maxFutureMs) {
    const hint =
      typeof value === 'number' && value > 1e11
        ? ' (it looks like milliseconds; send epoch seconds or an RFC 3339 string)'
        : '';
    return {
      ok: false,
      message: `timestamp ${String(value)} is in the future beyond the allowed clock skew${hint}`,
    };
  }
  if (epochMs < bounds.nowMs - bounds.maxAgeMs) {
    return { ok: false, message: `timestamp ${String(value)} is older than the accepted age` };
  }
  return { ok: true, epochMs };
}
