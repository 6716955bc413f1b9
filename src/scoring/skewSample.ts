/**
 * What skew attribution (skewAttribution.ts) draws on besides the model: the
 * profile its constants and categories come from, and the seeded sample of
 * mismatching rows it tests. Pure.
 */
import type { FeatureSpec } from '../core/model.js';
import type { ColumnarFeatureRows } from './inputAssembler.js';
import type { FeatureProfile } from './skewAttribution.js';

/**
 * Mean, median and categories (most frequent first, at most `maxCategories`)
 * of the given rows: the profile constants and remaps are drawn from.
 */
export function profileRows(
  features: readonly FeatureSpec[],
  rows: ColumnarFeatureRows,
  maxCategories = 20,
): FeatureProfile {
  const numeric: Record<string, { mean: number; median: number }> = {};
  const categories: Record<string, string[]> = {};
  features.forEach((feature, f) => {
    const source = rows.columns[f] ?? [];
    if (feature.type === 'numeric') {
      const values: number[] = [];
      for (let i = 0; i < rows.rowCount; i++) {
        const x = source[i];
        if (typeof x === 'number' && Number.isFinite(x)) values.push(x);
      }
      if (values.length === 0) return;
      values.sort((a, b) => a - b);
      const mid = values.length >> 1;
      const median = values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
      numeric[feature.name] = { mean: values.reduce((a, b) => a + b, 0) / values.length, median };
    } else {
      const counts = new Map<string, number>();
      for (let i = 0; i < rows.rowCount; i++) {
        const x = source[i];
        if (typeof x === 'string') counts.set(x, (counts.get(x) ?? 0) + 1);
      }
      categories[feature.name] = [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, maxCategories)
        .map(([category]) => category);
    }
  });
  return { numeric, categories };
}

/**
 * `k` of `0..n-1`, ascending, chosen by a seeded generator (mulberry32) so
 * that the same run window gives the same sample.
 */
export function seededSample(n: number, k: number, seed: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}
