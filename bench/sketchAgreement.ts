/**
 * Agreement of the `summaries` drift path with the exact path (the table in
 * docs/statistics.md): a 100,000-row N(0, 1) reference; windows of 300,000
 * and 1,000,000 values cut into 1,440 minutes of 1,000-row batches, as
 * ingest stores them; |D̂ − D|, the bound, W₁ and PSI differences, verdicts.
 *
 *   npx tsx bench/sketchAgreement.ts
 */
import { buildReferenceProfile, evaluateDrift } from '../src/drift/index.js';
import {
  buildMinuteSummaries,
  mergeMinuteWindow,
  evaluateDriftFromMinuteSummary,
  type MinuteSummaryRow,
} from '../src/drift/minute/index.js';
import type { SketchApproximation } from '../src/drift/types.js';
import { createRandom } from '../src/stats/index.js';
const r = createRandom(5);
const ref = Float64Array.from({ length: 100_000 }, () => r.normal());
const profile = buildReferenceProfile([{ name: 'x', type: 'numeric' }], { x: ref });
for (const [label, gen] of [
  ['same', () => r.normal()],
  ['shift0.1', () => r.normal() + 0.1],
  ['scale1.2', () => 1.2 * r.normal()],
  ['rounded', () => Math.round(3 * r.normal())],
] as const) {
  for (const n of [300_000, 1_000_000]) {
    const values = Float64Array.from({ length: n }, gen);
    const rows: MinuteSummaryRow[] = Array.from(values, (v, i) => ({
      model: 'm',
      version: '1',
      epochMs: Math.floor(i / (n / 1440)) * 60_000,
      requestId: `r${i}`,
      numValues: [v],
      catValues: [],
      score: null,
    }));
    const partials = [];
    for (let i = 0; i < rows.length; i += 1000)
      for (const b of buildMinuteSummaries(rows.slice(i, i + 1000), () => ({
        numeric: ['x'],
        categorical: [],
      })))
        partials.push({ minuteMs: b.minuteMs, summary: b.summary });
    const { report } = evaluateDriftFromMinuteSummary({
      reference: profile,
      summary: mergeMinuteWindow(partials).summary,
    });
    const exact = evaluateDrift({ reference: profile, current: { features: { x: values } } });
    const a = (report.approximation as SketchApproximation).features[0]!;
    const w = (f: typeof report) => f.results.find((x) => x.test === 'wasserstein')!.effectSize!;
    const psi = (f: typeof report) => f.results.find((x) => x.test === 'psi')!.statistic!;
    console.log(
      label,
      n,
      'dD',
      Math.abs(
        report.features[0]!.decisive.statistic! - exact.features[0]!.decisive.statistic!,
      ).toExponential(2),
      'bound',
      a.ksErrorBound!.toExponential(2),
      'p',
      exact.features[0]!.decisive.pValue!.toExponential(2),
      'range',
      a.pValueRange!.map((x) => x.toExponential(2)).join('..'),
      'dW',
      Math.abs(w(report) - w(exact)).toExponential(2),
      'Wbound',
      a.wassersteinErrorBound!.toExponential(2),
      'dPSI',
      Math.abs(psi(report) - psi(exact)).toExponential(2),
      'drift',
      report.features[0]!.drifted,
      exact.features[0]!.drifted,
    );
  }
}
