/**
 * Aligning two category → count maps on one list of buckets, shared by the
 * chi-square test, Jensen–Shannon distance and PSI on categorical features.
 */
import { countMap } from './validate.js';

export type UnseenCategoryHandling = 'bucket' | 'separate';

export interface AlignedCounts {
  /** Bucket labels; `null` labels the single bucket of unseen categories. */
  labels: (string | null)[];
  reference: number[];
  current: number[];
  /** Current count in categories the reference never saw (count 0 or absent). */
  unseenCurrent: number;
}

/**
 * Aligns counts on the reference's categories (in key order) followed by the
 * categories seen only in the current window, either all in one `null`
 * bucket (`bucket`, the default: a flood of new free-text values is one
 * signal, not hundreds of degrees of freedom) or one bucket each (`separate`).
 * Buckets empty in both maps are dropped, as a contingency test cannot use a
 * column whose expected counts are 0.
 */
export function alignCategoryCounts(
  referenceCounts: Readonly<Record<string, number>>,
  currentCounts: Readonly<Record<string, number>>,
  unseen: UnseenCategoryHandling = 'bucket',
): AlignedCounts {
  countMap('referenceCounts', referenceCounts);
  countMap('currentCounts', currentCounts);
  const labels: (string | null)[] = [];
  const reference: number[] = [];
  const current: number[] = [];
  for (const [key, count] of Object.entries(referenceCounts)) {
    if (count <= 0) continue;
    const cur = Object.hasOwn(currentCounts, key) ? currentCounts[key]! : 0;
    labels.push(key);
    reference.push(count);
    current.push(cur);
  }
  let unseenCurrent = 0;
  for (const [key, count] of Object.entries(currentCounts)) {
    if (count <= 0) continue;
    const ref = Object.hasOwn(referenceCounts, key) ? referenceCounts[key]! : 0;
    if (ref > 0) continue;
    unseenCurrent += count;
    if (unseen === 'separate') {
      labels.push(key);
      reference.push(0);
      current.push(count);
    }
  }
  if (unseen === 'bucket' && unseenCurrent > 0) {
    labels.push(null);
    reference.push(0);
    current.push(unseenCurrent);
  }
  return { labels, reference, current, unseenCurrent };
}
