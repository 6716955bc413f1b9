import { describe, expect, it } from 'vitest';
import { failureKind, stepAfterFailure } from '../../../src/client/batchIsolation.js';

describe('failureKind', () => {
  it('treats network errors, load and unavailability as an outage', () => {
    expect(failureKind(undefined, undefined)).toBe('outage');
    expect(failureKind(408, undefined)).toBe('outage');
    expect(failureKind(429, undefined)).toBe('outage');
    expect(failureKind(502, undefined)).toBe('outage');
    expect(failureKind(503, undefined)).toBe('outage');
    expect(failureKind(504, undefined)).toBe('outage');
  });

  it('treats any answer asking to come back later as an outage', () => {
    expect(failureKind(503, 5000)).toBe('outage');
    expect(failureKind(500, 0)).toBe('outage');
  });

  it('suspects the content of a batch answered 500 or another 5xx without Retry-After', () => {
    expect(failureKind(500, undefined)).toBe('suspect');
    expect(failureKind(501, undefined)).toBe('suspect');
    expect(failureKind(507, undefined)).toBe('suspect');
  });
});

describe('stepAfterFailure', () => {
  it('retries until the suspect failures reach the threshold', () => {
    expect(stepAfterFailure(500, 0, 3)).toEqual({ kind: 'retry' });
    expect(stepAfterFailure(500, 2, 3)).toEqual({ kind: 'retry' });
    expect(stepAfterFailure(1, 2, 3)).toEqual({ kind: 'retry' });
  });

  it('splits a batch in halves, the first half holding the odd record', () => {
    expect(stepAfterFailure(500, 3, 3)).toEqual({ kind: 'split', firstHalfLength: 250 });
    expect(stepAfterFailure(5, 3, 3)).toEqual({ kind: 'split', firstHalfLength: 3 });
    expect(stepAfterFailure(2, 4, 3)).toEqual({ kind: 'split', firstHalfLength: 1 });
  });

  it('sets a single record aside once it failed alone often enough', () => {
    expect(stepAfterFailure(1, 3, 3)).toEqual({ kind: 'set-aside' });
    expect(stepAfterFailure(1, 1, 1)).toEqual({ kind: 'set-aside' });
  });

  it('finds one record in a batch of n in ⌈log₂ n⌉ splits', () => {
    for (const n of [1, 2, 3, 7, 8, 500, 1000]) {
      let length = n;
      let splits = 0;
      for (;;) {
        const step = stepAfterFailure(length, 3, 3);
        if (step.kind !== 'split') break;
        // Worst case: the poisoned record is always in the larger half.
        length = step.firstHalfLength;
        splits += 1;
      }
      expect(splits).toBe(Math.ceil(Math.log2(n)));
    }
  });

  it('refuses a batch length or a threshold that is not a positive integer', () => {
    expect(() => stepAfterFailure(0, 3, 3)).toThrow(/batchLength/);
    expect(() => stepAfterFailure(2, 3, 0)).toThrow(/isolateAfterFailures/);
    expect(() => stepAfterFailure(2.5, 3, 3)).toThrow(/batchLength/);
  });
});
