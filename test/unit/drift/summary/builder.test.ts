import { describe, expect, it } from 'vitest';
import {
  DriftInputError,
  evaluateDriftFromSummary,
  mergeWindowSummaries,
  WindowSummaryBuilder,
  WindowSummaryError,
} from '../../../../src/drift/index.js';
import { buildReference, buildWindow, names, reference, summarise } from './fixtures.js';

describe('WindowSummaryBuilder and mergeWindowSummaries', () => {
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
});
