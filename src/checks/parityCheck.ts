/**
 * Serving parity: re-scores a sample of the window's logged predictions with
 * the version's registered ONNX model and compares the result with the
 * logged score. A mismatch means training/serving skew — a feature scaled
 * differently in the serving code, a stale model file, the wrong version
 * deployed, a feature defaulted to 0. When too many rows mismatch, the other
 * registered versions of the model are tried on the mismatching rows to name
 * the one that was actually served.
 */
import type { CheckSettings } from '../config/checksSchema.js';
import { featureLayout } from '../core/featureLayout.js';
import type { StoredModelVersion } from '../core/model.js';
import type { RunResult } from '../core/run.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import {
  assembleInputs,
  attributeSkew,
  compareScores,
  featureRowsByName,
  findReproducingVersions,
  prepareRows,
  profileRows,
  seededSample,
  selectRows,
  type ColumnarFeatureRows,
  type LoadedModel,
  type SessionCache,
  type SkewAttribution,
} from '../scoring/index.js';
import type { Pool } from '../storage/pool.js';
import { countWindow, readWindow } from '../storage/windowReader.js';
import { CheckCannotRun } from './checkErrors.js';
import { rawSampleNote, type RawSampleLookup } from './rawSampleNote.js';
import type { CheckOutcome, CheckRunner, CheckWindow } from './checkRunner.js';
import { WindowColumns } from './windowColumns.js';

const PARITY_FEATURE = '__parity__';
/** A candidate version "reproduces" the mismatching rows when it matches at least this share of them. */
const REPRODUCTION_SHARE = 0.9;

export interface SampledWindow {
  /** Rows in the whole window. */
  windowRows: number;
  columns: WindowColumns;
  rows: ColumnarFeatureRows;
}

/**
 * Reads up to `sampleSize` rows of the window, with request ids: every row
 * when the window is small enough, else a deterministic hash sample.
 */
export async function sampleWindow(
  pool: Pool,
  version: StoredModelVersion,
  window: CheckWindow,
  sampleSize: number,
): Promise<SampledWindow> {
  const layout = featureLayout(version.features);
  const query = {
    model: version.model,
    version: version.version,
    startMs: window.startMs,
    endMs: window.endMs,
    numeric: layout.numeric.length > 0,
    categorical: layout.categorical.length > 0,
    score: true,
    requestId: true,
  };
  const windowRows = await countWindow(pool, query);
  const columns = new WindowColumns(layout, new Set(version.features.map((f) => f.name)));
  if (windowRows > 0) {
    await readWindow(
      pool,
      { ...query, sampleFraction: Math.min(1, sampleSize / windowRows) },
      columns,
    );
  }
  const rows = featureRowsByName(version.features, columns.features, columns.rows);
  return { windowRows, columns, rows };
}

function parityRow(
  test: string,
  statistic: number | null,
  drifted: boolean,
  checked: number,
  unscorable: number,
): RunResult {
  return {
    feature: PARITY_FEATURE,
    test,
    status: drifted ? 'drift' : 'ok',
    statistic,
    pValue: null,
    adjustedPValue: null,
    effectSize: null,
    drifted,
    nReference: 0,
    nCurrent: checked,
    missingCurrent: unscorable,
  };
}

export class ParityCheck implements CheckRunner {
  readonly kind = 'parity' as const;

  constructor(
    private readonly pool: Pool,
    private readonly sessions: SessionCache,
    private readonly registry: ModelRegistry,
    /** Which raw sample a window holds, for the run summary (none: not reported). */
    private readonly rawSample?: RawSampleLookup,
  ) {}

  windowSeconds(settings: CheckSettings): number {
    return settings.parity.windowSeconds;
  }

  async run(
    version: StoredModelVersion,
    settings: CheckSettings,
    window: CheckWindow,
  ): Promise<CheckOutcome> {
    if (!version.onnx) {
      throw new CheckCannotRun(
        `${version.model} version ${version.version} has no ONNX artifact: register one (onnx.path in the version definition or its models/ manifest) to check serving parity`,
      );
    }
    // A missing file, a sha256 mismatch or a broken graph throws here and
    // becomes an `error` run with the reason.
    const loaded = await this.sessions.get(version.model, version.version, version.onnx);
    const parity = settings.parity;
    const sample = await sampleWindow(this.pool, version, window, parity.sampleSize);
    // Rows are checked once here and written batch by batch into one reused
    // buffer at scoring time, rather than building whole-window tensors.
    const inputs = prepareRows(loaded.planInputs(version.features), sample.rows);
    const recomputed = await loaded.score(inputs);
    const comparison = compareScores({
      requestIds: sample.columns.ids,
      logged: sample.columns.scores,
      recomputed,
      rowIndex: inputs.rowIndex,
      atol: parity.atol,
      rtol: parity.rtol,
    });

    const unscorableByReason: Record<string, number> = {};
    for (const row of inputs.unscorable) {
      const key = `${row.kind}:${row.feature}`;
      unscorableByReason[key] = (unscorableByReason[key] ?? 0) + 1;
    }
    const broken =
      comparison.mismatchRatio !== null && comparison.mismatchRatio > parity.maxMismatchRatio;
    const diagnosis = broken
      ? await this.diagnose(version, loaded, sample, comparison.mismatchIndices, parity, window)
      : null;
    const status =
      comparison.rowsChecked === 0
        ? 'insufficient_data'
        : broken
          ? ('degraded' as const)
          : ('ok' as const);

    const checked = comparison.rowsChecked;
    const unscorable = inputs.unscorable.length;
    return {
      status,
      path: null,
      rows: sample.windowRows,
      summary: {
        sampledRows: sample.columns.rows,
        rowsChecked: checked,
        mismatches: comparison.mismatches,
        mismatchRatio: comparison.mismatchRatio,
        maxAbsDiff: comparison.maxAbsDiff,
        p99AbsDiff: comparison.p99AbsDiff,
        unscorableRows: unscorable,
        unscorableByReason,
        unloggedRows: comparison.unlogged,
        worst: comparison.worst.map((row) => ({
          requestId: row.requestId,
          logged: row.logged,
          recomputed: row.recomputed,
          absDiff: row.absDiff,
        })),
        tolerance: { atol: parity.atol, rtol: parity.rtol },
        maxMismatchRatio: parity.maxMismatchRatio,
        modelSha256: loaded.sha256,
        ...(diagnosis ? { diagnosis } : {}),
        ...(await rawSampleNote(this.rawSample, version, window)),
      },
      results: [
        parityRow('mismatch_ratio', comparison.mismatchRatio, broken, checked, unscorable),
        parityRow('max_abs_diff', comparison.maxAbsDiff, false, checked, unscorable),
        parityRow('p99_abs_diff', comparison.p99AbsDiff, false, checked, unscorable),
      ],
    };
  }

  /**
   * Scores the mismatching rows with every other registered version that has
   * an ONNX artifact, and names the versions that reproduce them.
   */
  private async diagnose(
    version: StoredModelVersion,
    loaded: LoadedModel,
    sample: SampledWindow,
    mismatchIndices: readonly number[],
    parity: CheckSettings['parity'],
    window: CheckWindow,
  ): Promise<{
    reproducedBy: { version: string; share: number }[];
    tried: string[];
    failed: Record<string, string>;
    message: string;
    attribution?: SkewAttribution;
  }> {
    const others = (await this.registry.list()).filter(
      (v) => v.model === version.model && v.version !== version.version && v.onnx !== null,
    );
    const logged = mismatchIndices.map((i) => sample.columns.scores[i] ?? Number.NaN);
    const candidates: { version: string; recomputed: Float64Array }[] = [];
    const failed: Record<string, string> = {};
    for (const other of others) {
      try {
        const loaded = await this.sessions.get(other.model, other.version, other.onnx!);
        // The logged rows follow this version's schema; the other version takes
        // the features it knows by name (one it lacks is missing → unscorable).
        const byName = featureRowsByName(
          other.features,
          sample.columns.features,
          sample.columns.rows,
        );
        const inputs = assembleInputs(
          loaded.planInputs(other.features),
          selectRows(byName, mismatchIndices),
        );
        const scores = await loaded.score(inputs);
        const aligned = new Float64Array(mismatchIndices.length).fill(Number.NaN);
        inputs.rowIndex.forEach((row, i) => (aligned[row] = scores[i]!));
        candidates.push({ version: other.version, recomputed: aligned });
      } catch (error) {
        failed[other.version] = error instanceof Error ? error.message : String(error);
      }
    }
    const reproducedBy = findReproducingVersions(logged, candidates, {
      tolerance: { atol: parity.atol, rtol: parity.rtol },
      minShare: REPRODUCTION_SHARE,
    }).map((r) => ({ version: r.version, share: r.share }));
    const first = reproducedBy[0];
    const tried = candidates.map((c) => c.version);
    if (first) {
      const message = `traffic logged as version ${version.version} matches version ${first.version} on ${(100 * first.share).toFixed(1)}% of the mismatching rows: wrong version deployed?`;
      return { reproducedBy, tried, failed, message };
    }
    const attribution = parity.attribution.enabled
      ? await this.attribute(version, loaded, sample, mismatchIndices, parity, window)
      : undefined;
    const noVersion =
      others.length === 0
        ? 'no other version with an ONNX artifact to compare with'
        : 'no registered version reproduces the mismatching scores';
    const message = attribution?.description
      ? `${noVersion}; ${attribution.description}`
      : `${noVersion}: look for skew in the serving code (feature scaling, defaults)`;
    return { reproducedBy, tried, failed, message, ...(attribution ? { attribution } : {}) };
  }

  /**
   * Tests hypotheses of serving skew (a feature scaled, two swapped, one
   * served as a constant, a category remapped) on a sample of the
   * mismatching rows, re-scored with the version's own session.
   */
  private async attribute(
    version: StoredModelVersion,
    loaded: LoadedModel,
    sample: SampledWindow,
    mismatchIndices: readonly number[],
    parity: CheckSettings['parity'],
    window: CheckWindow,
  ): Promise<SkewAttribution> {
    const { budgetMs, sampleRows } = parity.attribution;
    // Seeded by the window, so re-running the same window tests the same rows.
    const picked = seededSample(mismatchIndices.length, sampleRows, window.startMs % 2 ** 32);
    const indices = picked.map((i) => mismatchIndices[i]!);
    const plan = loaded.planInputs(version.features);
    return attributeSkew({
      features: version.features,
      rows: selectRows(sample.rows, indices),
      logged: indices.map((i) => sample.columns.scores[i] ?? Number.NaN),
      mismatchingRows: mismatchIndices.length,
      score: async (rows) => {
        const inputs = assembleInputs(plan, rows);
        const scores = await loaded.score(inputs);
        const aligned = new Float64Array(rows.rowCount).fill(Number.NaN);
        inputs.rowIndex.forEach((row, i) => (aligned[row] = scores[i]!));
        return aligned;
      },
      tolerance: { atol: parity.atol, rtol: parity.rtol },
      // The whole sampled window, mostly unskewed rows, stands in for the
      // reference: its means, medians and categories are what serving sees.
      profile: profileRows(version.features, sample.rows),
      now: () => performance.now(),
      budgetMs,
    });
  }
}
