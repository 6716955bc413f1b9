import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, sortFloat64InPlace } from '../../../src/stats/index.js';

describe('sortFloat64InPlace', () => {
  it('orders exactly as Float64Array.prototype.sort, signed zeros and extremes included', () => {
    const random = createRandom(3);
    const values = new Float64Array(50_000);
    for (let i = 0; i < values.length; i++) values[i] = random.normal() * 10 ** ((i % 13) - 6);
    values.set(
      [-0, 0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE],
      0,
    );
    const expected = values.slice().sort();
    const actual = sortFloat64InPlace(values.slice());
    expect(Array.from(actual).every((v, i) => Object.is(v, expected[i]))).toBe(true);
  });

  it('sorts like the native sort for arbitrary finite arrays above the radix threshold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 4096,
          maxLength: 5000,
        }),
        (list) => {
          const expected = Float64Array.from(list).sort();
          const actual = sortFloat64InPlace(Float64Array.from(list));
          return actual.every((v, i) => Object.is(v, expected[i]));
        },
      ),
      { numRuns: 20 },
    );
  });
});
