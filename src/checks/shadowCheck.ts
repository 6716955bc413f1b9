/**
 * Challenger shadowing: scores a sample of the serving version's logged
 * traffic with the challenger version's ONNX model and compares the two —
 * decision agreement at the serving version's threshold, score differences,
 * and the KS test between the two score distributions — so a team sees what
 * a new version would have done on real traffic before promoting it.
 */
import type { CheckSettings } from '../config/checksSchema.js';
import type { StoredModelVersion } from '../core/model.js';
import type { RunResult } from '../core/run.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import {
  compareChampionChallenger,
  featureRowsByName,
  prepareRows,
  type SessionCache,
} from '../scoring/index.js';
import type { Pool } from '../storage/pool.js';
import { CheckCannotRun } from './checkErrors.js';
import { rawSampleNote, type RawSampleLookup } from './rawSampleNote.js';
import type { CheckOutcome, CheckRunner, CheckWindow } from './checkRunner.js';
import { sampleWindow } from './parityCheck.js';

const SHADOW_FEATURE = '__shadow__';

function shadowRow(
  test: string,
  statistic: number | null,
  rows: number,
  skipped: number,
  pValue: number | null = null,
): RunResult {
  return {
    feature: SHADOW_FEATURE,
    test,
    status: statistic === null ? 'insufficient_data' : 'ok',
    statistic,
    pValue,
    adjustedPValue: null,
    effectSize: null,
    drifted: false,
    nReference: 0,
    nCurrent: rows,
    missingCurrent: skipped,
  };
}

export class ShadowCheck implements CheckRunner {
  readonly kind = 'shadow' as const;

  constructor(
    private readonly pool: Pool,
    private readonly sessions: SessionCache,
    private readonly registry: ModelRegistry,
    /** Which raw sample a window holds, for the run summary (none: not reported). */
    private readonly rawSample?: RawSampleLookup,
  ) {}

  windowSeconds(settings: CheckSettings): number {
    return settings.shadow?.windowSeconds ?? settings.parity.windowSeconds;
  }

  async run(
    version: StoredModelVersion,
    settings: CheckSettings,
    window: CheckWindow,
  ): Promise<CheckOutcome> {
    const shadow = settings.shadow;
    if (!shadow) {
      throw new CheckCannotRun(
        `${version.model} has no challenger: set models.settings.${version.model}.shadow.challenger`,
      );
    }
    if (shadow.challenger === version.version) {
      throw new CheckCannotRun(`version ${version.version} is the challenger itself`);
    }
    const challenger = await this.registry.get(version.model, shadow.challenger);
    if (!challenger)
      throw new CheckCannotRun(
        `challenger version ${shadow.challenger} of ${version.model} is not registered`,
      );
    if (!challenger.onnx)
      throw new CheckCannotRun(`challenger version ${shadow.challenger} has no ONNX artifact`);

    const loaded = await this.sessions.get(challenger.model, challenger.version, challenger.onnx);
    const sample = await sampleWindow(this.pool, version, window, shadow.sampleSize);
    // The logged rows follow the serving version's schema; the challenger
    // takes the features it knows by name.
    const rows = featureRowsByName(
      challenger.features,
      sample.columns.features,
      sample.columns.rows,
    );
    const inputs = prepareRows(loaded.planInputs(challenger.features), rows);
    const scores = await loaded.score(inputs);
    const challengerScores = new Float64Array(sample.columns.rows).fill(Number.NaN);
    inputs.rowIndex.forEach((row, i) => (challengerScores[row] = scores[i]!));
    const comparison = compareChampionChallenger({
      champion: sample.columns.scores,
      challenger: challengerScores,
      threshold: version.task === 'binary_classification' ? version.threshold : null,
    });
    return {
      status: comparison.rows === 0 ? 'insufficient_data' : 'ok',
      path: null,
      rows: sample.windowRows,
      summary: {
        challenger: challenger.version,
        sampledRows: sample.columns.rows,
        comparedRows: comparison.rows,
        skippedRows: comparison.skipped,
        unscorableByChallenger: inputs.unscorable.length,
        agreement: comparison.agreement,
        championOnlyPositive: comparison.championOnlyPositive,
        challengerOnlyPositive: comparison.challengerOnlyPositive,
        meanAbsDiff: comparison.meanAbsDiff,
        maxAbsDiff: comparison.maxAbsDiff,
        ks: comparison.ks,
        threshold: version.threshold,
        ...(await rawSampleNote(this.rawSample, version, window)),
      },
      results: [
        shadowRow('agreement', comparison.agreement, comparison.rows, comparison.skipped),
        shadowRow('mean_abs_diff', comparison.meanAbsDiff, comparison.rows, comparison.skipped),
        shadowRow('max_abs_diff', comparison.maxAbsDiff, comparison.rows, comparison.skipped),
        shadowRow(
          'ks',
          comparison.ks?.statistic ?? null,
          comparison.rows,
          comparison.skipped,
          comparison.ks?.pValue ?? null,
        ),
      ],
    };
  }
}
