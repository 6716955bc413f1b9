/**
 * Seeded data from a known logistic model, for the calibration and
 * estimated-performance tests: two standard-normal features (their means
 * can be moved), true P(y = 1 | x) = σ(2·x1 − x2 − 1), labels drawn from it,
 * and a model score σ(0.6 · logit) that ranks rows correctly but is
 * under-confident (isotonic calibration on the reference repairs it). A
 * score ≥ 0.5 is exactly a true probability ≥ 0.5.
 */
import { createRandom } from '../../../src/stats/index.js';

export interface LogisticSample {
  scores: Float64Array;
  labels: Uint8Array;
  x1: Float64Array;
}

export interface LogisticOptions {
  /** Mean of x1 (covariate shift); default 0. */
  x1Mean?: number;
  /** Mean of x2 (covariate shift); default 0. */
  x2Mean?: number;
  /** Labels of rows with x1 above this are flipped (concept shift); default none. */
  flipAbove?: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function logisticSample(
  n: number,
  seed: number,
  options: LogisticOptions = {},
): LogisticSample {
  const random = createRandom(seed);
  const scores = new Float64Array(n);
  const labels = new Uint8Array(n);
  const x1s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = (options.x1Mean ?? 0) + random.normal();
    const x2 = (options.x2Mean ?? 0) + random.normal();
    const logit = 2 * x1 - x2 - 1;
    let label = random.next() < sigmoid(logit) ? 1 : 0;
    if (options.flipAbove !== undefined && x1 > options.flipAbove) label = 1 - label;
    labels[i] = label;
    scores[i] = sigmoid(0.6 * logit);
    x1s[i] = x1;
  }
  return { scores, labels, x1: x1s };
}
