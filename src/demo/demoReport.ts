/**
 * What the demo says about the runs it sees: one line per finished run, with
 * its page, and the summary's verdicts — drift, the parity skew and its
 * culprit, a drift confined to a segment, the estimated AUC beside the
 * realised one.
 */
import type { CheckKind, RunStatus, RunView } from '../core/run.js';
import { DEMO_MODEL, DEMO_VERSION, SKEW_FACTOR, STALE_POD } from './scenario.js';

export interface DemoRunCount {
  kind: CheckKind;
  status: RunStatus;
  count: number;
}

export interface DemoOutcome {
  url: string;
  predictionsShipped: number;
  /** Runs of every kind and status (scheduled and manual). */
  runCounts: DemoRunCount[];
  /** Some drift run had status `drift`. */
  driftDetected: boolean;
  /** Some parity run had status `degraded`. */
  parityDegraded: boolean;
  /** Final on-demand runs: id and status. */
  finalDrift: RunView | undefined;
  finalParity: RunView | undefined;
  finalPerformance: RunView | undefined;
  /** A drift found in a segment and not in the whole window (the stale pod), as one line. */
  segmentOnlyDrift: string | null;
}

/** One line about a finished run, with where to look: its page in the web UI. */
export function describeRun(run: RunView, baseUrl: string): string {
  const link = `${baseUrl}/runs/${run.id}`;
  const how = run.trigger === 'manual' ? 'on-demand ' : '';
  if (run.status === 'error')
    return `${how}${run.kind} run ${run.id}: error (${run.error}) — ${link}`;
  if (run.status === 'insufficient_data') {
    return `${how}${run.kind} run ${run.id}: insufficient data (${run.rows ?? 0} rows in the window) — ${link}`;
  }
  if (run.kind === 'drift') {
    const drifted = [
      ...new Set(
        (run.results ?? [])
          .filter((r) => r.drifted && (r.segment === null || r.segment === undefined))
          .map((r) => r.feature),
      ),
    ];
    const detail =
      drifted.length > 0
        ? `, drifted features ${drifted.map((f) => (f === '__score__' ? 'score' : f)).join(', ')}`
        : '';
    const confined = segmentOnlyDrift(run);
    const segments = confined ? `; only in a segment: ${confined}` : '';
    return `${how}drift run ${run.id}: status ${run.status} on ${run.rows ?? 0} rows${detail}${segments} — ${link}`;
  }
  if (run.kind === 'parity') {
    const count = (value: unknown): string => (typeof value === 'number' ? String(value) : '?');
    const s = run.summary;
    const ratio = typeof s.mismatchRatio === 'number' ? (s.mismatchRatio * 100).toFixed(1) : '?';
    const named = skewNamed(run);
    return `${how}parity run ${run.id}: status ${run.status}, ${count(s.mismatches)} of ${count(s.rowsChecked)} re-scored rows mismatch (${ratio} %)${named ? `; ${named}` : ''} — ${link}`;
  }
  if (run.kind === 'performance') {
    const auc = estimatedAuc(run);
    return `${how}performance run ${run.id}: status ${run.status}${auc ? `, ${auc}` : ''} — ${link}`;
  }
  return `${how}${run.kind} run ${run.id}: status ${run.status} — ${link}`;
}

/**
 * The drifts a run found in a segment but not in the whole window, as
 * `tag:pod=pod-d (support_calls)`; null when there are none.
 */
export function segmentOnlyDrift(run: RunView | undefined): string | null {
  const results = run?.results ?? [];
  const whole = new Set(
    results
      .filter((r) => r.drifted && (r.segment === null || r.segment === undefined))
      .map((r) => r.feature),
  );
  const bySegment = new Map<string, Set<string>>();
  for (const r of results) {
    if (!r.drifted || r.segment === null || r.segment === undefined || whole.has(r.feature))
      continue;
    const features = bySegment.get(r.segment) ?? new Set<string>();
    features.add(r.feature);
    bySegment.set(r.segment, features);
  }
  if (bySegment.size === 0) return null;
  return [...bySegment]
    .map(([segment, features]) => `${segment} (${[...features].join(', ')})`)
    .join('; ');
}

/**
 * A performance run's estimated ROC AUC with its band, and the realised AUC
 * beside it once labels have arrived; null when the run has no estimate.
 */
export function estimatedAuc(run: RunView | undefined): string | null {
  const estimated = run?.summary.estimated as
    { metrics?: Record<string, Record<string, unknown>> } | undefined;
  const auc = estimated?.metrics?.roc_auc;
  const value = (key: string): number | null => {
    const found = auc?.[key];
    return typeof found === 'number' ? found : null;
  };
  const estimate = value('estimate');
  if (estimate === null) return null;
  const lower = value('lower');
  const upper = value('upper');
  const realised = value('realised');
  const band =
    lower === null || upper === null ? '' : ` (band ${lower.toFixed(3)}–${upper.toFixed(3)})`;
  const labelled = run?.summary.labelledRows;
  const outside =
    realised !== null && lower !== null && upper !== null && (realised < lower || realised > upper)
      ? ' — outside the band: P(label | score) moved (concept drift, or scores computed wrongly)'
      : '';
  return `estimated AUC ${estimate.toFixed(3)}${band}, ${
    realised === null
      ? 'no labels yet'
      : `realised ${realised.toFixed(3)} on ${typeof labelled === 'number' ? labelled : '?'} labels${outside}`
  }`;
}

/** The input change a parity run's skew attribution named, as one line; null when none. */
export function skewNamed(run: RunView | undefined): string | null {
  const diagnosis = run?.summary.diagnosis as
    { attribution?: { description?: unknown } | null } | undefined;
  const description = diagnosis?.attribution?.description;
  return typeof description === 'string' ? description : null;
}

/** The summary table and verdicts. */
export function summaryLines(outcome: DemoOutcome): string[] {
  const lines = ['', 'summary of the runs', '', '  kind         status              runs'];
  for (const { kind, status, count } of outcome.runCounts) {
    lines.push(`  ${kind.padEnd(13)}${status.padEnd(20)}${String(count).padStart(4)}`);
  }
  lines.push('');
  lines.push(
    outcome.driftDetected
      ? `  drift detected: yes (final drift run ${outcome.finalDrift?.id ?? '-'}: ${outcome.finalDrift?.status ?? '-'})`
      : '  drift detected: NO — expected drift in tenure_months and payment_method',
  );
  lines.push(
    outcome.parityDegraded
      ? `  parity failures detected: yes, degraded (final parity run ${outcome.finalParity?.id ?? '-'}: ${outcome.finalParity?.status ?? '-'})`
      : '  parity failures detected: NO — expected the serving skew to degrade parity',
  );
  if (outcome.parityDegraded) {
    const named = skewNamed(outcome.finalParity);
    lines.push(
      named
        ? `  serving skew named: ${named}`
        : `  serving skew named: NO — expected monthly_charges ×${SKEW_FACTOR} in the final parity run`,
    );
  }
  lines.push(
    outcome.segmentOnlyDrift
      ? `  drift only in a segment: ${outcome.segmentOnlyDrift}`
      : `  drift only in a segment: NO — expected ${STALE_POD}'s support_calls in segment tag:pod=${STALE_POD}`,
  );
  const auc = estimatedAuc(outcome.finalPerformance);
  lines.push(
    auc
      ? `  performance before labels: ${auc} (final performance run ${outcome.finalPerformance?.id ?? '-'})`
      : '  performance before labels: NO estimate — expected the labelled reference to calibrate one',
  );
  lines.push(
    `  ${outcome.predictionsShipped} predictions stored; runs at ${outcome.url}/models/${DEMO_MODEL}/versions/${DEMO_VERSION} (web UI) and ${outcome.url}/v1/models/${DEMO_MODEL}/runs (JSON)`,
  );
  return lines;
}
