import { describe, expect, it } from 'vitest';
import {
  parseTimestamp,
  timestampLimits,
  type TimestampBounds,
} from '../../../src/ingest/timestamp.js';

const NOW_MS = Date.parse('2026-01-31T12:00:00Z');
const NOW_SECONDS = NOW_MS / 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const BOUNDS: TimestampBounds = { nowMs: NOW_MS, maxFutureMs: HOUR_MS, maxAgeMs: 90 * DAY_MS };

function accepted(value: string | number): number {
  const result = parseTimestamp(value, BOUNDS);
  if (!result.ok) throw new Error(`expected ${String(value)} to be accepted: ${result.message}`);
  return result.epochMs;
}

function rejectionOf(value: string | number): string {
  const result = parseTimestamp(value, BOUNDS);
  if (result.ok) throw new Error(`expected ${String(value)} to be rejected`);
  return result.message;
}

describe('parseTimestamp', () => {
  describe('RFC 3339 strings', () => {
    it('accepts UTC with Z', () => {
      expect(accepted('2026-01-31T11:00:00Z')).toBe(NOW_MS - HOUR_MS);
    });

    it('accepts a lowercase z and t', () => {
      expect(accepted('2026-01-31t11:00:00z')).toBe(NOW_MS - HOUR_MS);
    });

    it('accepts a space between date and time', () => {
      expect(accepted('2026-01-31 11:00:00Z')).toBe(NOW_MS - HOUR_MS);
    });

    it('applies a positive or negative offset', () => {
      expect(accepted('2026-01-31T13:00:00+02:00')).toBe(NOW_MS - HOUR_MS);
      expect(accepted('2026-01-31T06:30:00-04:30')).toBe(NOW_MS - HOUR_MS);
      expect(accepted('2026-01-31T11:00:00+00:00')).toBe(NOW_MS - HOUR_MS);
    });

    it('keeps fractions of a second to the millisecond', () => {
      expect(accepted('2026-01-31T11:00:00.5Z')).toBe(NOW_MS - HOUR_MS + 500);
      expect(accepted('2026-01-31T11:00:00.123Z')).toBe(NOW_MS - HOUR_MS + 123);
      expect(accepted('2026-01-31T11:00:00.123456789Z')).toBe(NOW_MS - HOUR_MS + 123);
    });

    it('rejects a date-time without a zone', () => {
      expect(rejectionOf('2026-01-31T11:00:00')).toMatch(
        /is not an RFC 3339 date-time with a zone/,
      );
      expect(rejectionOf('2026-01-31T11:00:00.250')).toMatch(/with a zone/);
    });

    it('rejects a date without a time, and other text', () => {
      expect(rejectionOf('2026-01-31')).toMatch(/RFC 3339/);
      expect(rejectionOf('yesterday')).toMatch(/RFC 3339/);
      expect(rejectionOf('')).toMatch(/RFC 3339/);
      expect(rejectionOf('Sat, 31 Jan 2026 11:00:00 GMT')).toMatch(/RFC 3339/);
    });

    it('rejects a day that does not exist instead of rolling it into the next month', () => {
      expect(rejectionOf('2026-02-30T00:00:00Z')).toMatch(/not a valid date-time/);
      expect(rejectionOf('2025-02-29T00:00:00Z')).toMatch(/not a valid date-time/);
      const leapDay = parseTimestamp('2024-02-29T00:00:00Z', {
        ...BOUNDS,
        maxAgeMs: 1000 * DAY_MS,
      });
      expect(leapDay).toEqual({ ok: true, epochMs: Date.parse('2024-02-29T00:00:00Z') });
    });

    it('rejects hour 24 and minute 60', () => {
      expect(rejectionOf('2026-01-31T24:00:00Z')).toMatch(/not a valid date-time/);
      expect(rejectionOf('2026-01-31T10:60:00Z')).toMatch(/not a valid date-time/);
    });

    it('reads a leap second as the last millisecond of its minute', () => {
      expect(accepted('2026-01-31T10:59:60Z')).toBe(Date.parse('2026-01-31T10:59:59.999Z'));
    });

    it('rejects a month that does not exist', () => {
      expect(rejectionOf('2026-13-01T00:00:00Z')).toMatch(/is not a valid date/);
    });

    it('quotes at most 64 characters of a bad value', () => {
      const message = rejectionOf(`x${'y'.repeat(200)}`);
      expect(message).toContain(`"x${'y'.repeat(63)}"`);
      expect(message).not.toContain('y'.repeat(64));
    });
  });

  describe('epoch seconds', () => {
    it('accepts whole and fractional epoch seconds', () => {
      expect(accepted(NOW_SECONDS - 60)).toBe(NOW_MS - 60_000);
      expect(accepted(NOW_SECONDS - 0.25)).toBe(NOW_MS - 250);
    });

    it('rejects epoch milliseconds with a hint', () => {
      const message = rejectionOf(NOW_MS);
      expect(message).toMatch(/in the future/);
      expect(message).toMatch(/looks like milliseconds/);
    });

    it('gives no milliseconds hint for a seconds value slightly in the future', () => {
      const message = rejectionOf(NOW_SECONDS + 2 * 3600);
      expect(message).toMatch(/in the future/);
      expect(message).not.toMatch(/milliseconds/);
    });

    it('rejects a number that is not finite', () => {
      expect(rejectionOf(Number.NaN)).toMatch(/not a finite number/);
      expect(rejectionOf(Number.POSITIVE_INFINITY)).toMatch(/not a finite number/);
    });
  });

  describe('bounds', () => {
    it('accepts a timestamp exactly at the allowed skew ahead of now', () => {
      expect(accepted(NOW_MS / 1000 + 3600)).toBe(NOW_MS + HOUR_MS);
      expect(accepted('2026-01-31T13:00:00Z')).toBe(NOW_MS + HOUR_MS);
    });

    it('rejects a timestamp one millisecond beyond the allowed skew', () => {
      expect(rejectionOf('2026-01-31T13:00:00.001Z')).toMatch(
        /in the future beyond the allowed clock skew/,
      );
    });

    it('accepts a timestamp exactly the maximum age old', () => {
      expect(accepted('2025-11-02T12:00:00Z')).toBe(NOW_MS - 90 * DAY_MS);
    });

    it('rejects a timestamp one millisecond older than the maximum age', () => {
      expect(rejectionOf('2025-11-02T11:59:59.999Z')).toMatch(/older than the accepted age/);
    });

    it('rejects epoch 0 as too old', () => {
      expect(rejectionOf(0)).toMatch(/older than the accepted age/);
    });

    it('measures the bounds from the given now, not the system clock', () => {
      const later: TimestampBounds = { ...BOUNDS, nowMs: NOW_MS + 365 * DAY_MS };
      expect(parseTimestamp('2026-01-31T12:00:00Z', later).ok).toBe(false);
      expect(parseTimestamp('2027-01-31T12:00:00Z', later).ok).toBe(true);
    });
  });
});

describe('timestampLimits', () => {
  it('turns ingest.maxFutureSeconds and ingest.maxAgeDays into milliseconds', () => {
    expect(timestampLimits({ maxFutureSeconds: 3_600, maxAgeDays: 90 })).toEqual({
      maxFutureMs: HOUR_MS,
      maxAgeMs: 90 * DAY_MS,
    });
  });
});
