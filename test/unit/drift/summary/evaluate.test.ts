import { describe, expect, it } from 'vitest';
import {
  evaluateDrift,
  evaluateDriftFromSummary,
  SCORE_FEATURE,
  type DriftReport,
} from '../../../../src/drift/index.js';
import { buildWindow, reference, summarise, type Window } from './fixtures.js';

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

  it('reports insufficient data as the exact path does', () => {
    const small = buildWindow(31, 50, (z) => 50 + 10 * z);
    const approximate = evaluateDriftFromSummary({ reference, summary: summarise(small) });
    const exact = exactReport(small);
    expect(approximate.status).toBe('insufficient_data');
    expect(approximate.results).toEqual(exact.results);
    expect(approximate.approximation).toMatchObject({ ksErrorBound: 0, bins: 2000 });
  });
});
