/** What the shipper makes of each answer to a batch, without a server (`Retry-After` itself: retryAfter.test.ts). */
import { describe, expect, it } from 'vitest';
import { judgeIngestResponse } from '../../../src/client/ingestResponse.js';

const now = (): number => Date.parse('2024-05-01T12:00:00Z');

describe('judgeIngestResponse', () => {
  it('counts a 2xx as sent, less the rejections, and names the first one', () => {
    const body = JSON.stringify({
      duplicates: 2,
      rejected: [{ index: 4, code: 'missing_field' }],
      rejected_count: 3,
    });
    expect(judgeIngestResponse(10, 200, null, body, now)).toEqual({
      kind: 'done',
      sent: 7,
      duplicates: 2,
      rejected: 3,
      error: '3 record(s) rejected: index 4 missing_field',
    });
  });

  it('retries 5xx and 429, a 500 without Retry-After as suspect', () => {
    expect(judgeIngestResponse(5, 500, null, '', now)).toEqual({
      kind: 'retry',
      retryAfterMs: undefined,
      suspect: true,
      error: 'HTTP 500',
    });
    expect(
      judgeIngestResponse(5, 429, '2', '{"error":{"code":"busy","message":"later"}}', now),
    ).toEqual({ kind: 'retry', retryAfterMs: 2000, suspect: false, error: 'HTTP 429 busy: later' });
  });

  it('refuses the whole batch on another 4xx, and reads the clock only for Retry-After', () => {
    let clockReads = 0;
    const counted = (): number => {
      clockReads += 1;
      return now();
    };
    expect(judgeIngestResponse(5, 413, '1', 'not json', counted)).toEqual({
      kind: 'done',
      sent: 0,
      duplicates: 0,
      rejected: 5,
      error: 'HTTP 413',
    });
    expect(clockReads).toBe(0);
  });
});
