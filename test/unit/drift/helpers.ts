/** Seeded data for the drift tests. */
import { createRandom, type SeededRandom } from '../../../src/stats/index.js';

export function normalSample(random: SeededRandom, n: number, mean = 0, sd = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * random.normal();
  return out;
}

export function categoricalSample(
  random: SeededRandom,
  n: number,
  weights: Record<string, number>,
): string[] {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let u = random.next() * total;
    let chosen = entries[entries.length - 1]![0];
    for (const [key, w] of entries) {
      if (u < w) {
        chosen = key;
        break;
      }
      u -= w;
    }
    out.push(chosen);
  }
  return out;
}

export { createRandom };
