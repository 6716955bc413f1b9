/**
 * The readable form of a check run for the terminal: a header line, one line
 * per feature (decisive test, corrected p-value, effect size, PSI, missing
 * share, verdict) or per metric, and the dataset and score verdicts.
 */
import type { RunResultView, RunView } from '../core/run.js';

function fixed(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(1);
  return value.toFixed(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
        )
        .join('  '),
    )
    .join('\n');
}

const DECISIVE = new Set(['ks', 'chi_square']);
const SCORE_FEATURE = '__score__';

function driftLines(run: RunView): string[] {
  // The whole window's rows; segments get one line each below.
  const results = (run.results ?? []).filter((r) => r.segment === null || r.segment === undefined);
  const byFeature = new Map<string, Map<string, RunResultView>>();
  for (const result of results) {
    const tests = byFeature.get(result.feature) ?? new Map<string, RunResultView>();
    tests.set(result.test, result);
    byFeature.set(result.feature, tests);
  }
  const rows: string[][] = [
    ['feature', 'test', 'statistic', 'p (adj.)', 'effect', 'psi', 'missing', 'n cur', 'verdict'],
  ];
  for (const [feature, tests] of byFeature) {
    const decisive = [...tests.values()].find((r) => DECISIVE.has(r.test));
    if (!decisive) continue;
    const total = decisive.n_current + decisive.missing_current;
    const verdict =
      decisive.status === 'insufficient_data'
        ? 'insufficient data'
        : decisive.drifted
          ? 'DRIFT'
          : 'ok';
    rows.push([
      feature === SCORE_FEATURE ? '(score)' : feature,
      decisive.test,
      fixed(decisive.statistic),
      fixed(feature === SCORE_FEATURE ? decisive.p_value : decisive.adjusted_p_value),
      fixed(decisive.effect_size),
      fixed(tests.get('psi')?.statistic),
      total > 0 ? `${((100 * decisive.missing_current) / total).toFixed(1)}%` : '-',
      String(decisive.n_current),
      verdict,
    ]);
  }
  const lines = [table(rows)];
  const dataset = run.summary.dataset as
    | {
        share: number;
        drifted: boolean;
        driftedFeatures: number;
        testedFeatures: number;
        threshold: number;
      }
    | undefined;
  if (dataset) {
    lines.push(
      `dataset drift: ${dataset.driftedFeatures}/${dataset.testedFeatures} features drifted (share ${fixed(dataset.share, 2)}, threshold ${fixed(dataset.threshold, 2)}) → ${dataset.drifted ? 'DRIFT' : 'no'}`,
    );
  }
  const approximation = run.summary.approximation as { ksErrorBound?: number } | undefined;
  if (run.path === 'approximate' && approximation?.ksErrorBound !== undefined) {
    lines.push(
      `approximate path: KS statistics within ${fixed(approximation.ksErrorBound)} of exact`,
    );
  }
  if (run.path === 'summaries' && approximation?.ksErrorBound !== undefined) {
    lines.push(
      `minute-summary path: KS statistics within ${fixed(approximation.ksErrorBound)} of exact (99 %)`,
    );
  }
  const segments = Array.isArray(run.summary.segments)
    ? (run.summary.segments as {
        segment?: unknown;
        rows?: unknown;
        status?: unknown;
        driftedFeatures?: unknown;
      }[])
    : [];
  for (const segment of segments) {
    const drifted = Array.isArray(segment.driftedFeatures)
      ? segment.driftedFeatures.join(', ')
      : '';
    lines.push(
      `segment ${String(segment.segment)}: ${String(segment.rows)} rows → ${segment.status === 'drift' ? `DRIFT (${drifted})` : String(segment.status)}`,
    );
  }
  return lines;
}

function performanceLines(run: RunView): string[] {
  const rows: string[][] = [['metric', 'value', 'labelled rows', 'verdict']];
  for (const result of run.results ?? []) {
    rows.push([
      result.test,
      fixed(result.statistic),
      String(result.n_current),
      result.status === 'insufficient_data'
        ? 'insufficient data'
        : result.drifted
          ? 'BELOW FLOOR'
          : 'ok',
    ]);
  }
  const lines = [table(rows)];
  const breaches = run.summary.breaches as string[] | undefined;
  if (breaches && breaches.length > 0) lines.push(`floors breached: ${breaches.join('; ')}`);
  return lines;
}

function parityLines(run: RunView): string[] {
  const s = run.summary;
  const byReason = (s.unscorableByReason as Record<string, number> | undefined) ?? {};
  const reasons = Object.entries(byReason).map(([reason, count]) => `${reason}: ${count}`);
  const lines = [
    `re-scored ${String(s.rowsChecked)} of ${String(s.sampledRows)} sampled rows: ${String(s.mismatches)} mismatch (ratio ${fixed(s.mismatchRatio as number | null)}, limit ${fixed(s.maxMismatchRatio as number | null)}), max |diff| ${fixed(s.maxAbsDiff as number | null, 6)}, p99 ${fixed(s.p99AbsDiff as number | null, 6)}`,
    `unscorable rows: ${String(s.unscorableRows)}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`,
  ];
  const worst =
    (s.worst as { requestId: string; logged: number; recomputed: number }[] | undefined) ?? [];
  if (worst.length > 0 && Number(s.mismatches) > 0) {
    lines.push('worst rows:');
    for (const row of worst.slice(0, 5)) {
      lines.push(
        `  ${row.requestId}  logged ${fixed(row.logged, 6)}  model ${fixed(row.recomputed, 6)}`,
      );
    }
  }
  const diagnosis = s.diagnosis as { message?: string } | undefined;
  if (diagnosis?.message) lines.push(`diagnosis: ${diagnosis.message}`);
  const attribution = (diagnosis as { attribution?: Record<string, unknown> } | undefined)
    ?.attribution;
  if (attribution) {
    lines.push(
      `skew search: ${String(attribution.hypothesesTried)} hypotheses on ${String(attribution.sampleRows)} of ${String(attribution.mismatchingRows)} mismatching rows in ${Math.round(Number(attribution.elapsedMs))} ms${attribution.budgetExhausted === true ? ' (stopped: time budget spent)' : ''}`,
    );
  }
  return lines;
}

function shadowLines(run: RunView): string[] {
  const s = run.summary;
  const ks = s.ks as { statistic: number; pValue: number } | null | undefined;
  return [
    `challenger version ${String(s.challenger)} on ${String(s.comparedRows)} rows: decisions agree on ${fixed(s.agreement as number | null)} of them`,
    `score |diff|: mean ${fixed(s.meanAbsDiff as number | null, 6)}, max ${fixed(s.maxAbsDiff as number | null, 6)}; KS D ${fixed(ks?.statistic)} (p ${fixed(ks?.pValue)})`,
  ];
}

export function formatRun(run: RunView): string {
  const header =
    `run ${run.id}  ${run.model} version ${run.model_version}  ${run.kind}  status ${run.status.toUpperCase()}\n` +
    `window ${run.window.start} → ${run.window.end}  rows ${run.rows ?? '-'}${run.path ? ` (${run.path})` : ''}`;
  if (run.status === 'error') return `${header}\nerror: ${run.error ?? 'unknown'}`;
  const body =
    run.kind === 'drift'
      ? driftLines(run)
      : run.kind === 'parity'
        ? parityLines(run)
        : run.kind === 'shadow'
          ? shadowLines(run)
          : performanceLines(run);
  return [header, ...body].join('\n');
}
