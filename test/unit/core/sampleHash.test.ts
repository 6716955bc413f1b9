import { describe, expect, it } from 'vitest';
import {
  fnv1a64,
  inRawSample,
  samplePosition,
  POSITION_SPAN,
} from '../../../src/core/sampleHash.js';
import {
  isPowerOfTwoFraction,
  powerOfTwoAtMost,
  rawSampleFraction,
} from '../../../src/core/rawSampleFraction.js';

/** FNV-1a 64 the slow, obvious way: BigInt over Buffer's UTF-8. */
function referenceFnv(model: string, requestId: string): bigint {
  const bytes = Buffer.concat([
    Buffer.from(model, 'utf8'),
    Buffer.of(0),
    Buffer.from(requestId, 'utf8'),
  ]);
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

describe('fnv1a64', () => {
  it('matches a BigInt FNV-1a over the UTF-8 bytes, multi-byte and surrogate pairs included', () => {
    const ids = [
      '',
      'a',
      'req-1',
      'req-2',
      'é',
      '€uro',
      '𝔘nicode 😀',
      'x'.repeat(300),
      'lone \ud800 x',
    ];
    for (const id of ids) {
      const [hi, lo] = fnv1a64('churn', id);
      const combined = (BigInt(hi) << 32n) | BigInt(lo);
      expect(combined, id).toBe(referenceFnv('churn', id));
    }
  });

  it('separates model from request id (m|ab is not ma|b)', () => {
    expect(fnv1a64('m', 'ab')).not.toEqual(fnv1a64('ma', 'b'));
  });
});

describe('samplePosition', () => {
  it('is stable: a fixed value for a fixed id', () => {
    expect(samplePosition('churn', 'req-1')).toBe(samplePosition('churn', 'req-1'));
    expect(samplePosition('churn', 'req-1')).not.toBe(samplePosition('churn', 'req-2'));
  });

  it('spreads sequential ids evenly over its range (chi-square over 64 buckets)', () => {
    const buckets = new Array<number>(64).fill(0);
    const n = 64_000;
    for (let i = 0; i < n; i += 1) {
      const bucket = Math.floor((samplePosition('churn', `req-${i}`) / POSITION_SPAN) * 64);
      buckets[bucket]! += 1;
    }
    const expected = n / 64;
    const chi2 = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 63 degrees of freedom: the 99.9 % quantile is 103.4.
    expect(chi2).toBeLessThan(103.4);
  });

  it('keeps about f of sequential ids in the top bits too (the bits a small fraction reads)', () => {
    const n = 200_000;
    let kept = 0;
    for (let i = 0; i < n; i += 1) if (inRawSample('churn', `req-${i}`, 1 / 64)) kept += 1;
    const expected = n / 64;
    expect(Math.abs(kept - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('nests samples: every id kept at f/2 is kept at f', () => {
    for (let i = 0; i < 20_000; i += 1) {
      const id = `id-${i}`;
      if (inRawSample('m', id, 1 / 8)) expect(inRawSample('m', id, 1 / 4)).toBe(true);
      if (inRawSample('m', id, 1 / 4)) expect(inRawSample('m', id, 1 / 2)).toBe(true);
    }
    expect(inRawSample('m', 'any', 1)).toBe(true);
  });
});

describe('rawSampleFraction', () => {
  it('keeps everything at or below the rate', () => {
    expect(rawSampleFraction(0, 2000, 1 / 1024)).toBe(1);
    expect(rawSampleFraction(2000, 2000, 1 / 1024)).toBe(1);
  });

  it('halves until the kept rate is at or under the limit', () => {
    expect(rawSampleFraction(2001, 2000, 1 / 1024)).toBe(1 / 2);
    expect(rawSampleFraction(4000, 2000, 1 / 1024)).toBe(1 / 2);
    expect(rawSampleFraction(5000, 2000, 1 / 1024)).toBe(1 / 4);
    expect(rawSampleFraction(100_000, 2000, 1 / 1024)).toBe(1 / 64);
  });

  it('never goes below the floor, rounded down to a power of two', () => {
    expect(rawSampleFraction(1e9, 2000, 1 / 1024)).toBe(1 / 1024);
    expect(rawSampleFraction(1e9, 2000, 0.001)).toBe(1 / 1024);
  });

  it('recognises powers of two', () => {
    expect(powerOfTwoAtMost(0.3)).toBe(0.25);
    expect(powerOfTwoAtMost(0.25)).toBe(0.25);
    expect(isPowerOfTwoFraction(0.125)).toBe(true);
    expect(isPowerOfTwoFraction(0.3)).toBe(false);
    expect(isPowerOfTwoFraction(2)).toBe(false);
  });
});
