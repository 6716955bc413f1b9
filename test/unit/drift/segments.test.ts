/**
 * Drift per segment (src/drift/segments.ts): one correction across every
 * feature of every segment keeps the false-alarm rate of a run at α under
 * no shift, where a correction per segment would multiply it; a shift in one
 * segment is found there; small segments are not tested.
 */
import { describe, expect, it } from 'vitest';
import type { ReferenceProfile } from '../../../src/core/referenceProfile.js';
import {
  buildReferenceProfile,
  evaluateDriftFromColumns,
  evaluateSegmentDrift,
  type DriftPolicyInput,
  type SegmentWindow,
} from '../../../src/drift/index.js';
import type { CollectedWindow } from '../../../src/drift/types.js';
import { categoricalSample, createRandom, normalSample } from './helpers.js';
import type { SeededRandom } from '../../../src/stats/index.js';

const NUMERIC = ['a', 'b', 'c'];
const CATEGORICAL = ['d', 'e'];
const WEIGHTS = { x: 0.5, y: 0.3, z: 0.2 };

function reference(random: SeededRandom, n: number): ReferenceProfile {
  const columns: Record<string, ArrayLike<number | string>> = {};
  for (const name of NUMERIC) columns[name] = normalSample(random, n);
  for (const name of CATEGORICAL) columns[name] = categoricalSample(random, n, WEIGHTS);
  return buildReferenceProfile(
    [
      ...NUMERIC.map((name) => ({ name, type: 'numeric' as const })),
      ...CATEGORICAL.map((name) => ({ name, type: 'categorical' as const })),
    ],
    columns,
  );
}

/** A segment's rows as the check collects them: numeric values, category counts. */
function segmentWindow(random: SeededRandom, rows: number, shift = 0): CollectedWindow {
  const features: CollectedWindow['features'] = {};
  const out = features as Record<string, CollectedWindow['features'][string]>;
  for (const name of NUMERIC) {
    out[name] = {
      kind: 'numeric',
      values: normalSample(random, rows, name === 'a' ? shift : 0),
      missing: 0,
    };
  }
  for (const name of CATEGORICAL) {
    const counts: Record<string, number> = {};
    for (const value of categoricalSample(random, rows, WEIGHTS)) {
      counts[value] = (counts[value] ?? 0) + 1;
    }
    out[name] = { kind: 'categorical', counts, n: rows, missing: 0 };
  }
  return { rows, features };
}

// The minimum effect sizes are set to 0 so that the rates measure the
// correction alone (the effect floors only lower them further); asymptotic
// KS p-values keep 400 × 55 tests quick.
const POLICY: DriftPolicyInput = {
  alpha: 0.05,
  correction: 'bh',
  minEffectSize: { ks: 0, jensenShannon: 0 },
  ksMethod: 'asymp',
};

describe('evaluateSegmentDrift', () => {
  it('keeps the false-alarm rate at α across 5 features × 11 segments; a correction per segment would not', () => {
    const random = createRandom(15_011);
    const RUNS = 400;
    const SEGMENTS = 11;
    let jointAlarms = 0;
    let perSegmentAlarms = 0;
    let familySize = 0;
    for (let run = 0; run < RUNS; run++) {
      // A reference of its own per run: runs against one shared reference
      // would all inherit that one sample's chance deviations, and so would
      // not be independent trials of the correction.
      const profile = reference(random, 2_000);
      const segments: SegmentWindow[] = Array.from({ length: SEGMENTS }, (_, i) => ({
        by: 'plan',
        value: i === SEGMENTS - 1 ? '__other__' : `v${i}`,
        current: segmentWindow(random, 200),
      }));
      // Per segment: each its own family (what slicing without a joint correction does).
      const perSegment = segments.map((segment) =>
        evaluateSegmentDrift(
          profile,
          [{ ...segment, current: cloneWindow(segment.current) }],
          POLICY,
        ),
      );
      if (perSegment.some((report) => report.drifted)) perSegmentAlarms++;
      const joint = evaluateSegmentDrift(profile, segments, POLICY);
      familySize = joint.familySize;
      if (joint.drifted) jointAlarms++;
    }
    expect(familySize).toBe(5 * SEGMENTS);
    const alpha = 0.05;
    const margin = 3 * Math.sqrt((alpha * (1 - alpha)) / RUNS);
    const jointRate = jointAlarms / RUNS;
    const perSegmentRate = perSegmentAlarms / RUNS;
    expect(jointRate).toBeLessThanOrEqual(alpha + margin);
    // About 1 − 0.95^11 ≈ 0.43 when each of 11 segments may alarm at α.
    expect(perSegmentRate).toBeGreaterThan(0.25);
    expect(perSegmentRate).toBeGreaterThan(3 * jointRate);
  });

  it("keeps a run's false-alarm rate — whole window and segments together — at α by deciding them as one family", () => {
    const random = createRandom(20_611);
    const RUNS = 400;
    const SEGMENTS = 11;
    let oneFamily = 0;
    let twoFamilies = 0;
    for (let run = 0; run < RUNS; run++) {
      const profile = reference(random, 2_000);
      const segments: SegmentWindow[] = Array.from({ length: SEGMENTS }, (_, i) => ({
        by: 'pod',
        value: `p${i}`,
        current: segmentWindow(random, 200),
      }));
      // The whole window is the segments' rows together.
      const whole = () =>
        evaluateDriftFromColumns({
          reference: profile,
          current: mergeWindows(segments.map((segment) => segment.current)),
          policy: POLICY,
        });
      // Two families, as the whole window's report alone and the segments alone.
      const alone = whole();
      const segmentsAlone = evaluateSegmentDrift(
        profile,
        segments.map((segment) => ({ ...segment, current: cloneWindow(segment.current) })),
        POLICY,
      );
      if (alone.status === 'drift' || segmentsAlone.drifted) twoFamilies++;
      const joint = evaluateSegmentDrift(profile, segments, POLICY, whole());
      expect(joint.familySize).toBe(5 * SEGMENTS);
      if (joint.whole!.status === 'drift' || joint.drifted) oneFamily++;
    }
    const alpha = 0.05;
    const margin = 3 * Math.sqrt((alpha * (1 - alpha)) / RUNS);
    expect(oneFamily / RUNS).toBeLessThanOrEqual(alpha + margin);
    // Two families at α each: close to 2α (0.085 here, one family 0.04).
    expect(twoFamilies).toBeGreaterThan(oneFamily);
    expect(twoFamilies / RUNS).toBeGreaterThan(alpha + margin / 2);
  });

  it('finds a shift confined to one segment and names the segment on its rows', () => {
    const random = createRandom(7);
    const profile = reference(random, 2_000);
    const segments: SegmentWindow[] = [
      { by: 'tag:pod', value: 'pod-1', current: segmentWindow(random, 400) },
      { by: 'tag:pod', value: 'pod-2', current: segmentWindow(random, 400, 1) },
      { by: 'tag:pod', value: '__other__', current: segmentWindow(random, 400) },
    ];
    const report = evaluateSegmentDrift(profile, segments, { ksMethod: 'asymp' });
    expect(report.drifted).toBe(true);
    expect(report.segments.map((s) => [s.segment, s.status, s.driftedFeatures])).toEqual([
      ['tag:pod=pod-1', 'ok', []],
      ['tag:pod=pod-2', 'drift', ['a']],
      ['tag:pod=__other__', 'ok', []],
    ]);
    const shifted = report.segments[1]!.results;
    expect(new Set(shifted.map((r) => r.segment))).toEqual(new Set(['tag:pod=pod-2']));
    const ks = shifted.find((r) => r.feature === 'a' && r.test === 'ks')!;
    expect(ks.drifted).toBe(true);
    expect(ks.adjustedPValue).toBeGreaterThanOrEqual(ks.pValue!);
  });

  it('does not test the feature a segment is sliced on', () => {
    const random = createRandom(5);
    const profile = reference(random, 1_000);
    const current = segmentWindow(random, 300);
    // Sliced on d: the segment holds one value of d only.
    (current.features as Record<string, unknown>).d = {
      kind: 'categorical',
      counts: { x: 300 },
      n: 300,
      missing: 0,
    };
    const report = evaluateSegmentDrift(
      profile,
      [{ by: 'd', value: 'x', current, slicedFeature: 'd' }],
      { ksMethod: 'asymp' },
    );
    expect(report.segments[0]!.features.map((f) => f.feature)).toEqual(['a', 'b', 'c', 'e']);
    expect(report.familySize).toBe(4);
    expect(report.segments[0]!.status).toBe('ok');
  });

  it('does not test a segment below minSamples, and leaves it out of the family', () => {
    const random = createRandom(3);
    const profile = reference(random, 1_000);
    const report = evaluateSegmentDrift(
      profile,
      [
        { by: 'plan', value: 'big', current: segmentWindow(random, 150) },
        { by: 'plan', value: 'small', current: segmentWindow(random, 99, 5) },
      ],
      { minSamples: 100, ksMethod: 'asymp' },
    );
    expect(report.segments[1]).toMatchObject({
      segment: 'plan=small',
      rows: 99,
      status: 'insufficient_data',
      driftedFeatures: [],
      results: [],
    });
    expect(report.familySize).toBe(5);
    expect(report.drifted).toBe(false);
  });
});

/** A copy of a collected window (the evaluation sorts numeric arrays in place). */
/** One window of the rows of several (numeric values concatenated, counts added). */
function mergeWindows(windows: CollectedWindow[]): CollectedWindow {
  const features: Record<string, CollectedWindow['features'][string]> = {};
  for (const window of windows) {
    for (const [name, column] of Object.entries(window.features)) {
      const seen = features[name];
      if (column.kind === 'numeric') {
        const before = seen?.kind === 'numeric' ? seen.values : new Float64Array(0);
        const values = new Float64Array(before.length + column.values.length);
        values.set(before);
        values.set(column.values, before.length);
        features[name] = { kind: 'numeric', values, missing: 0 };
      } else {
        const counts: Record<string, number> = {
          ...(seen?.kind === 'categorical' ? seen.counts : {}),
        };
        for (const [value, n] of Object.entries(column.counts))
          counts[value] = (counts[value] ?? 0) + n;
        const n = (seen?.kind === 'categorical' ? seen.n : 0) + column.n;
        features[name] = { kind: 'categorical', counts, n, missing: 0 };
      }
    }
  }
  return { rows: windows.reduce((sum, window) => sum + window.rows, 0), features };
}

function cloneWindow(window: CollectedWindow): CollectedWindow {
  const features: Record<string, CollectedWindow['features'][string]> = {};
  for (const [name, column] of Object.entries(window.features)) {
    features[name] =
      column.kind === 'numeric' ? { ...column, values: column.values.slice() } : { ...column };
  }
  return { rows: window.rows, features };
}
