import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMinuteSummaries,
  decodeMinuteSummary,
  encodeMinuteSummary,
  mergeAllMinuteSummaries,
  mergeMinuteSummaries,
  minuteSummaryReport,
  MinuteSummaryError,
  type MinuteSummary,
  type MinuteSummaryRow,
} from '../../../../src/drift/minute/index.js';

const LAYOUT = { numeric: ['a', 'b'], categorical: ['c'] };
const layoutOf = () => LAYOUT;
const MINUTE = 1_700_000_040_000; // a whole minute

function row(
  i: number,
  a: number | null,
  b: number | null,
  c: string | null,
  score: number | null,
): MinuteSummaryRow {
  return {
    model: 'm',
    version: 'v1',
    epochMs: MINUTE + (i % 60_000),
    requestId: `r${i}`,
    numValues: [a, b],
    catValues: [c],
    score,
  };
}

const rowSpec = fc.record({
  a: fc.option(fc.integer({ min: -1_000, max: 1_000 }), { nil: null, freq: 8 }),
  b: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null, freq: 4 }),
  c: fc.option(fc.constantFrom('x', 'y', 'z', 'w', '__proto__'), { nil: null, freq: 6 }),
  score: fc.option(
    fc.integer({ min: 0, max: 1_000 }).map((v) => v / 1_024),
    { nil: null },
  ),
});

function onePass(rows: readonly MinuteSummaryRow[], k = 16): MinuteSummary {
  const built = buildMinuteSummaries(rows, layoutOf, { k });
  expect(built).toHaveLength(1);
  return built[0]!.summary;
}

/** Everything merge keeps exactly, without the sketches. */
function exactPart(summary: MinuteSummary) {
  const numeric = (m: MinuteSummary['score']) => ({
    count: m.count,
    missing: m.missing,
    min: m.min,
    max: m.max,
    sum: m.sum,
    sumSquares: m.sumSquares,
    n: m.sketch.n,
  });
  return {
    rows: summary.rows,
    score: numeric(summary.score),
    numeric: [...summary.numeric].map(([name, m]) => [name, numeric(m)]),
    categorical: [...summary.categorical].map(([name, m]) => [
      name,
      { count: m.count, missing: m.missing, other: m.other, counts: [...m.counts].sort() },
    ]),
  };
}

function maxRankError(values: readonly number[], summary: MinuteSummary['score']): number {
  const sorted = [...values].sort((x, y) => x - y);
  let worst = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue;
    const exact = (i + 1) / sorted.length;
    worst = Math.max(worst, Math.abs(summary.sketch.rank(sorted[i]!) - exact));
  }
  return worst;
}

describe('minute summaries: building', () => {
  it('summarises one minute of rows: counts, missing, moments, categories', () => {
    const rows = [row(0, 1, null, 'x', 0.5), row(1, 3, 10, 'x', null), row(2, null, 20, 'y', 0.25)];
    const summary = onePass(rows);
    expect(summary.rows).toBe(3);
    const a = summary.numeric.get('a')!;
    expect([a.count, a.missing, a.min, a.max, a.sum, a.sumSquares]).toEqual([2, 1, 1, 3, 4, 10]);
    expect(summary.score.count).toBe(2);
    expect(summary.score.sum).toBe(0.75);
    expect([...summary.categorical.get('c')!.counts]).toEqual([
      ['x', 2],
      ['y', 1],
    ]);
  });

  it('makes one summary per (model, version, UTC minute)', () => {
    const rows = [
      row(0, 1, 1, 'x', 0),
      { ...row(1, 1, 1, 'x', 0), epochMs: MINUTE + 60_000 },
      { ...row(2, 1, 1, 'x', 0), version: 'v2' },
      row(3, 1, 1, 'x', 0),
    ];
    const built = buildMinuteSummaries(rows, layoutOf);
    expect(built.map((s) => [s.version, s.minuteMs, s.summary.rows])).toEqual([
      ['v1', MINUTE, 2],
      ['v1', MINUTE + 60_000, 1],
      ['v2', MINUTE, 1],
    ]);
  });

  it('seeds each batch from its first request id, so two batches flip different coins', () => {
    const first = onePass([row(0, 1, 1, 'x', 0)]);
    const second = onePass([row(1, 1, 1, 'x', 0)]);
    expect(first.seed).not.toBe(second.seed);
    expect(onePass([row(0, 1, 1, 'x', 0)]).seed).toBe(first.seed);
  });

  it('keeps maxCategories distinct values and folds the rest into other', () => {
    const rows = ['p', 'q', 'r', 'p', 's', 'r'].map((c, i) => row(i, 0, 0, c, 0));
    const [built] = buildMinuteSummaries(rows, layoutOf, { maxCategories: 2 });
    const c = built!.summary.categorical.get('c')!;
    expect([...c.counts]).toEqual([
      ['p', 2],
      ['q', 1],
    ]);
    expect(c.other).toBe(3);
    expect(c.count).toBe(6);
    expect(minuteSummaryReport(built!.summary).categorical.c!.counts).toEqual({
      p: 2,
      q: 1,
      __other__: 3,
    });
  });

  it('merging folds past the cap by largest count, whatever the order', () => {
    const left = onePass(['p', 'p', 'q'].map((c, i) => row(i, 0, 0, c, 0)));
    const right = onePass(['r', 'r', 'r', 's'].map((c, i) => row(10 + i, 0, 0, c, 0)));
    const capped = (s: MinuteSummary): MinuteSummary => ({ ...s, maxCategories: 2 });
    for (const merged of [
      mergeMinuteSummaries(capped(left), capped(right)),
      mergeMinuteSummaries(capped(right), capped(left)),
    ]) {
      const c = merged.categorical.get('c')!;
      expect(Object.fromEntries(c.counts)).toEqual({ r: 3, p: 2 });
      expect(c.other).toBe(2);
      expect(c.count).toBe(7);
    }
  });
});

describe('minute summaries: merging partials', () => {
  it('equals one pass exactly for counts, min, max, sums and categories, and ranks stay within the bound', () => {
    fc.assert(
      fc.property(
        fc.array(rowSpec, { minLength: 1, maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 399 }), { maxLength: 6 }),
        fc.boolean(),
        (specs, cuts, reverse) => {
          const rows = specs.map((s, i) => row(i, s.a, s.b, s.c, s.score));
          const bounds = [
            ...new Set([0, ...cuts.filter((c) => c < rows.length), rows.length]),
          ].sort((x, y) => x - y);
          const partials: MinuteSummary[] = [];
          for (let i = 0; i + 1 < bounds.length; i++) {
            partials.push(onePass(rows.slice(bounds[i], bounds[i + 1])));
          }
          if (reverse) partials.reverse();
          const merged = mergeAllMinuteSummaries(partials)!;
          const single = onePass(rows);
          expect(exactPart(merged)).toEqual(exactPart(single));
          for (const [slot, name] of ['a', 'b'].entries()) {
            const values = rows
              .map((r) => r.numValues[slot])
              .filter((v): v is number => v !== null);
            if (values.length === 0) continue;
            const sketch = merged.numeric.get(name)!;
            expect(maxRankError(values, sketch)).toBeLessThanOrEqual(
              sketch.sketch.rankErrorBound({ scope: 'all' }),
            );
          }
        },
      ),
      { seed: 20_261_203, numRuns: 60 },
    );
  });

  it('leaves its inputs unchanged', () => {
    const left = onePass([row(0, 1, 2, 'x', 0.5)]);
    const right = onePass([row(1, 3, 4, 'y', 0.25)]);
    const before = JSON.stringify([encodeMinuteSummary(left), encodeMinuteSummary(right)]);
    mergeMinuteSummaries(left, right);
    expect(JSON.stringify([encodeMinuteSummary(left), encodeMinuteSummary(right)])).toBe(before);
  });

  it('refuses sketches of different k', () => {
    const left = onePass([row(0, 1, 2, 'x', 0.5)], 16);
    const right = onePass([row(1, 3, 4, 'y', 0.25)], 200);
    expect(() => mergeMinuteSummaries(left, right)).toThrow(MinuteSummaryError);
  });
});

describe('minute summaries: JSON codec', () => {
  it('round-trips exactly through JSON text', () => {
    fc.assert(
      fc.property(fc.array(rowSpec, { minLength: 1, maxLength: 300 }), (specs) => {
        const summary = onePass(specs.map((s, i) => row(i, s.a, s.b, s.c, s.score)));
        const json = encodeMinuteSummary(summary);
        const back = decodeMinuteSummary(JSON.parse(JSON.stringify(json)));
        expect(encodeMinuteSummary(back)).toEqual(json);
      }),
      { seed: 7, numRuns: 40 },
    );
  });

  it('names the first bad field', () => {
    /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- edits of parsed JSON */
    const json = encodeMinuteSummary(onePass([row(0, 1, 2, 'x', 0.5), row(1, 2, 3, 'y', 0.5)]));
    const bad = (change: (j: Record<string, any>) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(json)) as Record<string, any>;
      change(copy);
      return copy;
    };
    expect(() => decodeMinuteSummary(null)).toThrow(/must be an object/);
    expect(() => decodeMinuteSummary(bad((j) => (j.format = 2)))).toThrow(/\.format/);
    expect(() => decodeMinuteSummary(bad((j) => (j.rows = 3)))).toThrow(/count \+ missing/);
    expect(() => decodeMinuteSummary(bad((j) => (j.numeric[0].sum = 'x')))).toThrow(
      /numeric\[0\]\.sum/,
    );
    expect(() => decodeMinuteSummary(bad((j) => (j.numeric[0].min = -5)))).toThrow(/min and max/);
    expect(() => decodeMinuteSummary(bad((j) => (j.categorical[0].other = 1)))).toThrow(
      /category counts/,
    );
    expect(() => decodeMinuteSummary(bad((j) => (j.score.sketch.n = 7)))).toThrow(/score\.sketch/);
    expect(() => decodeMinuteSummary(bad((j) => (j.numeric[0].sketch.levels[0] = 'AAA*')))).toThrow(
      /numeric\[0\]\.sketch\.levels\[0\]: must be base64/,
    );
    expect(() => decodeMinuteSummary(bad((j) => (j.numeric[0].sketch.levels[0] = 'AAAA')))).toThrow(
      /not whole float64s/,
    );
    expect(() => decodeMinuteSummary(bad((j) => j.categorical[0].counts.push(['x', 1])))).toThrow(
      MinuteSummaryError,
    );
  });
});

describe('minute summaries: report', () => {
  it('gives moments, quantiles with their bound, and null quantiles when empty', () => {
    const rows = Array.from({ length: 100 }, (_, i) => row(i, i + 1, null, 'x', null));
    const report = minuteSummaryReport(onePass(rows, 200));
    const a = report.numeric.a!;
    expect(a.mean).toBe(50.5);
    expect(a.variance).toBeCloseTo(841.6666666, 6);
    expect(a.quantiles!.p50).toBe(50);
    expect(a.quantiles!.p99).toBe(99);
    expect(a.rank_error_bound).toBe(0);
    expect(report.numeric.b!.quantiles).toBeNull();
    expect(report.score.count).toBe(0);
  });
});
