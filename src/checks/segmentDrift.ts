/**
 * The segment part of a drift run (docs/checks.md, "Segments"): for each
 * configured `by`, the `top` most frequent values in the window by row count
 * (an SQL GROUP BY), the rest together as `__other__`; rows without a value
 * (a missing feature, an absent tag) are the value `__missing__`, ranked like
 * any other. The window's raw rows are read once, each row routed to its
 * segment of every `by`, and the pure layer tests every segment's features
 * under one correction across all features × segments (drift/segments.ts):
 * a feature's segment against the reference's slice of the same value
 * (imported with the reference when the feature was a segment `by`), a tag's
 * segment against the whole reference.
 *
 * The rows read are whatever raw rows the window holds: every record, or
 * the deterministic hash sample above `storage.raw.keepAllBelowPerSecond`
 * (the summary says which, with the sample fraction).
 */
import type { DriftCheckSettings } from '../config/checksSchema.js';
import type { FeatureLayout } from '../core/featureLayout.js';
import type { StoredModelVersion } from '../core/model.js';
import type { ReferenceProfile } from '../core/referenceProfile.js';
import {
  MISSING_SEGMENT,
  OTHER_SEGMENT,
  segmentLabel,
  segmentSource,
  type SegmentSpec,
} from '../core/segments.js';
import {
  evaluateSegmentDrift,
  type DriftReport,
  type SegmentDriftReport,
  type SegmentWindow,
} from '../drift/index.js';
import type { Pool } from '../storage/pool.js';
import {
  readWindow,
  segmentValueCounts,
  type SegmentColumn,
  type WindowRowSink,
} from '../storage/windowReader.js';
import { CheckCannotRun } from './checkErrors.js';
import type { CheckWindow } from './checkRunner.js';
import { rawSampleNote, type RawSampleLookup, type RawSampleNote } from './rawSampleNote.js';
import { DriftColumns } from './windowColumns.js';

/** Where a segment spec's values are stored; a clear error when `by` names no categorical feature. */
export function segmentColumnOf(
  version: StoredModelVersion,
  layout: FeatureLayout,
  spec: SegmentSpec,
): SegmentColumn {
  const source = segmentSource(spec.by);
  if (source.kind === 'tag') return { kind: 'tag', key: source.key };
  const slot = layout.byName.get(source.name);
  if (!slot) {
    throw new CheckCannotRun(
      `segments: by "${spec.by}" is not a feature of ${version.model} version ${version.version} (segments slice by a categorical feature or by "tag:<key>")`,
    );
  }
  if (slot.kind !== 'categorical') {
    throw new CheckCannotRun(
      `segments: by "${spec.by}" is a numeric feature of ${version.model} version ${version.version}; segments slice by a categorical feature or by "tag:<key>"`,
    );
  }
  return { kind: 'categorical', slot: slot.slot };
}

/**
 * The segment specs a version can be sliced by, their columns, and why the
 * others cannot: a `by` set for every model (`models.defaults.segments`)
 * that one version lacks must not cost that version its whole run.
 */
export function usableSegmentSpecs(
  version: StoredModelVersion,
  layout: FeatureLayout,
  specs: readonly SegmentSpec[],
): { specs: SegmentSpec[]; columns: SegmentColumn[]; errors: string[] } {
  const usable: { specs: SegmentSpec[]; columns: SegmentColumn[]; errors: string[] } = {
    specs: [],
    columns: [],
    errors: [],
  };
  for (const spec of specs) {
    try {
      usable.columns.push(segmentColumnOf(version, layout, spec));
      usable.specs.push(spec);
    } catch (error) {
      if (!(error instanceof CheckCannotRun)) throw error;
      usable.errors.push(error.message);
    }
  }
  return usable;
}

interface SegmentPlan {
  spec: SegmentSpec;
  /** Value → position among the plan's segments; the missing value under MISSING_SEGMENT. */
  positions: Map<string, number>;
  /** The segments' values, `__other__` last. */
  values: string[];
  columns: DriftColumns[];
}

/**
 * Routes each streamed row to one segment per `by`: the segment values come
 * first in the row (readWindow reads them before the other fields), then
 * every value goes to the chosen segment's collector of each `by`.
 */
class SegmentedColumns implements WindowRowSink {
  private readonly current: DriftColumns[];

  constructor(private readonly plans: SegmentPlan[]) {
    this.current = plans.map((plan) => plan.columns[plan.columns.length - 1]!);
  }

  segment(index: number, value: string | null): void {
    const plan = this.plans[index]!;
    const position = plan.positions.get(value ?? MISSING_SEGMENT);
    this.current[index] = plan.columns[position ?? plan.columns.length - 1]!;
  }

  numeric(slot: number, value: number | null): void {
    for (const columns of this.current) columns.numeric(slot, value);
  }

  categorical(slot: number, value: string | null): void {
    for (const columns of this.current) columns.categorical(slot, value);
  }

  score(): void {}

  endRow(): void {
    for (const columns of this.current) columns.endRow();
  }
}

export interface SegmentEvaluation {
  report: SegmentDriftReport;
  /** What the run summary gains. */
  summary: {
    segments: {
      by: string;
      value: string;
      segment: string;
      /** The segment's raw rows in the window (counted, whatever was read). */
      rows: number;
      /** The rows tested: `rows`, or fewer when the window was read as a sample. */
      readRows: number;
      /** `slice`: compared with the reference's rows of the same value; `whole`: with all of them. */
      reference: 'slice' | 'whole';
      status: string;
      driftedFeatures: string[];
    }[];
    /** Decisive tests corrected together across features × segments. */
    segmentFamilySize: number;
    /**
     * `all`: every record of the window; `sample`: the raw sample the window
     * holds (`sampleFraction`), and/or a hash sample of it read because the
     * window holds more raw rows than `exactLimit` (`segmentReadFraction`).
     */
    segmentRows: 'all' | 'sample';
    segmentReadFraction?: number;
    /** Segment specs this version cannot be sliced by, and why (the others ran). */
    segmentErrors?: string[];
  } & RawSampleNote;
}

export async function evaluateSegments(input: {
  pool: Pool;
  version: StoredModelVersion;
  layout: FeatureLayout;
  /** The reference restricted to the tested features. */
  reference: ReferenceProfile;
  specs: readonly SegmentSpec[];
  window: CheckWindow;
  policy: DriftCheckSettings['policy'];
  rawSample: RawSampleLookup | undefined;
  /**
   * Most raw rows to read (`drift.exactLimit`): a larger window is read as a
   * hash sample of about this many rows, so that a segmented run's memory
   * stays bounded (every `by` holds its own copy of the values).
   */
  rowLimit: number;
  /** The whole window's report: decided again in one family with the segments. */
  whole: DriftReport;
}): Promise<SegmentEvaluation> {
  const { pool, version, layout, reference, window } = input;
  const usable = usableSegmentSpecs(version, layout, input.specs);
  const { specs, columns: segmentColumns } = usable;
  const tested = new Set(reference.features.map((feature) => feature.name));
  const query = {
    model: version.model,
    version: version.version,
    startMs: window.startMs,
    endMs: window.endMs,
  };
  const counts: Awaited<ReturnType<typeof segmentValueCounts>>[] = [];
  for (const [i, spec] of specs.entries()) {
    counts.push(await segmentValueCounts(pool, query, segmentColumns[i]!, spec.top));
  }
  const windowRows = counts[0]?.rows ?? 0;
  // The segments are chosen on every raw row; beyond the limit their values
  // are read from a deterministic hash sample of the rows — and the columns
  // are sized for what is read, not for the window.
  const readFraction = windowRows > input.rowLimit ? input.rowLimit / windowRows : undefined;
  /** Segment label → its raw rows in the window (those beyond the top values: `__other__`). */
  const counted = new Map<string, number>();
  const plans: SegmentPlan[] = specs.map((spec, i) => {
    const found = counts[i]!;
    const values = found.values.map((entry) => entry.value ?? MISSING_SEGMENT);
    const positions = new Map(values.map((value, position) => [value, position]));
    const inTop = found.values.reduce((sum, entry) => sum + entry.rows, 0);
    const rows = [...found.values.map((entry) => entry.rows), found.rows - inTop];
    [...values, OTHER_SEGMENT].forEach((value, position) =>
      counted.set(segmentLabel(spec.by, value), rows[position]!),
    );
    const columns = rows.map(
      (n) =>
        new DriftColumns(layout, {
          tested,
          score: false,
          // A hash sample keeps about its fraction of each segment: 5 % margin.
          expectedRows: Math.ceil(readFraction === undefined ? n : n * readFraction * 1.05),
        }),
    );
    return { spec, positions, values: [...values, OTHER_SEGMENT], columns };
  });
  await readWindow(
    pool,
    {
      ...query,
      numeric: layout.numeric.some((name) => tested.has(name)),
      categorical: layout.categorical.some((name) => tested.has(name)),
      score: false,
      segments: segmentColumns,
      sampleFraction: readFraction,
    },
    new SegmentedColumns(plans),
  );
  const windows: SegmentWindow[] = plans.flatMap((plan) =>
    plan.columns.flatMap((columns, position) => {
      const value = plan.values[position]!;
      // `__other__` only when some row fell outside the top values.
      if (value === OTHER_SEGMENT && position === plan.values.length - 1 && columns.rows === 0) {
        return [];
      }
      const source = segmentSource(plan.spec.by);
      return [
        {
          by: plan.spec.by,
          value,
          current: columns.window(),
          slicedFeature: source.kind === 'feature' ? source.name : undefined,
          topValues: plan.values.slice(0, -1),
        },
      ];
    }),
  );
  const report = evaluateSegmentDrift(reference, windows, input.policy, input.whole);
  const note = await rawSampleNote(input.rawSample, version, window);
  return {
    report,
    summary: {
      segments: report.segments.map((segment) => ({
        by: segment.by,
        value: segment.value,
        segment: segment.segment,
        rows: counted.get(segment.segment) ?? segment.rows,
        readRows: segment.rows,
        reference: segment.reference,
        status: segment.status,
        driftedFeatures: segment.driftedFeatures,
      })),
      segmentFamilySize: report.familySize,
      segmentRows:
        note.sampleFraction === undefined && readFraction === undefined ? 'all' : 'sample',
      ...(readFraction === undefined ? {} : { segmentReadFraction: readFraction }),
      ...(usable.errors.length > 0 ? { segmentErrors: usable.errors } : {}),
      ...note,
    },
  };
}
