/**
 * The wire shape of a check run: `runView` builds the {@link RunView} every
 * run endpoint answers with, and `runViewSchema` describes the same JSON for
 * the OpenAPI document. The schema's output type must be exactly RunView
 * (checked here by `satisfies` and in test/unit/http/runView.test.ts).
 */
import { z } from 'zod';
import {
  CHECK_KINDS,
  RUN_STATUSES,
  RUN_TRIGGERS,
  type CheckKind,
  type CheckRun,
  type RunResult,
  type RunResultView,
  type RunView,
} from '../core/run.js';

function resultView(result: RunResult): RunResultView {
  return {
    feature: result.feature,
    test: result.test,
    status: result.status,
    statistic: result.statistic,
    p_value: result.pValue,
    adjusted_p_value: result.adjustedPValue,
    effect_size: result.effectSize,
    drifted: result.drifted,
    n_reference: result.nReference,
    n_current: result.nCurrent,
    missing_current: result.missingCurrent,
    segment: result.segment ?? null,
  };
}

/** The summary without the distribution snapshots, which only a single run's page draws. */
function listedSummary(summary: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(summary, 'distributions')) return summary;
  const rest = { ...summary };
  delete rest.distributions;
  return rest;
}

/**
 * The run as the API serves it; run lists leave the results and the
 * distribution snapshots (`summary.distributions`) out.
 */
export function runView(run: CheckRun, withResults: boolean): RunView {
  return {
    id: run.id,
    model: run.model,
    model_version: run.version,
    kind: run.kind,
    trigger: run.trigger,
    status: run.status,
    window: { start: run.windowStart.toISOString(), end: run.windowEnd.toISOString() },
    path: run.path,
    rows: run.rows,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    duration_ms: run.finishedAt.getTime() - run.startedAt.getTime(),
    error: run.error,
    summary: withResults ? run.summary : listedSummary(run.summary),
    ...(withResults ? { results: run.results.map(resultView) } : {}),
    links: { self: `/v1/runs/${run.id}`, page: `/runs/${run.id}` },
  };
}

export const runResultViewSchema = z
  .strictObject({
    feature: z.string().meta({ description: 'Feature name; `__score__` for the model score' }),
    test: z
      .string()
      .meta({ description: 'The test (drift runs) or metric (performance, parity, shadow)' }),
    status: z.string(),
    statistic: z.number().nullable(),
    p_value: z.number().nullable(),
    adjusted_p_value: z
      .number()
      .nullable()
      .meta({ description: "p-value after the policy's correction across the run's features" }),
    effect_size: z.number().nullable(),
    drifted: z.boolean().meta({ description: "Whether this row's own rule fired" }),
    n_reference: z.number().int().meta({ description: 'Non-missing values in the reference' }),
    n_current: z.number().int().meta({ description: 'Non-missing values in the window' }),
    missing_current: z.number().int().meta({ description: 'Missing values in the window' }),
    segment: z.string().nullable().meta({
      description:
        'The segment of the row, `<by>=<value>` (e.g. `plan=basic`, `tag:pod=__other__`); null for the whole window (docs/checks.md, "Segments")',
    }),
  })
  .meta({ description: 'One (feature, test) row of a run' }) satisfies z.ZodType<RunResultView>;

export const runViewSchema = z
  .strictObject({
    id: z.number().int(),
    model: z.string(),
    model_version: z.string(),
    kind: z.enum(CHECK_KINDS as [CheckKind, ...CheckKind[]]),
    trigger: z.enum(RUN_TRIGGERS),
    status: z.enum(RUN_STATUSES),
    window: z.strictObject({
      start: z.string().meta({ description: 'ISO 8601, UTC' }),
      end: z.string().meta({ description: 'ISO 8601, UTC (exclusive)' }),
    }),
    path: z.string().nullable().meta({
      description:
        'drift runs: exact (raw rows), summaries (minute summaries built at ingest) or approximate (hour summaries of rows ingested before minute summaries); null for other kinds',
    }),
    rows: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Rows in the window (on the summaries path: the summarised rows)' }),
    started_at: z.string(),
    finished_at: z.string(),
    duration_ms: z.number(),
    error: z.string().nullable(),
    summary: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Kind-specific figures (docs/checks.md)' }),
    results: z
      .array(runResultViewSchema)
      .optional()
      .meta({ description: 'Every result row; absent from run lists' }),
    links: z.strictObject({
      self: z.string(),
      page: z.string().meta({ description: 'The run page of the web UI' }),
    }),
  })
  .meta({ description: 'A check run' }) satisfies z.ZodType<RunView>;
