import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/model.js';
import {
  buildReferenceProfile,
  defaultDriftPolicy,
  DriftInputError,
  evaluateDrift,
  resolveDriftPolicy,
  SCORE_FEATURE,
  type DriftReport,
} from '../../../src/drift/index.js';
import { categoricalSample, createRandom, normalSample } from './helpers.js';

const spec: FeatureSpec[] = [
  { name: 'income', type: 'numeric' },
  { name: 'age', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];

function row(report: DriftReport, feature: string, test: string) {
  const found = report.results.find((r) => r.feature === feature && r.test === test);
  if (!found) throw new Error(`no ${test} row for ${feature}`);
  return found;
}

function fixture(seed: number, shift: { income?: number; country?: boolean } = {}) {
  const random = createRandom(seed);
  const reference = buildReferenceProfile(
    spec,
    {
      income: Array.from(normalSample(random, 2000, 50, 10)),
      age: Array.from(normalSample(random, 2000, 40, 12)),
      country: categoricalSample(random, 2000, { fr: 5, de: 3, it: 2 }),
    },
    Array.from(normalSample(random, 2000, 0.3, 0.1)),
  );
  const current = {
    features: {
      income: Array.from(normalSample(random, 600, 50 + 10 * (shift.income ?? 0), 10)),
      age: Array.from(normalSample(random, 600, 40, 12)),
      country: categoricalSample(
        random,
        600,
        shift.country === true ? { fr: 2, de: 3, it: 5 } : { fr: 5, de: 3, it: 2 },
      ),
    },
    score: Array.from(normalSample(random, 600, 0.3, 0.1)),
  };
  return { reference, current };
}

describe('evaluateDrift', () => {
  it('reports no drift when the window comes from the reference distribution', () => {
    const report = evaluateDrift(fixture(1));
    expect(report.status).toBe('ok');
    expect(report.features.every((f) => !f.drifted)).toBe(true);
    expect(report.dataset).toMatchObject({ share: 0, drifted: false, testedFeatures: 3 });
    expect(report.score?.drifted).toBe(false);
  });

  it('gives every row the same shape', () => {
    const report = evaluateDrift(fixture(2));
    const keys = Object.keys(report.results[0]!).sort();
    for (const r of report.results) expect(Object.keys(r).sort()).toEqual(keys);
    expect(keys).toEqual(
      [
        'adjustedPValue',
        'drifted',
        'effectSize',
        'feature',
        'missingCurrent',
        'nCurrent',
        'nReference',
        'pValue',
        'statistic',
        'status',
        'test',
      ].sort(),
    );
    expect(report.results.filter((r) => r.feature === 'income').map((r) => r.test)).toEqual([
      'ks',
      'wasserstein',
      'psi',
      'missing_rate',
      'out_of_range',
    ]);
    expect(report.results.filter((r) => r.feature === 'country').map((r) => r.test)).toEqual([
      'chi_square',
      'jensen_shannon',
      'psi',
      'missing_rate',
      'unseen_categories',
    ]);
    expect(report.results.some((r) => r.feature === SCORE_FEATURE)).toBe(true);
  });

  it('finds a numeric and a categorical shift, and calls dataset drift at half the features', () => {
    const report = evaluateDrift(fixture(3, { income: 0.5, country: true }));
    expect(report.features.map((f) => [f.feature, f.drifted])).toEqual([
      ['income', true],
      ['age', false],
      ['country', true],
    ]);
    const ks = row(report, 'income', 'ks');
    expect(ks.adjustedPValue!).toBeLessThan(0.05);
    expect(ks.adjustedPValue!).toBeGreaterThanOrEqual(ks.pValue!);
    expect(ks.effectSize).toBe(ks.statistic);
    expect(row(report, 'income', 'wasserstein').effectSize!).toBeGreaterThan(0.3);
    expect(row(report, 'country', 'chi_square').effectSize).toBe(
      row(report, 'country', 'jensen_shannon').statistic,
    );
    expect(report.dataset).toMatchObject({ driftedFeatures: 2, testedFeatures: 3, drifted: true });
    expect(report.status).toBe('drift');
  });

  it('leaves missing values out of the tests and counts them', () => {
    const { reference, current } = fixture(4);
    const income = [...current.features.income, null, null, null];
    const report = evaluateDrift({
      reference,
      current: { ...current, features: { ...current.features, income } },
    });
    expect(row(report, 'income', 'ks')).toMatchObject({
      nCurrent: 600,
      missingCurrent: 3,
      nReference: 2000,
    });
  });

  it('flags a jump in the missing rate, out-of-range values and unseen categories', () => {
    const { reference, current } = fixture(5);
    const income = current.features.income.map((v, i) =>
      i % 4 === 0 ? null : i % 4 === 1 ? v + 1000 : v,
    );
    const country = current.features.country.map((v, i) => (i % 5 === 0 ? 'xx' : v));
    const report = evaluateDrift({
      reference,
      current: { ...current, features: { ...current.features, income, country } },
    });
    const missing = row(report, 'income', 'missing_rate');
    expect(missing.drifted).toBe(true);
    expect(missing.effectSize).toBeCloseTo(0.25, 10);
    expect(row(report, 'income', 'out_of_range')).toMatchObject({ drifted: true });
    expect(row(report, 'income', 'out_of_range').statistic!).toBeCloseTo(150 / 450, 10);
    expect(row(report, 'country', 'unseen_categories')).toMatchObject({
      drifted: true,
      statistic: 0.2,
    });
  });

  it('returns insufficient_data, not a verdict, for too few values', () => {
    const { reference, current } = fixture(6);
    const small = {
      features: {
        income: current.features.income.slice(0, 50),
        age: current.features.age.slice(0, 50),
        country: current.features.country.slice(0, 50),
      },
    };
    const report = evaluateDrift({ reference, current: small });
    expect(report.status).toBe('insufficient_data');
    for (const f of report.features) {
      expect(f.status).toBe('insufficient_data');
      expect(f.decisive).toMatchObject({ statistic: null, pValue: null, drifted: false });
    }
    expect(report.score).toBeNull();
  });

  it('treats a feature column absent from the window as all missing', () => {
    const { reference, current } = fixture(7);
    const rest: Record<string, (number | string | null)[]> = { ...current.features };
    delete rest.income;
    const report = evaluateDrift({ reference, current: { ...current, features: rest } });
    expect(row(report, 'income', 'ks')).toMatchObject({
      status: 'insufficient_data',
      missingCurrent: 600,
    });
    expect(row(report, 'income', 'missing_rate').drifted).toBe(true);
  });

  it('detects score drift', () => {
    const { reference, current } = fixture(8);
    const score = current.score.map((s) => s + 0.05);
    const report = evaluateDrift({ reference, current: { ...current, score } });
    expect(report.score?.drifted).toBe(true);
    expect(report.status).toBe('drift');
  });

  it('uses Bonferroni when asked, which never adjusts below BH', () => {
    const input = fixture(9, { income: 0.2 });
    const bh = evaluateDrift(input);
    const bonferroni = evaluateDrift({ ...input, policy: { correction: 'bonferroni' } });
    bonferroni.features.forEach((f, i) => {
      expect(f.decisive.adjustedPValue!).toBeGreaterThanOrEqual(
        bh.features[i]!.decisive.adjustedPValue!,
      );
    });
    expect(bonferroni.policy.correction).toBe('bonferroni');
  });

  it('rejects a value of the wrong type, naming feature and index', () => {
    const { reference, current } = fixture(10);
    const income = [...current.features.income];
    income[7] = Number.NaN;
    expect(() =>
      evaluateDrift({ reference, current: { features: { ...current.features, income } } }),
    ).toThrow(DriftInputError);
    expect(() =>
      evaluateDrift({ reference, current: { features: { ...current.features, income } } }),
    ).toThrow(/feature "income": value \[7\] is NaN/);
  });
});

describe('drift policy', () => {
  it('has the documented defaults', () => {
    expect(defaultDriftPolicy).toMatchObject({
      alpha: 0.05,
      correction: 'bh',
      minSamples: 100,
      minEffectSize: { ks: 0.1, jensenShannon: 0.05 },
      datasetDriftShare: 0.5,
      psiEpsilon: 1e-4,
      psiBins: 10,
    });
  });

  it('merges overrides and names an invalid field', () => {
    expect(resolveDriftPolicy({ minEffectSize: { ks: 0.2 } }).minEffectSize).toEqual({
      ks: 0.2,
      jensenShannon: 0.05,
    });
    expect(() => resolveDriftPolicy({ alpha: 1.5 })).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => resolveDriftPolicy({ correction: 'holm' as 'bh' })).toThrow(/correction/);
  });
});
