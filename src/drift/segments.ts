/**
 * Drift per segment: the window split by the values of a categorical feature
 * or a record tag (core/segments.ts), each slice tested with the same
 * per-feature tests as the whole window.
 *
 * A segment of a categorical feature is compared with the same slice of the
 * reference (drift/referenceSlices.ts): `plan=pro` with the reference's pro
 * rows, `__other__` with the rows of every value outside the window's top,
 * so that features that depend on the plan do not drift in every plan
 * segment. With no such slice (an unseen value, a reference imported before
 * the feature was a segment) the segment is compared with the whole
 * reference, and says so (`reference: 'whole'`). A tag segment is always
 * compared with the whole reference: reference rows carry no tags.
 *
 * Slicing multiplies the tests: 5 features × 11 segments are 55 decisions a
 * run could get wrong. So the decisive p-values of every feature of every
 * segment of the run — all `by`s together — are corrected as ONE family with
 * the policy's correction (BH by default), and the missing-rate p-values as a
 * second one, exactly as the whole-window report does with its features.
 * Under no drift at all, BH keeps the chance that any (feature, segment)
 * drifts at α (test/unit/drift/segments.test.ts measures it). Given the
 * whole window's report, its features join the families too, so the run as
 * a whole — not each half — alarms at about α.
 *
 * A segment with fewer than `minSamples` rows is `insufficient_data` and not
 * tested (it adds nothing to the family). The score is not tested per segment,
 * nor the feature a segment is sliced on (constant within it by construction).
 */
import type { FeatureProfile, ReferenceProfile } from '../core/referenceProfile.js';
import { segmentLabel } from '../core/segments.js';
import {
  decideFamily,
  decisiveMinimum,
  redecidedDriftReport,
  toFeatureDrift,
  type KindedFeatureRows,
} from './evaluate.js';
import { categoricalFeatureRows, numericFeatureRows } from './featureTests.js';
import { segmentReference, type SegmentReferenceSource } from './referenceSlices.js';
import { resolveDriftPolicy, type DriftPolicy, type DriftPolicyInput } from './policy.js';
import type {
  CollectedWindow,
  DriftReport,
  DriftStatus,
  DriftTestResult,
  FeatureDrift,
} from './types.js';
import {
  categoricalColumnFromCounts,
  DriftColumnError,
  numericColumnFromValues,
} from './values.js';

/** The rows of one segment, collected like the exact path's window. */
export interface SegmentWindow {
  /** The `by` of the segment's spec: a feature name or `tag:<key>`. */
  by: string;
  /** A frequent value, `__missing__` or `__other__`. */
  value: string;
  current: CollectedWindow;
  /**
   * The feature the segment is sliced on, when `by` is a feature: not tested
   * in its own segments, where it is constant by construction.
   */
  slicedFeature?: string | undefined;
  /**
   * The window's top values of `by` (MISSING_SEGMENT when ranked among
   * them), without `__other__`: the reference slices `__other__` is not
   * compared with. Used only with `slicedFeature`.
   */
  topValues?: readonly string[] | undefined;
}

export interface SegmentDrift {
  by: string;
  value: string;
  /** `<by>=<value>`, as result rows and metric labels carry it. */
  segment: string;
  rows: number;
  /**
   * What the segment was compared with: the reference's own slice of the
   * value (`slice`) or the whole reference (`whole`: tag segments, and
   * feature values the reference has no slice of).
   */
  reference: SegmentReferenceSource;
  status: DriftStatus;
  /** Features whose decisive test drifted, in reference order. */
  driftedFeatures: string[];
  /** Features with a verdict (not `insufficient_data`). */
  testedFeatures: number;
  features: FeatureDrift[];
  /** Every row of every feature, each carrying `segment`; none for an untested segment. */
  results: DriftTestResult[];
}

export interface SegmentDriftReport {
  segments: SegmentDrift[];
  /**
   * The whole window's report decided in the same family as the segments,
   * when it was given; its verdicts may be stricter than on its own.
   */
  whole: DriftReport | null;
  /** Decisive tests corrected together (features × tested segments). */
  familySize: number;
  /** Whether any feature of any segment drifted. */
  drifted: boolean;
  policy: DriftPolicy;
}

function segmentFeatureRows(
  profiles: readonly FeatureProfile[],
  current: CollectedWindow,
  policy: DriftPolicy,
): KindedFeatureRows[] {
  const { features, rows } = current;
  return profiles.map((profile) => {
    const column = Object.hasOwn(features, profile.name) ? features[profile.name]! : undefined;
    if (column !== undefined && column.kind !== profile.kind) {
      throw new DriftColumnError(
        profile.name,
        `a ${column.kind} column for a ${profile.kind} feature`,
      );
    }
    if (profile.kind === 'numeric') {
      const values =
        column?.kind === 'numeric'
          ? numericColumnFromValues(profile.name, column)
          : { sorted: new Float64Array(0), missing: rows };
      return { kind: 'numeric' as const, rows: numericFeatureRows(profile, values, policy) };
    }
    const counts =
      column?.kind === 'categorical'
        ? categoricalColumnFromCounts(profile.name, column)
        : { counts: {}, n: 0, missing: rows };
    return { kind: 'categorical' as const, rows: categoricalFeatureRows(profile, counts, policy) };
  });
}

/**
 * Tests every segment's features against the reference and decides them
 * under one correction across all features × segments. Pure. The segments'
 * numeric arrays are sorted in place (they are the evaluation's afterwards).
 */
export function evaluateSegmentDrift(
  reference: ReferenceProfile,
  segments: readonly SegmentWindow[],
  policyInput?: DriftPolicyInput,
  /**
   * The whole window's report of the same run: its features' decisive and
   * missing-rate rows join the families, so that the run — whole window and
   * segments together — raises a false alarm with probability about α, not
   * 2α (its score keeps its own family of one).
   */
  whole?: DriftReport,
): SegmentDriftReport {
  const policy = resolveDriftPolicy(policyInput);
  const references = segments.map((segment) =>
    segment.slicedFeature === undefined
      ? { features: reference.features, source: 'whole' as const }
      : segmentReference(reference, segment.slicedFeature, segment.value, segment.topValues ?? []),
  );
  const tested = segments.map((segment, i) =>
    segment.current.rows < policy.minSamples
      ? null
      : segmentFeatureRows(references[i]!.features, segment.current, policy),
  );
  const all = tested.flatMap((rows) => rows ?? []);
  const wholeFeatures = whole?.features ?? [];
  decideFamily(
    [...wholeFeatures.map((f) => f.decisive), ...all.map((f) => f.rows.decisive)],
    policy,
    decisiveMinimum(policy),
  );
  decideFamily(
    [
      ...wholeFeatures.flatMap((f) => f.results.filter((r) => r.test === 'missing_rate')),
      ...all.map((f) => f.rows.missingRate),
    ],
    policy,
    () => policy.quality.missingRateChange,
  );
  let familySize = 0;
  const report = segments.map((segment, i): SegmentDrift => {
    const label = segmentLabel(segment.by, segment.value);
    const featureRows = tested[i];
    const base = {
      by: segment.by,
      value: segment.value,
      segment: label,
      rows: segment.current.rows,
      reference: references[i]!.source,
    };
    if (featureRows === null || featureRows === undefined) {
      return {
        ...base,
        status: 'insufficient_data',
        driftedFeatures: [],
        testedFeatures: 0,
        features: [],
        results: [],
      };
    }
    const features = featureRows.map((f) => toFeatureDrift(f.kind, f.rows));
    const withVerdict = features.filter((f) => f.status !== 'insufficient_data');
    familySize += withVerdict.length;
    const driftedFeatures = withVerdict.filter((f) => f.drifted).map((f) => f.feature);
    for (const feature of features) for (const row of feature.results) row.segment = label;
    return {
      ...base,
      status:
        driftedFeatures.length > 0
          ? 'drift'
          : withVerdict.length === 0
            ? 'insufficient_data'
            : 'ok',
      driftedFeatures,
      testedFeatures: withVerdict.length,
      features,
      results: features.flatMap((f) => f.results),
    };
  });
  return {
    segments: report,
    whole: whole === undefined ? null : redecidedDriftReport(whole),
    familySize,
    drifted: report.some((segment) => segment.status === 'drift'),
    policy,
  };
}
