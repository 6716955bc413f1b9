/** Check runs as stored and served: one execution of one check on one window. */

export type CheckKind = 'drift' | 'performance' | 'parity' | 'shadow';
export const CHECK_KINDS: readonly CheckKind[] = ['drift', 'performance', 'parity', 'shadow'];

export type RunStatus = 'ok' | 'drift' | 'insufficient_data' | 'degraded' | 'error';
export type RunTrigger = 'schedule' | 'manual';

/** One (feature, test) row: the result shape shared by every test. */
export interface RunResult {
  feature: string;
  test: string;
  status: string;
  statistic: number | null;
  pValue: number | null;
  adjustedPValue: number | null;
  effectSize: number | null;
  drifted: boolean;
  nReference: number;
  nCurrent: number;
  missingCurrent: number;
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
