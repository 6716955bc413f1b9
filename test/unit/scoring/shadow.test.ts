import { describe, expect, it } from 'vitest';
import { compareChampionChallenger } from '../../../src/scoring/index.js';
import { createRandom, ksTwoSample } from '../../../src/stats/index.js';

describe('compareChampionChallenger', () => {
  it('measures decision agreement at the threshold and score differences', () => {
    const result = compareChampionChallenger({
      champion: [0.2, 0.6, 0.9, 0.5],
      challenger: [0.3, 0.4, 0.95, 0.49],
      threshold: 0.5,
    });
    expect(result.rows).toBe(4);
    // Row 1 (0.6 vs 0.4) and row 3 (0.5 ≥ 0.5 vs 0.49) flip.
    expect(result.agreement).toBe(0.5);
    expect(result.championOnlyPositive).toBe(2);
    expect(result.challengerOnlyPositive).toBe(0);
    expect(result.meanAbsDiff).toBeCloseTo((0.1 + 0.2 + 0.05 + 0.01) / 4, 12);
    expect(result.maxAbsDiff).toBeCloseTo(0.2, 12);
  });

  it('reports the KS test of src/stats between the two score samples', () => {
    const random = createRandom(7);
    const champion = Array.from({ length: 300 }, () => random.next());
    const challenger = champion.map((s) => Math.min(1, s * 1.1));
    const result = compareChampionChallenger({ champion, challenger, threshold: 0.5 });
    const ks = ksTwoSample(champion, challenger);
    expect(result.ks).toEqual({ statistic: ks.statistic, pValue: ks.pValue });
  });

  it('leaves out rows either version could not score', () => {
    const result = compareChampionChallenger({
      champion: [0.2, null, 0.9],
      challenger: [0.2, 0.4, Number.NaN],
      threshold: 0.5,
    });
    expect(result).toMatchObject({ rows: 1, skipped: 2, agreement: 1, maxAbsDiff: 0 });
  });

  it('has no agreement without a threshold and no statistics without rows', () => {
    expect(
      compareChampionChallenger({ champion: [1, 2], challenger: [1.5, 2], threshold: null })
        .agreement,
    ).toBeNull();
    expect(
      compareChampionChallenger({ champion: [], challenger: [], threshold: 0.5 }),
    ).toMatchObject({
      rows: 0,
      agreement: null,
      meanAbsDiff: null,
      ks: null,
    });
  });
});
