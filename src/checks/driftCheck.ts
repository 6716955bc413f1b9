/**
 * The drift check of one model version on one window: loads the reference
 * profile, chooses a path from the window's counts (driftPath.ts) and calls
 * the pure drift layer.
 *
 * - `summaries`: the minute summaries built at ingest, merged
 *   (minuteWindow.ts) and tested against the reference through their
 *   sketches (drift/minute/evaluate.ts). Windows beyond `exactLimit`, and
 *   windows whose raw rows are only a sample.
 * - `exact`: the raw values, collected as they stream in (numeric values in
 *   Float64Arrays, categories counted: see windowColumns.ts), when every
 *   record of the window is retained and within `exactLimit`.
 * - `approximate`: per-hour summaries of the raw rows (windowSummaries.ts),
 *   only for raw rows ingested before minute summaries existed.
 */
import type { CheckSettings, DriftCheckSettings } from '../config/checksSchema.js';
import { featureLayout } from '../core/featureLayout.js';
import type { StoredModelVersion } from '../core/model.js';
import type { ReferenceProfile } from '../core/referenceProfile.js';
import {
  collectedDistributions,
  distributionSnapshots,
  evaluateDriftFromColumns,
  type CurrentDistributions,
  type DriftReport,
} from '../drift/index.js';
import { evaluateDriftFromMinuteSummary } from '../drift/minute/index.js';
import type { Pool } from '../storage/pool.js';
import type { ReferenceStore } from '../storage/referenceStore.js';
import { readWindow, type WindowQuery } from '../storage/windowReader.js';
import { CheckCannotRun } from './checkErrors.js';
import type { CheckOutcome, CheckRunner, CheckWindow } from './checkRunner.js';
import { chooseDriftPath, needsRawCount, type DriftPathChoice } from './driftPath.js';
import { coveredMinutes, type MinuteCoverage, type MinuteWindows } from './minuteWindow.js';
import type { RawSampleLookup } from './rawSampleNote.js';
import { evaluateSegments } from './segmentDrift.js';
import { DriftColumns } from './windowColumns.js';
import { totalRows, type WindowSummaries } from './windowSummaries.js';

export interface DriftCheckOutcome {
  report: DriftReport;
  rows: number;
  path: DriftPathChoice;
  /** The reference the report was computed against, restricted to the tested features. */
  reference?: ReferenceProfile;
  /**
   * What the run saw of the window, for the run page's pictures: filled on
   * the `exact` and `summaries` paths, absent on the `approximate` one.
   */
  current?: CurrentDistributions;
  /** The minutes a `summaries` run covered. */
  minutes?: MinuteCoverage;
}

export interface DriftWindow {
  startMs: number;
  endMs: number;
}

/** The reference profile restricted to the tested features, in schema order. */
export function testedReference(
  reference: ReferenceProfile,
  version: StoredModelVersion,
  settings: DriftCheckSettings,
): ReferenceProfile {
  const schema = new Set(version.features.map((feature) => feature.name));
  if (settings.features) {
    const unknown = settings.features.filter((name) => !schema.has(name));
    if (unknown.length > 0) {
      throw new CheckCannotRun(
        `checks.drift.features names ${unknown.join(', ')}, not in the schema of ${version.model} version ${version.version}`,
      );
    }
  }
  const tested = new Set(settings.features ?? version.features.map((feature) => feature.name));
  return {
    ...reference,
    features: reference.features.filter((feature) => tested.has(feature.name)),
  };
}

export class DriftCheck implements CheckRunner {
  readonly kind = 'drift' as const;

  constructor(
    private readonly pool: Pool,
    private readonly references: ReferenceStore,
    private readonly summaries: WindowSummaries,
    private readonly minutes: MinuteWindows,
    /** Which raw sample a window holds, for the segments' summary (none: not reported). */
    private readonly rawSample?: RawSampleLookup,
  ) {}

  windowSeconds(settings: CheckSettings): number {
    return settings.drift.windowSeconds;
  }

  async run(
    version: StoredModelVersion,
    settings: CheckSettings,
    window: CheckWindow,
  ): Promise<CheckOutcome> {
    const segmented = settings.segments.length > 0;
    const outcome = await this.evaluate(version, settings.drift, window);
    // With segments, the whole window's features and every segment's are
    // decided as one family (drift/segments.ts); a `by` this version cannot
    // be sliced by is skipped and named in `segmentErrors`.
    const segments =
      segmented && outcome.reference
        ? await evaluateSegments({
            pool: this.pool,
            version,
            layout: featureLayout(version.features),
            reference: outcome.reference,
            specs: settings.segments,
            window,
            policy: settings.drift.policy,
            rawSample: this.rawSample,
            rowLimit: settings.drift.exactLimit,
            whole: outcome.report,
          })
        : null;
    const report = segments?.report.whole ?? outcome.report;
    // A drift found only in a segment makes the run `drift` too.
    const status = segments?.report.drifted === true ? 'drift' : report.status;
    return {
      status,
      path: outcome.path,
      rows: outcome.rows,
      summary: {
        dataset: report.dataset,
        driftedFeatures: report.features.filter((f) => f.drifted).map((f) => f.feature),
        insufficientFeatures: report.features
          .filter((f) => f.status === 'insufficient_data')
          .map((f) => f.feature),
        score: report.score && {
          status: report.score.status,
          drifted: report.score.drifted,
          pValue: report.score.decisive.pValue,
          statistic: report.score.decisive.statistic,
        },
        policy: report.policy,
        path: outcome.path,
        ...(report.approximation ? { approximation: report.approximation } : {}),
        ...(outcome.minutes ? { minutes: outcome.minutes } : {}),
        ...(outcome.current && outcome.reference
          ? { distributions: distributionSnapshots(outcome.reference, outcome.current) }
          : {}),
        ...(segments ? segments.summary : {}),
      },
      results: segments
        ? [...report.results, ...segments.report.segments.flatMap((segment) => segment.results)]
        : report.results,
    };
  }

  /** The drift report of one window, and which path computed it. */
  async evaluate(
    version: StoredModelVersion,
    settings: DriftCheckSettings,
    window: DriftWindow,
  ): Promise<DriftCheckOutcome> {
    const loaded = await this.references.loadWithSummary(version.model, version.version);
    if (!loaded) {
      throw new CheckCannotRun(
        `no reference data for ${version.model} version ${version.version}: import it with PUT /v1/models/${version.model}/versions/${version.version}/reference`,
      );
    }
    const reference = testedReference(loaded.profile, version, settings);
    const layout = featureLayout(version.features);
    const tested = new Set(reference.features.map((feature) => feature.name));
    const query: WindowQuery = {
      model: version.model,
      version: version.version,
      startMs: window.startMs,
      endMs: window.endMs,
      numeric: layout.numeric.some((name) => tested.has(name)),
      categorical: layout.categorical.some((name) => tested.has(name)),
      score: reference.score !== null,
    };
    const policy = { ...settings.policy };
    const counted = await this.minutes.count(
      version.model,
      version.version,
      window.startMs,
      window.endMs,
    );
    let rawRows: number | null = null;
    if (needsRawCount(counted.rows, settings.exactLimit)) {
      // Over the minutes the summaries cover, so the two counts compare.
      const { fromMs, toMs } = coveredMinutes(window.startMs, window.endMs);
      rawRows = totalRows(
        await this.summaries.hourlyCounts({ ...query, startMs: fromMs, endMs: toMs }),
      );
    }
    const path = chooseDriftPath({
      summaryRows: counted.rows,
      rawRows,
      exactLimit: settings.exactLimit,
    });
    if (path === 'summaries') {
      const merged = await this.minutes.merged(
        version.model,
        version.version,
        window.startMs,
        window.endMs,
      );
      const { report, current } = evaluateDriftFromMinuteSummary({
        reference,
        summary: merged.summary,
        policy,
      });
      return {
        report,
        rows: merged.summary?.rows ?? 0,
        path,
        reference,
        current,
        minutes: merged.coverage,
      };
    }
    if (path === 'approximate') {
      const hourlyCounts = await this.summaries.hourlyCounts(query);
      const rows = totalRows(hourlyCounts);
      const report = await this.summaries.evaluate(version, reference, query, policy, {
        hourlyCounts,
        referenceImportedAt: loaded.summary.importedAt,
      });
      return { report, rows, path: 'approximate', reference };
    }
    // rawRows (whole minutes) is a capacity hint: the rows read are counted.
    const columns = new DriftColumns(layout, {
      tested,
      score: query.score,
      expectedRows: rawRows ?? 0,
    });
    await readWindow(this.pool, query, columns);
    const collected = columns.window();
    const report = evaluateDriftFromColumns({ reference, current: collected, policy });
    return {
      report,
      rows: columns.rows,
      path: 'exact',
      reference,
      current: collectedDistributions(collected),
    };
  }
}
