/** What every kind of check provides to the check service. */
import type { CheckSettings } from '../config/checksSchema.js';
import type { StoredModelVersion } from '../core/model.js';
import type { CheckKind, RunResult, RunStatus } from '../core/run.js';

export interface CheckWindow {
  startMs: number;
  endMs: number;
}

/** The part of a run a check computes; the service adds identity, timing and storage. */
export interface CheckOutcome {
  status: RunStatus;
  /** `exact` / `approximate` for drift runs; null elsewhere. */
  path: string | null;
  /** Rows in (or sampled from) the window. */
  rows: number | null;
  summary: Record<string, unknown>;
  results: RunResult[];
}

export interface CheckRunner {
  readonly kind: CheckKind;
  /** The configured window of this kind for a model. */
  windowSeconds(settings: CheckSettings): number;
  run(
    version: StoredModelVersion,
    settings: CheckSettings,
    window: CheckWindow,
  ): Promise<CheckOutcome>;
}
