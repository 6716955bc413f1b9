/**
 * Statistical behaviour of the decision policy on seeded data: calibrated
 * false alarms, power for a real shift, and no alarm for a negligible shift
 * on a huge window.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/model.js';
import {
  buildNumericProfile,
  evaluateDrift,
  type DriftPolicyInput,
} from '../../../src/drift/index.js';
import type { ReferenceProfile } from '../../../src/core/referenceProfile.js';
import { createRandom, normalSample } from './helpers.js';

const FEATURES = 20;
const specs: FeatureSpec[] = Array.from({ length: FEATURES }, (_, i) => ({
  name: `f${i}`,
  type: 'numeric',
}));

function run(seed: number, n: number, shifted: Record<string, number>, policy?: DriftPolicyInput) {
  const random = createRandom(seed);
  const reference: ReferenceProfile = {
    rows: n,
    features: specs.map((s) => buildNumericProfile(s.name, normalSample(random, n))),
    score: null,
  };
  const features: Record<string, Float64Array> = {};
  for (const s of specs) features[s.name] = normalSample(random, n, shifted[s.name] ?? 0);
  return evaluateDrift({ reference, current: { features }, policy });
}

describe('decision policy on seeded data', () => {
  const SEEDS = 200;
  const reports = Array.from({ length: SEEDS }, (_, seed) =>
    run(1000 + seed, 500, {}, { minEffectSize: { ks: 0 } }),
  );

  it('raw KS p-values are calibrated: about alpha of null tests are significant', () => {
    const pValues = reports.flatMap((r) => r.features.map((f) => f.decisive.pValue!));
    const rate = pValues.filter((p) => p < 0.05).length / pValues.length;
    // 4,000 tests: binomial standard error 0.0034; KS exact p-values are slightly conservative.
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.065);
  });

  it('with BH across 20 features, the false alarm rate per run is near alpha', () => {
    const alarms = reports.filter((r) => r.features.some((f) => f.drifted)).length / SEEDS;
    expect(alarms).toBeLessThanOrEqual(0.1);
    expect(alarms).toBeGreaterThan(0);
  });

  it('with the default effect-size minimum, false alarms stay at or below that rate', () => {
    const defaults = Array.from({ length: SEEDS }, (_, seed) => run(1000 + seed, 500, {}));
    const rate = (rs: typeof reports) =>
      rs.filter((r) => r.features.some((f) => f.drifted)).length / SEEDS;
    expect(rate(defaults)).toBeLessThanOrEqual(rate(reports));
    expect(rate(defaults)).toBeLessThanOrEqual(0.1);
  });

  it('finds a 0.5-sigma mean shift on one of 20 features at n = 500', () => {
    for (let seed = 0; seed < 20; seed++) {
      const report = run(9000 + seed, 500, { f7: 0.5 });
      expect(report.features[7]!.drifted).toBe(true);
      expect(report.features.filter((f) => f.drifted).length).toBeLessThanOrEqual(2);
      expect(report.dataset.drifted).toBe(false);
    }
  });

  it('finds a real shift on 200 rows against a large reference', () => {
    const random = createRandom(77);
    const reference: ReferenceProfile = {
      rows: 20000,
      features: [buildNumericProfile('x', normalSample(random, 20000))],
      score: null,
    };
    const report = evaluateDrift({
      reference,
      current: { features: { x: normalSample(random, 200, 0.5) } },
    });
    expect(report.features[0]!.drifted).toBe(true);
    expect(report.features[0]!.decisive.statistic!).toBeGreaterThan(0.1);
  });

  it('raises no alarm for a 0.01-sigma shift at n = 1,000,000 thanks to the effect-size minimum', () => {
    const random = createRandom(4242);
    const reference: ReferenceProfile = {
      rows: 1_000_000,
      features: [buildNumericProfile('x', normalSample(random, 1_000_000))],
      score: null,
    };
    const current = { features: { x: normalSample(random, 1_000_000, 0.01) } };
    const report = evaluateDrift({ reference, current });
    const ks = report.features[0]!.decisive;
    // The shift is real and significant...
    expect(ks.pValue!).toBeLessThan(0.05);
    // ...but tiny: D is far below the 0.1 minimum, so no alarm.
    expect(ks.statistic!).toBeLessThan(0.02);
    expect(ks.drifted).toBe(false);
    expect(report.status).toBe('ok');
    // Without the minimum the same data would alarm.
    const noMinimum = evaluateDrift({ reference, current, policy: { minEffectSize: { ks: 0 } } });
    expect(noMinimum.features[0]!.drifted).toBe(true);
  });
});
