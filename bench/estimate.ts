/**
 * Label-free performance estimation (CBPE) benchmark: one performance run's
 * estimate on a 200k-row labelled reference and a 200k-row window — the
 * whole window, then 22 segments of it (a `by` with top 20 plus `__other__`
 * and a second `by` with one value), as src/checks/performanceEstimate.ts
 * does. Best of N repeats; prints seconds, not assertions.
 *
 * As the check does, the reference is prepared once per run
 * (prepareEstimateReference: validated, arranged) and shared by the whole
 * window and the segments; the time of preparing it is inside "whole window".
 *
 *   npx tsx bench/estimate.ts
 */
import { performance } from 'node:perf_hooks';
import {
  buildCalibration,
  estimatePerformance,
  estimatePerformanceSegments,
  prepareEstimateReference,
} from '../src/drift/index.js';
import { createRandom } from '../src/stats/index.js';

const REFERENCE_ROWS = 200_000;
const WINDOW_ROWS = 200_000;
const REPEATS = 3;

// Scores rounded to 3 decimals (many ties, as logged scores have); labels
// drawn with P(label = 1) = score, so the calibration is near the diagonal.
const random = createRandom(7);
const referenceScores = new Float64Array(REFERENCE_ROWS);
const referenceLabels = new Uint8Array(REFERENCE_ROWS);
for (let i = 0; i < REFERENCE_ROWS; i++) {
  const score = Math.round(1000 / (1 + Math.exp(-random.normal() * 1.5))) / 1000;
  referenceScores[i] = score;
  referenceLabels[i] = random.next() < score ? 1 : 0;
}
const windowScores = new Float64Array(WINDOW_ROWS);
const country: string[] = [];
const plan: string[] = [];
for (let i = 0; i < WINDOW_ROWS; i++) {
  windowScores[i] = Math.round(1000 / (1 + Math.exp(-(0.2 + random.normal() * 1.5)))) / 1000;
  // 30 countries with falling shares: the top 20 and __other__ are 21 segments.
  country.push(`c${Math.floor(30 * random.next() ** 2)}`);
  plan.push('all');
}
const calibration = buildCalibration(referenceScores, referenceLabels);
const raw = { scores: referenceScores, labels: referenceLabels };
const base = { calibration, threshold: 0.5, seed: 12345 };

/** Best of REPEATS; `run` may return the moment its timed part started. */
function best(run: () => number | void): number {
  let fastest = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const called = performance.now();
    const start = run() ?? called;
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest / 1000;
}

let segmentsCount = 0;
let reference = prepareEstimateReference(calibration, raw);
const whole = best(() => {
  // A fresh run: a fresh preparation (and no sampling errors memoised yet).
  reference = prepareEstimateReference(calibration, raw);
  estimatePerformance({ ...base, reference, scores: windowScores });
});
const segments = best(() => {
  // Each repeat as the check runs it: after the whole window, same prepared reference.
  reference = prepareEstimateReference(calibration, raw);
  estimatePerformance({ ...base, reference, scores: windowScores });
  const start = performance.now();
  segmentsCount = estimatePerformanceSegments({
    base: { ...base, reference },
    scores: windowScores,
    bys: [
      { by: 'country', top: 20, values: country },
      { by: 'plan', top: 20, values: plan },
    ],
    floors: {},
    minRows: 100,
  }).length;
  return start;
});
console.log(
  `CBPE reference ${REFERENCE_ROWS} rows, window ${WINDOW_ROWS} rows (best of ${REPEATS}):\n` +
    `  whole window            ${whole.toFixed(3)} s\n` +
    `  ${segmentsCount} segments             ${segments.toFixed(3)} s\n` +
    `  whole window + segments ${(whole + segments).toFixed(3)} s`,
);
