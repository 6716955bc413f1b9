/**
 * Check runs as stored and served: one execution of one check on one window.
 * `CheckRun` is the domain shape; `RunView` is the JSON the HTTP API serves
 * for it, which the CLI and the demo read back.
 */

export type CheckKind = 'drift' | 'performance' | 'parity' | 'shadow';
export const CHECK_KINDS: readonly CheckKind[] = ['drift', 'performance', 'parity', 'shadow'];

export const RUN_STATUSES = ['ok', 'drift', 'insufficient_data', 'degraded', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = ['schedule', 'manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * One (feature, test) row: the same shape for every test so that storage,
 * metrics and the API need one code path. Fields a test does not define (the
 * p-value of PSI, …) are null; with `insufficient_data` every statistic is
 * null and `drifted` is false.
 */
export interface RunResult {
  feature: string;
  test: string;
  status: string;
  statistic: number | null;
  pValue: number | null;
  /** p-value after the policy's correction across the run's features. */
  adjustedPValue: number | null;
  effectSize: number | null;
  /** Whether this row's own rule fired (see docs/statistics.md). */
  drifted: boolean;
  /** Non-missing values in the reference. */
  nReference: number;
  /** Non-missing values in the current window. */
  nCurrent: number;
  /** Missing values in the current window. */
  missingCurrent: number;
  /**
   * The segment the row belongs to, `<by>=<value>` (core/segments.ts);
   * null or absent for the rows of the whole window.
   */
  segment?: string | null;
}

export interface NewRun {
  model: string;
  version: string;
  kind: CheckKind;
  trigger: RunTrigger;
  windowStart: Date;
  windowEnd: Date;
  status: RunStatus;
  /** `exact` or `approximate` for drift runs. */
  path: string | null;
  rows: number | null;
  startedAt: Date;
  finishedAt: Date;
  summary: Record<string, unknown>;
  error: string | null;
  results: RunResult[];
}

export interface CheckRun extends NewRun {
  id: number;
}

/** A {@link RunResult} as the API serves it. */
export interface RunResultView {
  feature: string;
  test: string;
  status: string;
  statistic: number | null;
  p_value: number | null;
  adjusted_p_value: number | null;
  effect_size: number | null;
  drifted: boolean;
  n_reference: number;
  n_current: number;
  missing_current: number;
  /** `<by>=<value>` for a segment's rows (e.g. `plan=basic`); null for the whole window. */
  segment: string | null;
}

/**
 * A {@link CheckRun} as the API serves it (`GET /v1/runs/{id}`, the run list
 * of a model, `POST /v1/models/{model}/checks/{kind}/run`). Times are ISO 8601
 * strings in UTC.
 */
export interface RunView {
  id: number;
  model: string;
  model_version: string;
  kind: CheckKind;
  trigger: RunTrigger;
  status: RunStatus;
  window: { start: string; end: string };
  /** `exact` or `approximate` for drift runs. */
  path: string | null;
  rows: number | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  error: string | null;
  /** Kind-specific: dataset drift and approximation, performance floors, parity or shadow figures. */
  summary: Record<string, unknown>;
  /** Every result row; absent from run lists. */
  results?: RunResultView[];
  /** `self`: this JSON; `page`: the run page of the web UI. */
  links: { self: string; page: string };
}
