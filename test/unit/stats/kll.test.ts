import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRandom,
  KllSketch,
  ksStatisticAgainstSketch,
  ksTwoSample,
  sortFloat64InPlace,
  StatisticsInputError,
  type KllSketchJson,
} from '../../../src/stats/index.js';

// ---------------------------------------------------------------------------
// Streams: a value distribution and an arrival order, both from a seed.

const SHAPES = [
  'normal',
  'heavyTail',
  'duplicates',
  'allEqual',
  'twoClusters',
  'tinyRange',
] as const;
const ORDERS = [
  'asGenerated',
  'sorted',
  'reverse',
  'zigzag',
  'organPipe',
  'reversedBlocks',
] as const;
type Shape = (typeof SHAPES)[number];
type Order = (typeof ORDERS)[number];

interface StreamSpec {
  n: number;
  shape: Shape;
  order: Order;
  seed: number;
}

function draw(shape: Shape, random: ReturnType<typeof createRandom>): number {
  switch (shape) {
    case 'normal':
      return random.normal();
    case 'heavyTail': // Cauchy: finite, but spans ~30 orders of magnitude
      return Math.tan(Math.PI * (random.next() - 0.5));
    case 'duplicates':
      return Math.floor(random.next() * 10);
    case 'allEqual':
      return 3.5;
    case 'twoClusters':
      return (random.next() < 0.3 ? -1e6 : 1e6) + random.normal();
    case 'tinyRange':
      return 1 + random.next() * 1e-12;
  }
}

function arrange(values: Float64Array, order: Order): Float64Array {
  if (order === 'asGenerated') return values;
  const sorted = sortFloat64InPlace(values.slice());
  const n = sorted.length;
  const out = new Float64Array(n);
  switch (order) {
    case 'sorted':
      return sorted;
    case 'reverse':
      return sorted.reverse();
    case 'zigzag': // smallest, largest, second smallest, second largest, …
      for (let i = 0, lo = 0, hi = n - 1; i < n; i++)
        out[i] = i % 2 === 0 ? sorted[lo++]! : sorted[hi--]!;
      return out;
    case 'organPipe': {
      // even ranks ascending, then odd ranks descending
      let p = 0;
      for (let i = 0; i < n; i += 2) out[p++] = sorted[i]!;
      for (let i = n % 2 === 0 ? n - 1 : n - 2; i >= 1; i -= 2) out[p++] = sorted[i]!;
      return out;
    }
    case 'reversedBlocks': {
      // ten ascending blocks, the highest first
      const block = Math.ceil(n / 10);
      let p = 0;
      for (let start = Math.floor((n - 1) / block) * block; start >= 0; start -= block) {
        for (let i = start; i < Math.min(start + block, n); i++) out[p++] = sorted[i]!;
      }
      return out;
    }
  }
}

function makeStream(spec: StreamSpec): Float64Array {
  const random = createRandom(spec.seed);
  const values = new Float64Array(spec.n);
  for (let i = 0; i < spec.n; i++) values[i] = draw(spec.shape, random);
  return arrange(values, spec.order);
}

const streamSpec = fc.record({
  n: fc.oneof(
    fc.integer({ min: 1, max: 3_000 }),
    fc.integer({ min: 3_000, max: 200_000 }),
    fc.constant(200_000),
  ),
  shape: fc.constantFrom(...SHAPES),
  order: fc.constantFrom(...ORDERS),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

// ---------------------------------------------------------------------------
// The checker: the exact supremum of |F̂ − F| over all real y.

interface RankQueries {
  cdf(points: ArrayLike<number>): Float64Array;
  sortedView(): { values: Float64Array };
}

/**
 * `sup_y |F̂(y) − F(y)|` for F the ECDF of `sortedValues` and F̂ the sketch's
 * estimate. Both are right-continuous steps that jump only at stream values
 * or retained items, so the supremum is the maximum over those points (and 0
 * below the first). Queries go through the public `cdf`.
 */
function maxRankError(sortedValues: Float64Array, sketch: RankQueries): number {
  const retained = sketch.sortedView().values;
  const points: number[] = [];
  const exact: number[] = [];
  const n = sortedValues.length;
  let i = 0;
  let j = 0;
  while (i < n || j < retained.length) {
    const a = i < n ? sortedValues[i]! : Infinity;
    const b = j < retained.length ? retained[j]! : Infinity;
    const x = a < b ? a : b;
    while (i < n && sortedValues[i] === x) i++;
    while (j < retained.length && retained[j] === x) j++;
    points.push(x);
    exact.push(i / n);
  }
  const estimated = sketch.cdf(points);
  let worst = 0;
  for (let p = 0; p < points.length; p++) {
    worst = Math.max(worst, Math.abs(estimated[p]! - exact[p]!));
  }
  return worst;
}

/** The quantile guarantee: the true rank range of quantile(q) meets [(q − ε)n, (q + ε)n]. */
function expectQuantilesWithin(sortedValues: Float64Array, sketch: KllSketch, epsilon: number) {
  const n = sortedValues.length;
  for (const q of [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1]) {
    const y = sketch.quantile(q);
    let below = 0; // values < y
    while (below < n && sortedValues[below]! < y) below++;
    let atMost = below; // values ≤ y
    while (atMost < n && sortedValues[atMost] === y) atMost++;
    expect(atMost, `quantile(${q}) = ${y}`).toBeGreaterThanOrEqual((q - epsilon) * n - 1e-9);
    expect(below, `quantile(${q}) = ${y}`).toBeLessThanOrEqual((q + epsilon) * n + 1e-9);
  }
}

function sketchOf(values: Float64Array, seed: number, k = 200): KllSketch {
  const sketch = new KllSketch({ k, seed });
  sketch.updateMany(values);
  return sketch;
}

function minMax(values: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

// ---------------------------------------------------------------------------

describe('the rank-error checker', () => {
  const sorted = new Float64Array([1, 2, 2, 3]);
  const fake = (retained: number[], ranks: (x: number) => number): RankQueries => ({
    cdf: (points) => Float64Array.from(Array.from(points, ranks)),
    sortedView: () => ({ values: Float64Array.from(retained) }),
  });

  it('finds no error in an exact CDF', () => {
    const exact = (x: number) => (x < 1 ? 0 : x < 2 ? 0.25 : x < 3 ? 0.75 : 1);
    expect(maxRankError(sorted, fake([1, 2, 3], exact))).toBe(0);
  });

  it('finds the largest gap of a wrong CDF', () => {
    // All mass claimed at 3: F̂ = 0 below 3, while F(2) = 0.75.
    const lumped = (x: number) => (x < 3 ? 0 : 1);
    expect(maxRankError(sorted, fake([3], lumped))).toBe(0.75);
  });

  it('fails a sketch whose coin is not fair (always the same offset)', () => {
    const values = makeStream({ n: 200_000, shape: 'normal', order: 'asGenerated', seed: 5 });
    const broken = new KllSketch({ random: () => 0 });
    broken.updateMany(values);
    const error = maxRankError(sortFloat64InPlace(values.slice()), broken);
    // Measured 0.096 against a bound of 0.0195: biased steps add up linearly.
    expect(error).toBeGreaterThan(2 * broken.rankErrorBound({ scope: 'all' }));
  });

  it('fails a sketch whose stored items were tampered with', () => {
    const values = makeStream({ n: 50_000, shape: 'normal', order: 'asGenerated', seed: 6 });
    const json = sketchOf(values, 1).toJSON();
    const top = json.levels.length - 1;
    // Same shape and weights, but the heaviest items all moved to the maximum.
    json.levels[top] = json.levels[top]!.map(() => json.max!);
    const tampered = KllSketch.fromJSON(json, { seed: 2 });
    const error = maxRankError(sortFloat64InPlace(values.slice()), tampered);
    expect(error).toBeGreaterThan(tampered.rankErrorBound({ scope: 'all' }));
  });
});

describe('KllSketch: exact values', () => {
  it('is exact until the first compaction', () => {
    const sketch = new KllSketch({ k: 8, seed: 1 });
    sketch.updateMany(new Float64Array([5, 1, 4, 2, 8, 3, 7, 6]));
    expect(sketch.rank(4)).toBe(0.5);
    expect(sketch.rank(0.5)).toBe(0);
    expect(sketch.rank(8)).toBe(1);
    expect(Array.from(sketch.cdf([1, 4.5, 100]))).toEqual([0.125, 0.5, 1]);
    expect(sketch.quantile(0.5)).toBe(4);
    expect(sketch.quantile(0.51)).toBe(5);
    expect(sketch.quantile(0)).toBe(1);
    expect(sketch.quantile(1)).toBe(8);
    expect(sketch.rankErrorBound()).toBe(0);
    expect(sketch.rankErrorBound({ scope: 'all' })).toBe(0);
  });

  it('compacts a full level by keeping every other sorted item at double weight', () => {
    // k = 8: one level of capacity 8. The 9th value compacts it: sorted
    // 1…8, the coin (0.75 ≥ ½) keeps the odd positions 2, 4, 6, 8 at weight 2.
    const sketch = new KllSketch({ k: 8, random: () => 0.75 });
    sketch.updateMany(new Float64Array([8, 7, 6, 5, 4, 3, 2, 1, 9]));
    expect(sketch.toJSON()).toStrictEqual({
      version: 1,
      k: 8,
      n: 9,
      min: 1,
      max: 9,
      levels: [[9], [2, 4, 6, 8]],
      compactions: [1, 0],
    });
    expect(sketch.rank(1)).toBe(0); // R̂(1) = 0, R(1) = 1: one step of −1
    expect(sketch.rank(2)).toBe(2 / 9);
    expect(sketch.rank(8.5)).toBe(8 / 9);
    // V = 1 compaction · 4⁰: ε₁ = √(2·ln(2/δ)) / n.
    expect(sketch.rankErrorBound()).toBeCloseTo(Math.sqrt(2 * Math.log(2 / 0.01)) / 9, 12);
  });

  it('leaves the odd item out behind and merges the rest into the sorted level above', () => {
    const json: KllSketchJson = {
      version: 1,
      k: 8,
      n: 23,
      min: 1,
      max: 16,
      levels: [
        [5, 3, 1, 4, 2, 9, 8, 7, 6],
        [10, 11, 12, 13, 14, 15, 16],
      ],
      compactions: [3, 0],
    };
    // Full: 16 items in capacity 8 + 8. The next value compacts level 0:
    // 5 (its oldest) stays, 1 2 3 4 6 7 8 9 → 1 3 6 8 (coin 0.25 < ½: even positions).
    const sketch = KllSketch.fromJSON(json, { random: () => 0.25 });
    sketch.update(0);
    expect(sketch.toJSON()).toStrictEqual({
      version: 1,
      k: 8,
      n: 24,
      min: 0,
      max: 16,
      levels: [
        [5, 0],
        [1, 3, 6, 8, 10, 11, 12, 13, 14, 15, 16],
      ],
      compactions: [4, 0],
    });
  });

  it('reports DataSketches’ published error for k = 200 (1.33 % single-sided, 1.65 % PMF)', () => {
    expect(KllSketch.normalizedRankError(200)).toBeCloseTo(0.0133, 4);
    expect(KllSketch.normalizedRankError(200, 'pmf')).toBeCloseTo(0.0165, 4);
    expect(KllSketch.normalizedRankError(8)).toBeCloseTo(2.296 / 8 ** 0.9723, 15);
  });

  it('knows its largest size: 625 items for k = 200 and n = 10⁶', () => {
    // 200 + 133 + 89 + 59 + 40 + 26 + 18 + 12 + 6·8 over ⌊log₂(10⁶/200)⌋ + 2 = 14 levels.
    expect(KllSketch.maxRetainedItems(200, 1_000_000)).toBe(625);
    expect(KllSketch.maxRetainedItems(200, 200)).toBe(200);
    expect(KllSketch.maxRetainedItems(200, 0)).toBe(200);
  });
});

describe('KllSketch: rank error on adversarial streams', () => {
  it('stays within its simultaneous 99 % bound on every stream (exact sup over all y)', () => {
    fc.assert(
      fc.property(streamSpec, fc.constantFrom(8, 50, 200), (spec, k) => {
        const values = makeStream(spec);
        const sketch = sketchOf(values, spec.seed ^ 0x5bd1e995, k);
        const sorted = sortFloat64InPlace(values.slice());
        const bound = sketch.rankErrorBound({ scope: 'all' });
        expect(maxRankError(sorted, sketch)).toBeLessThanOrEqual(bound);
        expect(sketch.n).toBe(spec.n);
        expect([sketch.min, sketch.max]).toEqual(minMax(values));
        expect(sketch.retainedItems).toBeLessThanOrEqual(KllSketch.maxRetainedItems(k, spec.n));
        expectQuantilesWithin(sorted, sketch, bound);
      }),
      { seed: 20_240_611, numRuns: 40 },
    );
  });

  it('gives k = 200 a simultaneous bound below 2.1 % at 200 000 values, whatever the order', () => {
    for (const order of ORDERS) {
      const values = makeStream({ n: 200_000, shape: 'normal', order, seed: 11 });
      const sketch = sketchOf(values, 12);
      const bound = sketch.rankErrorBound({ scope: 'all' });
      expect(bound).toBeLessThan(0.021);
      expect(sketch.rankErrorBound()).toBeLessThan(0.013);
      expect(maxRankError(sortFloat64InPlace(values.slice()), sketch)).toBeLessThanOrEqual(bound);
    }
  });
});

describe('KllSketch.merge', () => {
  const mergeSpec = fc.record({
    stream: streamSpec,
    parts: fc.integer({ min: 2, max: 10 }),
    splitSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

  function split(values: Float64Array, parts: number, seed: number): Float64Array[] {
    const random = createRandom(seed);
    const cuts = Array.from({ length: parts - 1 }, () =>
      Math.floor(random.next() * (values.length + 1)),
    );
    cuts.sort((a, b) => a - b);
    const bounds = [0, ...cuts, values.length];
    return bounds.slice(1).map((end, i) => values.subarray(bounds[i], end));
  }

  it('stays within the bound of the one-pass exact ranks, in any merge order', () => {
    fc.assert(
      fc.property(mergeSpec, ({ stream, parts, splitSeed }) => {
        const values = makeStream(stream);
        const sorted = sortFloat64InPlace(values.slice());
        // Each part gets its own seed: merged sketches need independent coins.
        const partials = () =>
          split(values, parts, splitSeed).map((p, i) => sketchOf(p, 1000 * i + 17));

        const leftToRight = partials().reduce((acc, next) => {
          acc.merge(next);
          return acc;
        });
        const shuffled = partials();
        const random = createRandom(splitSeed + 1);
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(random.next() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const intoEmpty = new KllSketch({ seed: 999_983 });
        for (const sketch of shuffled) intoEmpty.merge(sketch);

        for (const merged of [leftToRight, intoEmpty]) {
          expect(merged.n).toBe(values.length);
          expect([merged.min, merged.max]).toEqual(minMax(values));
          expect(merged.retainedItems).toBeLessThanOrEqual(
            KllSketch.maxRetainedItems(merged.k, merged.n),
          );
          expect(maxRankError(sorted, merged)).toBeLessThanOrEqual(
            merged.rankErrorBound({ scope: 'all' }),
          );
        }
        // Order-insensitive within the bounds: both are near the exact ranks.
        const a = leftToRight.cdf(sorted);
        const b = intoEmpty.cdf(sorted);
        const tolerance =
          leftToRight.rankErrorBound({ scope: 'all' }) + intoEmpty.rankErrorBound({ scope: 'all' });
        let largest = 0;
        for (let i = 0; i < sorted.length; i++)
          largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
        expect(largest).toBeLessThanOrEqual(tolerance);
      }),
      { seed: 7_041_999, numRuns: 25 },
    );
  });

  it('leaves the other sketch unchanged and ignores an empty one', () => {
    const a = sketchOf(makeStream({ n: 5_000, shape: 'normal', order: 'sorted', seed: 1 }), 1);
    const b = sketchOf(makeStream({ n: 7_000, shape: 'duplicates', order: 'reverse', seed: 2 }), 2);
    const before = b.toJSON();
    a.merge(b);
    expect(b.toJSON()).toStrictEqual(before);
    const merged = a.toJSON();
    a.merge(new KllSketch({ seed: 3 }));
    expect(a.toJSON()).toStrictEqual(merged);
  });

  it('refuses a sketch of another k and the sketch itself', () => {
    const a = new KllSketch({ k: 200, seed: 1 });
    expect(() => a.merge(new KllSketch({ k: 100, seed: 2 }))).toThrow(/different k/);
    expect(() => a.merge(a)).toThrow(/merged into itself/);
  });
});

describe('KllSketch JSON', () => {
  const roundTrip = (sketch: KllSketch) =>
    KllSketch.fromJSON(JSON.parse(JSON.stringify(sketch.toJSON())), { seed: 77 });

  it('restores the exact state through JSON text', () => {
    for (const n of [0, 1, 150, 100_000]) {
      const sketch = sketchOf(makeStream({ n, shape: 'heavyTail', order: 'zigzag', seed: n }), 4);
      const restored = roundTrip(sketch);
      expect(restored.toJSON()).toStrictEqual(sketch.toJSON());
      if (n === 0) continue;
      const points = sketch.sortedView().values;
      expect(restored.cdf(points)).toEqual(sketch.cdf(points));
      expect(restored.quantile(0.37)).toBe(sketch.quantile(0.37));
      expect(restored.rankErrorBound({ scope: 'all' })).toBe(
        sketch.rankErrorBound({ scope: 'all' }),
      );
    }
  });

  it('stores -0 as 0', () => {
    const sketch = new KllSketch({ seed: 1 });
    sketch.updateMany(new Float64Array([-0, 1]));
    sketch.update(-0);
    expect(Object.is(sketch.min, 0)).toBe(true);
    expect(roundTrip(sketch).toJSON()).toStrictEqual(sketch.toJSON());
  });

  it('continues identically from a restored state given the same seed', () => {
    const first = makeStream({ n: 30_000, shape: 'normal', order: 'asGenerated', seed: 1 });
    const second = makeStream({ n: 30_000, shape: 'twoClusters', order: 'sorted', seed: 2 });
    const json = sketchOf(first, 5).toJSON();
    const a = KllSketch.fromJSON(json, { seed: 6 });
    const b = KllSketch.fromJSON(structuredClone(json), { seed: 6 });
    a.updateMany(second);
    b.updateMany(second);
    expect(a.toJSON()).toStrictEqual(b.toJSON());
  });

  // k = 8, nine values after one compaction (as in the exact-value test above).
  const valid = (): KllSketchJson => ({
    version: 1,
    k: 8,
    n: 9,
    min: 1,
    max: 9,
    levels: [[9], [2, 4, 6, 8]],
    compactions: [1, 0],
  });
  const cases: [string, (json: KllSketchJson) => unknown, RegExp][] = [
    ['not an object', () => null, /expected an object, got null/],
    ['an array', () => [], /expected an object/],
    ['an unknown field', (j) => ({ ...j, extra: 1 }), /unknown field "extra"/],
    ['another version', (j) => ({ ...j, version: 2 }), /version must be 1, got 2/],
    ['k too small', (j) => ({ ...j, k: 7 }), /k must be an integer in \[8, 65535\], got 7/],
    ['k not an integer', (j) => ({ ...j, k: 8.5 }), /k must be an integer/],
    ['negative n', (j) => ({ ...j, n: -1 }), /n must be an integer >= 0, got -1/],
    ['n as text', (j) => ({ ...j, n: '9' }), /n must be an integer >= 0, got "9"/],
    ['levels missing', (j) => ({ ...j, levels: undefined }), /levels must be an array/],
    ['no levels', (j) => ({ ...j, levels: [], compactions: [] }), /levels must be an array of 1/],
    ['a level not an array', (j) => ({ ...j, levels: [[9], 3] }), /levels\[1\] must be an array/],
    [
      'a NaN item (null in JSON)',
      (j) => ({ ...j, levels: [[null], [2, 4, 6, 8]] }),
      /levels\[0\]\[0\] must be a finite number, got null/,
    ],
    [
      'an unsorted upper level',
      (j) => ({ ...j, levels: [[9], [2, 4, 8, 6]] }),
      /levels\[1\] must be ascending, but item 3 \(6\) < item 2/,
    ],
    ['weights not adding up to n', (j) => ({ ...j, n: 10 }), /total weight .* = 9 ≠ n = 10/],
    ['min above max', (j) => ({ ...j, min: 10 }), /min 10 > max 9/],
    [
      'an item outside [min, max]',
      (j) => ({ ...j, max: 8.5 }),
      /levels\[0\]\[0\] = 9 lies outside \[min, max\]/,
    ],
    ['null min with n > 0', (j) => ({ ...j, min: null }), /min must be a finite number when n > 0/],
    [
      'min and max on an empty sketch',
      (j) => ({ ...j, n: 0, levels: [[]], compactions: [0] }),
      /must be null when n = 0/,
    ],
    [
      'compactions of the wrong length',
      (j) => ({ ...j, compactions: [1] }),
      /one integer >= 0 per level \(2\)/,
    ],
    ['negative compactions', (j) => ({ ...j, compactions: [-1, 0] }), /compactions must hold/],
    [
      'more levels than n values open',
      (j) => ({ ...j, levels: [[1], [], [], [2]], compactions: [0, 0, 0, 0] }),
      /4 levels is more than 9 values can open with k = 8/,
    ],
    [
      'more items than the levels hold',
      (j) => ({ ...j, levels: [[1, 2, 3, 4, 5, 6, 7, 8, 9]], compactions: [0] }),
      /9 items exceed the capacity of 1 levels with k = 8/,
    ],
  ];

  it('accepts the valid base case', () => {
    expect(KllSketch.fromJSON(valid(), { seed: 1 }).toJSON()).toStrictEqual(valid());
  });

  it.each(cases)('rejects %s', (_name, corrupt, message) => {
    let error: unknown;
    try {
      KllSketch.fromJSON(corrupt(valid()), { seed: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StatisticsInputError);
    expect((error as Error).message).toMatch(/^invalid KLL sketch JSON: /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('KllSketch determinism and input checks', () => {
  const values = makeStream({ n: 50_000, shape: 'normal', order: 'asGenerated', seed: 3 });

  it('gives the same state for the same seed and input, whether fed one by one or in blocks', () => {
    const blocks = sketchOf(values, 42);
    const single = new KllSketch({ seed: 42 });
    for (const v of values) single.update(v);
    const source = createRandom(42);
    const viaRandom = new KllSketch({ random: () => source.next() });
    viaRandom.updateMany(values.subarray(0, 12_345));
    viaRandom.updateMany(values.subarray(12_345));
    expect(single.toJSON()).toStrictEqual(blocks.toJSON());
    expect(viaRandom.toJSON()).toStrictEqual(blocks.toJSON());
    expect(sketchOf(values, 43).toJSON()).not.toStrictEqual(blocks.toJSON());
  });

  it('refuses NaN and ±Infinity without changing the sketch', () => {
    const sketch = sketchOf(values.subarray(0, 1000), 1);
    const before = sketch.toJSON();
    expect(() => sketch.update(Number.NaN)).toThrow(StatisticsInputError);
    expect(() => sketch.update(Infinity)).toThrow(/value is Infinity/);
    expect(() => sketch.updateMany(new Float64Array([1, 2, 3, 4, 5, Number.NaN]))).toThrow(
      /values\[5\] is NaN/,
    );
    expect(sketch.toJSON()).toStrictEqual(before);
  });

  it('needs exactly one of a seed and a random source, and a k in [8, 65535]', () => {
    expect(() => new KllSketch({})).toThrow(/exactly one of options.seed and options.random/);
    expect(() => new KllSketch({ seed: 1, random: () => 0.5 })).toThrow(/exactly one/);
    expect(() => new KllSketch({ seed: 1.5 })).toThrow(/options.seed must be an integer/);
    expect(() => new KllSketch({ k: 7, seed: 1 })).toThrow(/k must be an integer in \[8, 65535\]/);
    expect(() => new KllSketch({ k: 65_536, seed: 1 })).toThrow(/k must be an integer/);
  });

  it('refuses a random source outside [0, 1)', () => {
    const sketch = new KllSketch({ k: 8, random: () => 1 });
    sketch.updateMany(new Float64Array(8));
    expect(() => sketch.update(1)).toThrow(/random source must return numbers in \[0, 1\), got 1/);
    expect(sketch.n).toBe(8);
  });

  it('refuses queries on an empty sketch and bad arguments', () => {
    const empty = new KllSketch({ seed: 1 });
    expect(Number.isNaN(empty.min)).toBe(true);
    expect(() => empty.rank(0)).toThrow(/the sketch is empty/);
    expect(() => empty.quantile(0.5)).toThrow(/the sketch is empty/);
    expect(() => empty.cdf([0])).toThrow(/the sketch is empty/);
    const sketch = sketchOf(values, 1);
    expect(() => sketch.quantile(1.5)).toThrow(/q is 1.5; a probability must lie in \[0, 1\]/);
    expect(() => sketch.rank(Number.NaN)).toThrow(/x must be a finite number/);
    expect(() => sketch.cdf([0, Infinity])).toThrow(/points\[1\] is Infinity/);
    expect(() => sketch.rankErrorBound({ confidence: 1 })).toThrow(
      /confidence must lie in \(0, 1\)/,
    );
  });
});

describe('KllSketch memory', () => {
  it('retains at most Σ max(8, round(k·(2/3)^d)) over ⌊log₂(n/k)⌋ + 2 levels at n = 10⁶', () => {
    const values = makeStream({ n: 1_000_000, shape: 'normal', order: 'asGenerated', seed: 9 });
    for (const k of [8, 50, 200, 1000]) {
      const sketch = sketchOf(values, 1, k);
      const levels = Math.floor(Math.log2(1_000_000 / k)) + 2;
      expect(sketch.numLevels).toBeLessThanOrEqual(levels);
      expect(sketch.retainedItems).toBeLessThanOrEqual(KllSketch.maxRetainedItems(k, 1_000_000));
      expect(sketch.retainedItems).toBeLessThan(3 * k + 8.5 * levels);
    }
    // k = 200: 614 items held (bound 625) for a million values.
    expect(sketchOf(values, 1).retainedItems).toBeLessThanOrEqual(625);
  });
});

describe('ksStatisticAgainstSketch', () => {
  const ksSpec = fc.record({
    reference: fc.integer({ min: 1, max: 20_000 }),
    current: streamSpec,
    shift: fc.constantFrom(0, 0.05, 0.3, 2),
  });

  it('is within its bound of the exact two-sample KS statistic', () => {
    fc.assert(
      fc.property(ksSpec, ({ reference, current, shift }) => {
        const random = createRandom(current.seed + 1);
        const ref = new Float64Array(reference);
        for (let i = 0; i < reference; i++) ref[i] = random.normal();
        sortFloat64InPlace(ref);
        const stream = makeStream(current).map((v) => v + shift);
        const sketch = sketchOf(stream, current.seed + 2);
        const { statistic, bound } = ksStatisticAgainstSketch(ref, sketch);
        // 'asymp' only skips the exact p-value's lattice walk; D is the same.
        const exact = ksTwoSample(ref, stream, { method: 'asymp' }).statistic;
        expect(bound).toBe(sketch.rankErrorBound({ scope: 'all' }));
        expect(Math.abs(statistic - exact)).toBeLessThanOrEqual(bound + 1e-12);
      }),
      { seed: 31_337, numRuns: 25 },
    );
  });

  it('equals the exact statistic while the sketch is exact', () => {
    const ref = sortFloat64InPlace(Float64Array.from([0.1, 0.5, 0.5, 0.9, 1.3, 2]));
    const sketch = new KllSketch({ seed: 1 });
    sketch.updateMany(new Float64Array([0.5, 0.7, 1.3, 1.3, 3]));
    const result = ksStatisticAgainstSketch(ref, sketch);
    expect(result.bound).toBe(0);
    // By hand: F_ref(0.5) = 3/6, F_cur(0.5) = 1/5, the largest gap: D = 0.3.
    expect(result.statistic).toBeCloseTo(0.3, 15);
    expect(result.statistic).toBeCloseTo(ksTwoSample(ref, [0.5, 0.7, 1.3, 1.3, 3]).statistic, 15);
  });

  it('refuses an unsorted reference and an empty sketch', () => {
    const sketch = sketchOf(new Float64Array([1, 2]), 1);
    expect(() => ksStatisticAgainstSketch(new Float64Array([2, 1]), sketch)).toThrow(
      /referenceSorted must be sorted ascending/,
    );
    expect(() =>
      ksStatisticAgainstSketch(new Float64Array([1]), new KllSketch({ seed: 1 })),
    ).toThrow(/the sketch is empty/);
  });
});
