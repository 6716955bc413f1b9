/**
 * The summaries path against the exact path on the same values: minute
 * summaries built as ingest builds them (several batches per minute),
 * merged as a check merges them, evaluated against a reference.
 */
import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  evaluateDrift,
  SCORE_FEATURE,
} from '../../../../src/drift/index.js';
import {
  buildMinuteSummaries,
  compactMinutePartials,
  decodeMinuteSummary,
  encodeMinuteSummary,
  evaluateDriftFromMinuteSummary,
  mergeAllMinuteSummaries,
  mergeMinuteWindow,
  OTHER_CATEGORY,
  type MinutePartial,
  type MinuteSummaryRow,
} from '../../../../src/drift/minute/index.js';
import type { SketchApproximation } from '../../../../src/drift/types.js';
import { churnRows, type ChurnRow } from '../../../helpers/churnData.js';
import { CHURN_FEATURES } from '../../../helpers/records.js';

const NUMERIC = ['tenure_months', 'monthly_charges', 'support_calls'] as const;
const CATEGORICAL = ['plan', 'region'] as const;
const LAYOUT = { numeric: [...NUMERIC], categorical: [...CATEGORICAL] };
const MINUTE = 1_700_000_040_000;

function referenceOf(rows: readonly ChurnRow[]) {
  const columns: Record<string, (number | string)[]> = {};
  for (const name of [...NUMERIC, ...CATEGORICAL]) columns[name] = rows.map((r) => r[name]);
  return buildReferenceProfile(
    CHURN_FEATURES.map((f) => ({ name: f.name, type: f.type })),
    columns,
    rows.map((r) => r.score),
  );
}

/** Partials as ingest builds them: batches of `batch` rows, spread over `minutes` minutes. */
function partialsOf(rows: readonly ChurnRow[], minutes: number, batch: number): MinutePartial[] {
  const stored: MinuteSummaryRow[] = rows.map((r, i) => ({
    model: 'm',
    version: '1',
    epochMs: MINUTE + Math.floor((i / rows.length) * minutes) * 60_000 + (i % 60),
    requestId: `r${i}`,
    numValues: NUMERIC.map((name) => r[name]),
    catValues: CATEGORICAL.map((name) => r[name]),
    score: r.score,
  }));
  const partials: MinutePartial[] = [];
  for (let i = 0; i < stored.length; i += batch) {
    for (const built of buildMinuteSummaries(stored.slice(i, i + batch), () => LAYOUT)) {
      // Through the stored form, as a check reads them.
      partials.push({
        minuteMs: built.minuteMs,
        summary: decodeMinuteSummary(
          JSON.parse(JSON.stringify(encodeMinuteSummary(built.summary))),
        ),
      });
    }
  }
  return partials;
}

function exactOf(reference: ReturnType<typeof referenceOf>, rows: readonly ChurnRow[]) {
  const features: Record<string, (number | string)[]> = {};
  for (const name of [...NUMERIC, ...CATEGORICAL]) features[name] = rows.map((r) => r[name]);
  return evaluateDrift({ reference, current: { features, score: rows.map((r) => r.score) } });
}

describe('evaluateDriftFromMinuteSummary', () => {
  const reference = referenceOf(churnRows(5_000, 1));

  for (const [label, shift, driftedFeatures] of [
    ['a window like the reference', {}, []],
    ['a shifted window', { tenureSigma: 0.5, newRegionShare: 0.05 }, ['region', 'tenure_months']],
  ] as const) {
    it(`agrees with the exact path within the reported bound on ${label}`, () => {
      const window = churnRows(60_000, 2, shift);
      const merged = mergeMinuteWindow(partialsOf(window, 30, 700));
      expect(merged.summary!.rows).toBe(60_000);
      const { report } = evaluateDriftFromMinuteSummary({ reference, summary: merged.summary });
      const exact = exactOf(reference, window);
      expect(report.path).toBe('summaries');
      const approximation = report.approximation as SketchApproximation;
      expect(approximation.method).toBe('kll_sketch');
      expect(approximation.confidence).toBe(0.99);

      const bounds = new Map(approximation.features.map((f) => [f.feature, f]));
      for (const feature of [...exact.features, exact.score!]) {
        const got = [...report.features, report.score!].find((f) => f.feature === feature.feature)!;
        expect(got.decisive.test).toBe(feature.decisive.test);
        expect(got.decisive.nCurrent).toBe(feature.decisive.nCurrent);
        expect(got.decisive.missingCurrent).toBe(feature.decisive.missingCurrent);
        if (feature.kind === 'categorical') {
          // Category counts are exact: the same numbers.
          expect(got.decisive.statistic).toBe(feature.decisive.statistic);
          expect(got.decisive.pValue).toBe(feature.decisive.pValue);
        } else {
          const bound = bounds.get(feature.feature)!;
          expect(bound.ksErrorBound).toBeGreaterThan(0);
          expect(bound.ksErrorBound).toBeLessThan(0.02);
          expect(
            Math.abs(got.decisive.statistic! - feature.decisive.statistic!),
            feature.feature,
          ).toBeLessThanOrEqual(bound.ksErrorBound!);
          const [low, high] = bound.pValueRange!;
          expect(feature.decisive.pValue!).toBeGreaterThanOrEqual(low);
          expect(feature.decisive.pValue!).toBeLessThanOrEqual(high);
          // The run decides on the upper end, so sketch error never adds an alarm.
          expect(got.decisive.pValue).toBe(high);
          expect(got.decisive.pValue!).toBeGreaterThanOrEqual(feature.decisive.pValue!);
          const wasserstein = (f: typeof got) => f.results.find((r) => r.test === 'wasserstein')!;
          expect(
            Math.abs(wasserstein(got).effectSize! - wasserstein(feature).effectSize!),
          ).toBeLessThanOrEqual(bound.wassersteinErrorBound!);
        }
        expect(got.drifted, feature.feature).toBe(feature.drifted);
      }
      expect(
        report.features
          .filter((f) => f.drifted)
          .map((f) => f.feature)
          .sort(),
      ).toEqual([...driftedFeatures]);
    });
  }

  it('gives the exact numbers while no sketch has compacted (small windows)', () => {
    const window = churnRows(150, 3, { tenureSigma: 0.5 });
    const { report } = evaluateDriftFromMinuteSummary({
      reference,
      summary: mergeMinuteWindow(partialsOf(window, 3, 40)).summary,
    });
    const exact = exactOf(reference, window);
    const approximation = report.approximation as SketchApproximation;
    expect(approximation.ksErrorBound).toBe(0);
    const numbers = (r: typeof report) =>
      r.results
        .filter((row) => row.test !== 'wasserstein')
        .map((row) => [row.feature, row.test, row.statistic, row.pValue, row.drifted]);
    expect(numbers(report)).toEqual(numbers(exact));
  });

  it('counts every tested feature as missing in a window without summaries', () => {
    const { report, current } = evaluateDriftFromMinuteSummary({ reference, summary: null });
    expect(report.status).toBe('insufficient_data');
    expect(report.features.every((f) => f.decisive.nCurrent === 0)).toBe(true);
    expect(current.numericCdf('tenure_months')).toBeNull();
    expect(current.categoryCounts('plan')).toBeNull();
  });

  it('tests the folded categories as one category __other__', () => {
    const window = churnRows(2_000, 4);
    const rows: MinuteSummaryRow[] = window.map((r, i) => ({
      model: 'm',
      version: '1',
      epochMs: MINUTE,
      requestId: `r${i}`,
      numValues: NUMERIC.map((name) => r[name]),
      // Region past two kept categories folds into `other`.
      catValues: [r.plan, r.region],
      score: r.score,
    }));
    const [built] = buildMinuteSummaries(rows, () => LAYOUT, { maxCategories: 2 });
    const { report, current } = evaluateDriftFromMinuteSummary({
      reference,
      summary: built!.summary,
    });
    const regions = current.categoryCounts('region')!;
    expect(regions.has(OTHER_CATEGORY)).toBe(true);
    expect([...regions.values()].reduce((a, b) => a + b, 0)).toBe(2_000);
    const region = report.features.find((f) => f.feature === 'region')!;
    // `__other__` is not a reference category: its share is reported as unseen.
    const unseen = region.results.find((r) => r.test === 'unseen_categories')!;
    expect(unseen.statistic).toBeCloseTo(regions.get(OTHER_CATEGORY)! / 2_000, 12);
  });
});

describe('minute distributions of a merged window', () => {
  it('give the CDF within the bound and the exact category counts', () => {
    const window = churnRows(40_000, 5);
    const { summary } = mergeMinuteWindow(partialsOf(window, 10, 900));
    const { current, report } = evaluateDriftFromMinuteSummary({
      reference: referenceOf(churnRows(1_000, 6)),
      summary,
    });
    const cdf = current.numericCdf('tenure_months')!;
    const bound = (report.approximation as SketchApproximation).features.find(
      (f) => f.feature === 'tenure_months',
    )!.ksErrorBound!;
    const sorted = window.map((r) => r.tenure_months).sort((a, b) => a - b);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.99]) {
      const x = sorted[Math.floor(q * sorted.length)]!;
      const exact = sorted.filter((v) => v <= x).length / sorted.length;
      expect(Math.abs(cdf(x) - exact)).toBeLessThanOrEqual(bound);
    }
    expect(current.numericCdf(SCORE_FEATURE)!(Infinity)).toBe(1);
    const plans = new Map<string, number>();
    for (const r of window) plans.set(r.plan, (plans.get(r.plan) ?? 0) + 1);
    expect(new Map([...current.categoryCounts('plan')!].sort())).toEqual(
      new Map([...plans].sort()),
    );
  });
});

describe('compactMinutePartials', () => {
  it('stores exactly what the window merge computes for the minute', () => {
    const partials = partialsOf(churnRows(5_000, 7), 1, 400);
    expect(partials.length).toBeGreaterThan(5);
    const compacted = decodeMinuteSummary(
      JSON.parse(
        JSON.stringify(compactMinutePartials(partials.map((p) => encodeMinuteSummary(p.summary)))),
      ),
    );
    const inMemory = mergeAllMinuteSummaries(partials.map((p) => p.summary))!;
    expect(encodeMinuteSummary(compacted)).toEqual(encodeMinuteSummary(inMemory));
    expect(compacted.rows).toBe(5_000);
  });
});
