/**
 * Which retraining events a run causes, and the payload each carries. Pure:
 * the caller supplies the drift streak, the event id and the clock.
 */
import type { CheckRun } from '../core/run.js';
import type { WebhookEventType } from '../core/webhookEvent.js';

export type EventSource = 'check' | 'alertmanager';

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  dedupKey: string;
  model: string;
  version: string;
  runId: number | null;
  source: EventSource;
  payload: Record<string, unknown>;
}

const HOUR_MS = 3_600_000;

/**
 * `${event}:${model}:${version}:${window end hour}`: an event raised by a check
 * and the same event raised by Alertmanager for that check collapse into one.
 *
 * @example dedupKey('dataset_drift', 'churn', '3', new Date('2026-01-02T10:35:00Z'))
 *   // → 'dataset_drift:churn:3:2026-01-02T10'
 */
export function dedupKey(
  type: WebhookEventType,
  model: string,
  version: string,
  windowEnd: Date,
): string {
  const hour = new Date(Math.floor(windowEnd.getTime() / HOUR_MS) * HOUR_MS);
  return `${type}:${model}:${version}:${hour.toISOString().slice(0, 13)}`;
}

function datasetDrifted(run: CheckRun): boolean {
  const dataset = run.summary.dataset as { drifted?: unknown } | undefined;
  return run.kind === 'drift' && run.status === 'drift' && dataset?.drifted === true;
}

/** True for a drift run that found dataset drift (what the streak counts). */
export function isDatasetDriftRun(run: CheckRun): boolean {
  return datasetDrifted(run);
}

/**
 * The events of one stored run.
 *
 * - `dataset_drift`: a drift run with dataset drift, once `driftStreak`
 *   (consecutive such runs of the version, this one included) reaches
 *   `consecutiveDriftRuns`; one noisy window does not retrain.
 * - `score_drift`: a drift run whose score distribution drifted.
 * - `parity_broken`: a parity run that is `degraded` (mismatch ratio above the limit).
 * - `check_failed`: any run with status `error`.
 */
export function eventTypesForRun(
  run: CheckRun,
  driftStreak: number,
  consecutiveDriftRuns: number,
): WebhookEventType[] {
  const types: WebhookEventType[] = [];
  if (run.status === 'error') return ['check_failed'];
  if (datasetDrifted(run) && driftStreak >= consecutiveDriftRuns) types.push('dataset_drift');
  const score = run.summary.score as { drifted?: unknown } | null | undefined;
  if (run.kind === 'drift' && score?.drifted === true) types.push('score_drift');
  if (run.kind === 'parity' && run.status === 'degraded') types.push('parity_broken');
  return types;
}

export interface PayloadContext {
  eventId: string;
  createdAt: Date;
  /** Base of API and web UI links, e.g. `https://driftwatch.example.com` ('' gives paths). */
  baseUrl: string;
  source: EventSource;
  /** Extra fields (the streak, the Alertmanager alert). */
  extra?: Record<string, unknown>;
}

function withoutDistributions(summary: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(summary, 'distributions')) return summary;
  const rest = { ...summary };
  delete rest.distributions;
  return rest;
}

/** `[{segment, features}]` of the summary's segments that drifted. */
function driftedSegments(segments: unknown): { segment: string; features: string[] }[] {
  if (!Array.isArray(segments)) return [];
  return segments.flatMap((entry: unknown) => {
    const segment = entry as { segment?: unknown; status?: unknown; driftedFeatures?: unknown };
    if (segment.status !== 'drift' || typeof segment.segment !== 'string') return [];
    const features = Array.isArray(segment.driftedFeatures)
      ? segment.driftedFeatures.filter((f): f is string => typeof f === 'string')
      : [];
    return [{ segment: segment.segment, features }];
  });
}

/** The JSON body sent to targets (docs/webhooks.md, "Payload"). */
export function eventPayload(
  type: WebhookEventType,
  run: CheckRun,
  context: PayloadContext,
): Record<string, unknown> {
  const drifted = run.summary.driftedFeatures;
  return {
    id: context.eventId,
    event: type,
    created_at: context.createdAt.toISOString(),
    source: context.source,
    model: run.model,
    model_version: run.version,
    run_id: run.id,
    check_kind: run.kind,
    status: run.status,
    window: { start: run.windowStart.toISOString(), end: run.windowEnd.toISOString() },
    // The distribution snapshots are for the run page (links.page), not for receivers.
    summary: withoutDistributions(run.summary),
    drifted_features: Array.isArray(drifted) ? drifted : [],
    // A drift confined to a segment leaves drifted_features (the whole
    // window) empty: the segments that drifted, and their features.
    drifted_segments: driftedSegments(run.summary.segments),
    error: run.error,
    links: {
      run: `${context.baseUrl}/v1/runs/${run.id}`,
      page: `${context.baseUrl}/runs/${run.id}`,
    },
    ...context.extra,
  };
}
