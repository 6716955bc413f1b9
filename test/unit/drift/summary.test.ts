import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/model.js';
import type { ReferenceProfile } from '../../../src/core/referenceProfile.js';
import {
  buildNumericProfile,
  buildReferenceProfile,
  decodeWindowSummary,
  DriftInputError,
  encodeWindowSummary,
  evaluateDrift,
  evaluateDriftFromSummary,
  mergeWindowSummaries,
  SCORE_FEATURE,
  summaryGrid,
  WindowSummaryBuilder,
  WindowSummaryError,
  type DriftReport,
  type WindowSummary,
} from '../../../src/drift/index.js';
import { categoricalSample, createRandom, normalSample } from './helpers.js';

const spec: FeatureSpec[] = [
  { name: 'income', type: 'numeric' },
  { name: 'rooms', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];
const names = spec.map((s) => s.name);
const REFERENCE_ROWS = 100_000;
const countries = { fr: 5, de: 3, it: 2 };

/** A 100k-row reference: income ~ N(50, 10), rooms = round(N(3, 1.5)) (heavy ties), country. */
function buildReference(seed: number): ReferenceProfile {
  const random = createRandom(seed);
  const income = normalSample(random, REFERENCE_ROWS, 50, 10);
  const rooms = Array.from(normalSample(random, REFERENCE_ROWS, 3, 1.5), (v) => Math.round(v));
  return buildReferenceProfile(
    spec,
    {
      income: Array.from(income),
      rooms,
      country: categoricalSample(random, REFERENCE_ROWS, countries),
    },
    Array.from(normalSample(random, REFERENCE_ROWS, 0.3, 0.1)),
  );
}

const reference = buildReference(1);

interface Window {
  income: (number | null)[];
  rooms: (number | null)[];
  country: (string | null)[];
  score: (number | null)[];
}

/** A window of `rows` rows; `income` draws one income value from a standard normal deviate. */
function buildWindow(
  seed: number,
  rows: number,
  income: (z: number, u: number) => number,
  options: { roomsShift?: number; countryWeights?: Record<string, number> } = {},
): Window {
  const random = createRandom(seed);
  const window: Window = { income: [], rooms: [], country: [], score: [] };
  const country = categoricalSample(random, rows, options.countryWeights ?? countries);
  for (let i = 0; i < rows; i++) {
    // A few missing values and a few out-of-range ones, so those rows are not trivially 0.
    window.income.push(i % 997 === 0 ? null : income(random.normal(), random.next()));
    window.rooms.push(Math.round(3 + (options.roomsShift ?? 0) + 1.5 * random.normal()));
    window.country.push(i % 1009 === 0 ? 'xx' : i % 499 === 0 ? null : country[i]!);
    window.score.push(0.3 + 0.1 * random.normal());
  }
  return window;
}

function summarise(
  window: Window,
  from = 0,
  to = window.income.length,
  bins?: number,
): WindowSummary {
  const builder = new WindowSummaryBuilder(reference, names, bins === undefined ? {} : { bins });
  const income = builder.featureIndex('income');
  for (let i = from; i < to; i++) {
    builder.addNumeric(income, window.income[i]);
    builder.addNumeric('rooms', window.rooms[i]);
    builder.addCategorical(2, window.country[i]);
    builder.addScore(window.score[i]);
  }
  return builder.finish();
}

function exactReport(window: Window): DriftReport {
  const { income, rooms, country, score } = window;
  return evaluateDrift({ reference, current: { features: { income, rooms, country }, score } });
}

function row(report: DriftReport, feature: string, test: string) {
  const found = report.results.find((r) => r.feature === feature && r.test === test);
  if (!found) throw new Error(`no ${test} row for ${feature}`);
  return found;
}

function ksBound(report: DriftReport, feature: string): number {
  const found = report.approximation?.features.find((f) => f.feature === feature);
  if (found?.ksErrorBound == null) throw new Error(`no KS bound for ${feature}`);
  return found.ksErrorBound;
}

/**
 * Checks the approximate report against the exact one: KS D within the
 * reported bound (one-sided: never above the exact D); every count-based
 * row equal; the same decisions. Returns the KS error per numeric feature.
 */
function compare(exact: DriftReport, approximate: DriftReport): Record<string, number> {
  expect(exact.path).toBe('exact');
  expect(exact.approximation).toBeNull();
  expect(approximate.path).toBe('approximate');
  expect(approximate.results.map((r) => [r.feature, r.test])).toEqual(
    exact.results.map((r) => [r.feature, r.test]),
  );
  const errors: Record<string, number> = {};
  for (const feature of ['income', 'rooms', SCORE_FEATURE]) {
    const e = row(exact, feature, 'ks').statistic!;
    const a = row(approximate, feature, 'ks').statistic!;
    const bound = ksBound(approximate, feature);
    expect(a).toBeLessThanOrEqual(e + 1e-15);
    expect(e - a).toBeLessThanOrEqual(bound + 1e-15);
    errors[feature] = e - a;
    const w = approximate.approximation!.features.find((f) => f.feature === feature)!;
    expect(
      Math.abs(
        row(exact, feature, 'wasserstein').effectSize! -
          row(approximate, feature, 'wasserstein').effectSize!,
      ),
    ).toBeLessThanOrEqual(w.wassersteinErrorBound! + 1e-12);
    for (const test of ['psi', 'missing_rate', 'out_of_range']) {
      const x = row(exact, feature, test);
      const y = row(approximate, feature, test);
      expect(y.statistic!).toBeCloseTo(x.statistic!, 12);
      expect([y.nCurrent, y.missingCurrent, y.drifted]).toEqual([
        x.nCurrent,
        x.missingCurrent,
        x.drifted,
      ]);
    }
  }
  for (const test of ['chi_square', 'jensen_shannon', 'psi', 'missing_rate', 'unseen_categories']) {
    const x = row(exact, 'country', test);
    const y = row(approximate, 'country', test);
    expect(y).toEqual(x);
  }
  expect(approximate.approximation!.ksErrorBound).toBe(
    Math.max(...approximate.approximation!.features.map((f) => f.ksErrorBound ?? 0)),
  );
  return errors;
}

function decisions(report: DriftReport) {
  return {
    status: report.status,
    features: report.features.map((f) => [f.feature, f.drifted]),
    dataset: report.dataset,
    score: report.score?.drifted,
  };
}

describe('summaryGrid', () => {
  it('puts the reference min, the PSI edges and nextUp(max) on the grid', () => {
    const profile = buildNumericProfile('x', [1, 2, 3, 4, 5], { bins: 4 });
    const grid = summaryGrid(profile, 4);
    expect(Array.from(grid.edges)).toEqual([1, 2, 3, 4, 5, 5.000000000000001]);
    expect(grid.binCount).toBe(7);
    expect(Array.from(grid.referenceBelow)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(grid.referenceAtOrBelow)).toEqual([1, 2, 3, 4, 5, 5]);
    for (const feature of [reference.features[0]!, reference.features[1]!]) {
      if (feature.kind !== 'numeric') throw new Error('numeric expected');
      const edges = Array.from(summaryGrid(feature, 2000).edges);
      for (const edge of feature.binEdges) expect(edges).toContain(edge);
      // Even when bins is not a multiple of 10.
      const odd = Array.from(summaryGrid(feature, 333).edges);
      for (const edge of feature.binEdges) expect(odd).toContain(edge);
    }
  });

  it('puts every value held by more than n/bins reference values on the grid', () => {
    const rooms = reference.features[1]!;
    if (rooms.kind !== 'numeric') throw new Error('numeric expected');
    const edges = Array.from(summaryGrid(rooms, 2000).edges);
    const counts = new Map<number, number>();
    for (const v of rooms.sortedValues) counts.set(v, (counts.get(v) ?? 0) + 1);
    const frequent = [...counts].filter(([, c]) => c > rooms.n / 2000 + 2).map(([v]) => v);
    expect(frequent.length).toBeGreaterThan(8);
    for (const value of frequent) expect(edges).toContain(value);
  });
});

describe('evaluateDriftFromSummary against evaluateDrift (100k-row reference)', () => {
  const cases: [string, number, (z: number, u: number) => number][] = [
    ['no drift', 300_000, (z) => 50 + 10 * z],
    ['a 0.05-SD shift', 300_000, (z) => 50.5 + 10 * z],
    ['a 0.5-SD shift', 300_000, (z) => 55 + 10 * z],
    ['a 1.2× scale', 1_000_000, (z) => 50 + 12 * z],
    ['a 0.05-SD shift', 1_000_000, (z) => 50.5 + 10 * z],
  ];
  it.each(cases)('keeps KS D within the bound and 0.002 under %s, %i rows', (_, rows, income) => {
    const window = buildWindow(rows, rows, income);
    const exact = exactReport(window);
    const approximate = evaluateDriftFromSummary({ reference, summary: summarise(window) });
    const errors = compare(exact, approximate);
    for (const error of Object.values(errors)) expect(error).toBeLessThanOrEqual(0.002);
    // Discrete values sit on grid edges: KS is exact there.
    expect(errors.rooms).toBe(0);
    expect(ksBound(approximate, 'rooms')).toBe(0);
    expect(approximate.approximation!.ksErrorBound).toBeLessThanOrEqual(0.001);
    expect(decisions(approximate)).toEqual(decisions(exact));
  });

  it('finds the same drifted features on shifted windows', () => {
    const window = buildWindow(11, 300_000, (z) => 53 + 10 * z, {
      roomsShift: 0.5,
      countryWeights: { fr: 2, de: 3, it: 5 },
    });
    const exact = exactReport(window);
    const approximate = evaluateDriftFromSummary({ reference, summary: summarise(window) });
    compare(exact, approximate);
    expect(exact.features.map((f) => f.drifted)).toEqual([true, true, true]);
    expect(decisions(approximate)).toEqual(decisions(exact));
  });

  it('keeps the bound when the window is concentrated in a few bins', () => {
    // All income values in [50, 50.1): about 8 bins of 2 000, each holding 1/8 of the window.
    const narrow = buildWindow(12, 300_000, (_, u) => 50 + 0.1 * u);
    const exact = exactReport(narrow);
    const fine = evaluateDriftFromSummary({ reference, summary: summarise(narrow) });
    const fineErrors = compare(exact, fine);
    // The bound depends on the reference mass inside one bin, not on the window: still < 0.002.
    expect(fineErrors.income).toBeLessThanOrEqual(0.002);
    // With 200 bins the error passes 0.002 (the sup lies inside a bin) and the bound still holds.
    const coarse = evaluateDriftFromSummary({
      reference,
      summary: summarise(narrow, 0, narrow.income.length, 200),
    });
    const coarseErrors = compare(exact, coarse);
    expect(coarseErrors.income).toBeGreaterThan(0.002);
    expect(coarseErrors.income).toBeLessThanOrEqual(ksBound(coarse, 'income'));
  });
});

describe('WindowSummary', () => {
  const window = buildWindow(21, 60_000, (z) => 51 + 10 * z);

  it('merges hour summaries into the summary of all rows', () => {
    const cuts = [0, 4_000, 4_001, 17_500, 30_000, 30_000, 60_000];
    const hours = cuts.slice(1).map((to, i) => summarise(window, cuts[i], to));
    const whole = summarise(window);
    const leftFold = hours.reduce((a, b) => mergeWindowSummaries(a, b));
    const rightFold = hours.reduceRight((a, b) => mergeWindowSummaries(b, a));
    const shuffled = [hours[3]!, hours[0]!, hours[5]!, hours[1]!, hours[4]!, hours[2]!].reduce(
      (a, b) => mergeWindowSummaries(b, a),
    );
    for (const merged of [leftFold, rightFold, shuffled]) {
      expect(merged.rows).toBe(whole.rows);
      merged.features.forEach((f, i) => {
        const w = whole.features[i]!;
        if (f.kind === 'numeric' && w.kind === 'numeric') {
          expect({ ...f, offsetSums: null, sum: null, sumSquares: null }).toEqual({
            ...w,
            offsetSums: null,
            sum: null,
            sumSquares: null,
          });
          f.offsetSums.forEach((s, k) => expect(s).toBeCloseTo(w.offsetSums[k]!, 6));
          expect(f.sum).toBeCloseTo(w.sum, 4);
        } else {
          expect(f).toEqual(w);
        }
      });
      const a = evaluateDriftFromSummary({ reference, summary: merged });
      const b = evaluateDriftFromSummary({ reference, summary: whole });
      expect(a.results.map((r) => [r.test, r.statistic, r.pValue])).toEqual(
        b.results.map((r): unknown[] => [
          r.test,
          r.test === 'wasserstein' ? (expect.closeTo(r.statistic!, 9) as unknown) : r.statistic,
          r.pValue,
        ]),
      );
    }
  });

  it('counts the rows of an hour without scores as missing scores', () => {
    const builder = new WindowSummaryBuilder(reference, names);
    for (let i = 0; i < 10; i++) {
      builder.addNumeric(0, 50);
      builder.addNumeric(1, 3);
      builder.addCategorical(2, 'fr');
    }
    const noScores = builder.finish();
    expect(noScores.score).toBeNull();
    const withScores = summarise(window, 0, 1000);
    const merged = mergeWindowSummaries(noScores, withScores);
    expect(merged.score).toMatchObject({ n: 1000, missing: 10 });
    expect(mergeWindowSummaries(withScores, noScores)).toEqual(merged);
  });

  it('round-trips through JSON', () => {
    const summary = summarise(window);
    const json = JSON.stringify(encodeWindowSummary(summary));
    expect(decodeWindowSummary(JSON.parse(json))).toEqual(summary);
    const hour = summarise(window, 0, 500);
    expect(decodeWindowSummary(JSON.parse(JSON.stringify(encodeWindowSummary(hour))))).toEqual(
      hour,
    );
    // Sparse: 500 values fill at most 500 of the ~2 000 bins.
    const encoded = encodeWindowSummary(hour) as { features: { bins?: { count: number[] } }[] };
    expect(encoded.features[0]!.bins!.count.length).toBeLessThanOrEqual(500);
  });

  it('refuses an encoded summary that does not add up', () => {
    const encoded = encodeWindowSummary(summarise(window, 0, 500)) as {
      features: { n: number; bins: { count: number[] } }[];
      rows: number;
    };
    const broken = structuredClone(encoded);
    broken.features[0]!.bins.count[0]! += 1;
    expect(() => decodeWindowSummary(broken)).toThrow(
      /summary\.features\[0\]\.bins\.count must be summing to n/,
    );
    const negative = structuredClone(encoded);
    negative.rows = -1;
    expect(() => decodeWindowSummary(negative)).toThrow(WindowSummaryError);
    expect(() => decodeWindowSummary({ version: 2 })).toThrow(
      expect.objectContaining({ reason: 'invalid_format' }),
    );
  });

  it('refuses to merge or evaluate summaries built on different grids', () => {
    const a = summarise(window, 0, 500);
    const b = summarise(window, 500, 1000, 1000);
    expect(() => mergeWindowSummaries(a, b)).toThrow(
      expect.objectContaining({ reason: 'grid_mismatch' }),
    );
    const otherReference = buildReference(2);
    const builder = new WindowSummaryBuilder(otherReference, names);
    builder.addNumeric(0, 50);
    const other = builder.finish();
    expect(() => mergeWindowSummaries(a, other)).toThrow(
      expect.objectContaining({ reason: 'grid_mismatch' }),
    );
    expect(() => evaluateDriftFromSummary({ reference, summary: other })).toThrow(
      expect.objectContaining({ reason: 'grid_mismatch' }),
    );
    const fewer = new WindowSummaryBuilder(reference, ['income']).finish();
    expect(() => mergeWindowSummaries(a, fewer)).toThrow(
      expect.objectContaining({ reason: 'feature_mismatch' }),
    );
  });

  it('rejects non-finite values and unknown features', () => {
    const builder = new WindowSummaryBuilder(reference, names);
    builder.addNumeric('income', 50);
    builder.addNumeric('income', null);
    expect(() => builder.addNumeric('income', Number.NaN)).toThrow(DriftInputError);
    expect(() => builder.addNumeric('income', Infinity)).toThrow(
      /feature "income": value \[2\] is Infinity/,
    );
    expect(() => builder.addScore(-Infinity)).toThrow(DriftInputError);
    expect(() => builder.addNumeric('country', 1)).toThrow(WindowSummaryError);
    expect(() => builder.addCategorical('nope', 'fr')).toThrow(WindowSummaryError);
    expect(() => new WindowSummaryBuilder(reference, ['nope'])).toThrow(
      expect.objectContaining({ reason: 'feature_mismatch' }),
    );
  });

  it('reports insufficient data as the exact path does', () => {
    const small = buildWindow(31, 50, (z) => 50 + 10 * z);
    const approximate = evaluateDriftFromSummary({ reference, summary: summarise(small) });
    const exact = exactReport(small);
    expect(approximate.status).toBe('insufficient_data');
    expect(approximate.results).toEqual(exact.results);
    expect(approximate.approximation).toMatchObject({ ksErrorBound: 0, bins: 2000 });
  });
});
