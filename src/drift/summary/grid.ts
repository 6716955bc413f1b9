/**
 * The fine bin grid of a numeric feature's window summary, derived from the
 * reference profile alone so that every summary built against one reference
 * (every hour, every replica) uses the same bins and can be merged.
 *
 * Edges e₀ < e₁ < … < e_L:
 * - the type-7 quantiles of the reference at j/bins, j = 0 … bins (so e₀ is
 *   the reference min), together with the profile's PSI edges (`binEdges`;
 *   they are quantiles at i/10 and already on the grid when `bins` is a
 *   multiple of 10 — added anyway so PSI stays exact for any `bins`),
 *   repeated values removed;
 * - then one more edge, `nextUp(max)`, the smallest double above the
 *   reference max.
 *
 * Bins are half-open, as the PSI bins (`binIndex` = number of edges ≤ v):
 * bin 0 = (−∞, e₀) is the underflow (values below the reference min), bin k
 * = [e_{k−1}, e_k) for k = 1 … L, and bin L + 1 = [nextUp(max), ∞) is the
 * overflow (values above the reference max). Bin L is [max, nextUp(max)) =
 * {max}. So:
 * - out-of-range count = bin 0 + bin L + 1, exactly as `countOutside`;
 * - every bin lies inside one PSI bin (PSI edges are grid edges, both
 *   half-open), so the PSI counts are sums of fine counts, exactly;
 * - a reference atom (a value repeated more than ~n/bins times) is an edge,
 *   so discrete features get one bin per frequent value.
 */
import type { NumericFeatureProfile } from '../../core/referenceProfile.js';
import { countAtMost, quantileSorted } from '../../stats/index.js';

/** Default number of quantile steps of the grid (≈ 1/2000 of the reference per bin). */
export const DEFAULT_SUMMARY_BINS = 2000;

export interface SummaryGrid {
  /** Requested quantile steps (`bins` argument). */
  bins: number;
  /** Strictly increasing edges e₀ … e_L (see the module comment); empty for an empty reference. */
  edges: Float64Array;
  /** Number of bins: `edges.length + 1` (underflow and overflow included). */
  binCount: number;
  /** Reference values strictly below each edge. */
  referenceBelow: Float64Array;
  /** Reference values at or below each edge. */
  referenceAtOrBelow: Float64Array;
  /** Hash of the edges: summaries merge only when their fingerprints agree. */
  fingerprint: string;
  /** Lookup accelerator for {@link GridIndex}; not part of the grid's identity. */
  guide: GridGuide | null;
}

/**
 * A guide table (Chen & Asau 1974): `cells` equal-width cells over
 * [e₀, e_L); `first[c]` is the bin of the cell's left end, so the bin of a
 * value in cell c lies in `first[c] … first[c + 1]` — usually one to three
 * edges for a quantile grid — and a short binary search finds it without the
 * ~11 mispredicted branches of a search over 2 000 edges.
 */
export interface GridGuide {
  origin: number;
  /** cells / (e_L − e₀). */
  scale: number;
  cells: number;
  first: Uint32Array;
}

const GUIDE_CELLS = 4096;

function buildGuide(edges: Float64Array): GridGuide | null {
  if (edges.length < 2) return null;
  const origin = edges[0]!;
  const scale = GUIDE_CELLS / (edges[edges.length - 1]! - origin);
  if (!(scale > 0 && Number.isFinite(scale))) return null;
  const first = new Uint32Array(GUIDE_CELLS + 1);
  for (let c = 0; c <= GUIDE_CELLS; c++) first[c] = gridBinIndex(edges, origin + c / scale);
  return { origin, scale, cells: GUIDE_CELLS, first };
}

/**
 * Bin index on a grid via its guide: the same answer as
 * {@link gridBinIndex} (checked, with a fallback to the full search when
 * rounding put the value in a neighbouring cell).
 */
export function guidedBinIndex(
  edges: Float64Array,
  guide: GridGuide | null,
  value: number,
): number {
  const last = edges.length - 1;
  if (guide === null) return gridBinIndex(edges, value);
  if (value < edges[0]!) return 0;
  if (value >= edges[last]!) return last + 1;
  let cell = Math.floor((value - guide.origin) * guide.scale);
  if (cell >= guide.cells) cell = guide.cells - 1;
  const first = guide.first;
  let lo = first[cell]!;
  let hi = first[cell + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  // lo = number of edges ≤ value, provided the answer lay in the cell's range.
  if ((lo === 0 || edges[lo - 1]! <= value) && (lo > last || edges[lo]! > value)) return lo;
  return gridBinIndex(edges, value);
}

const scratch = new Float64Array(1);
const scratchBits = new BigInt64Array(scratch.buffer);

/** The smallest double greater than a finite `x` (Infinity above Number.MAX_VALUE). */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  scratch[0] = x;
  scratchBits[0] = scratchBits[0]! + (x > 0 ? 1n : -1n);
  return scratch[0];
}

/** Number of sorted values strictly below `x` (lower bound). */
function countBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * 64-bit fingerprint (two 32-bit multiply–xor lanes, hex) of the edges' bit
 * patterns. It tells grids apart; it is not meant to resist forgery.
 */
function fingerprintEdges(edges: Float64Array): string {
  const words = new Uint32Array(edges.buffer, edges.byteOffset, edges.length * 2);
  let h1 = 0x811c9dc5 ^ edges.length;
  let h2 = 0x27d4eb2f ^ edges.length;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    h1 = Math.imul(h1 ^ w, 0x9e3779b1);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = Math.imul(h2 ^ w, 0x85ebca77);
    h2 = (h2 << 17) | (h2 >>> 15);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35) ^ h2;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x27d4eb2f);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0x165667b1) ^ h1;
  const hex = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');
  return hex(h1) + hex(h2);
}

/**
 * The fine grid of a numeric reference profile (see the module comment).
 *
 * @example
 * // reference 1 … 5, bins = 4: quantiles 1, 2, 3, 4, 5, then nextUp(5)
 * summaryGrid(buildNumericProfile('x', [1, 2, 3, 4, 5], { bins: 4 }), 4).edges
 * // Float64Array [1, 2, 3, 4, 5, 5.000000000000001]
 * @throws RangeError when `bins` is not an integer ≥ 1.
 */
export function summaryGrid(
  profile: NumericFeatureProfile,
  bins: number = DEFAULT_SUMMARY_BINS,
): SummaryGrid {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`summary grid: bins must be an integer >= 1, got ${bins}`);
  }
  const sorted = profile.sortedValues;
  const n = sorted.length;
  const candidates: number[] = [];
  if (n > 0) {
    for (let j = 0; j <= bins; j++) candidates.push(quantileSorted(sorted, j / bins));
    candidates.push(...profile.binEdges);
  }
  candidates.sort((a, b) => a - b);
  const unique: number[] = [];
  for (const edge of candidates) {
    if (unique.length === 0 || edge > unique[unique.length - 1]!) unique.push(edge);
  }
  if (n > 0) unique.push(nextUp(sorted[n - 1]!));
  const edges = Float64Array.from(unique);
  const referenceBelow = new Float64Array(edges.length);
  const referenceAtOrBelow = new Float64Array(edges.length);
  for (let e = 0; e < edges.length; e++) {
    referenceBelow[e] = countBelow(sorted, edges[e]!);
    referenceAtOrBelow[e] = countAtMost(sorted, edges[e]!);
  }
  return {
    bins,
    edges,
    binCount: edges.length + 1,
    referenceBelow,
    referenceAtOrBelow,
    fingerprint: fingerprintEdges(edges),
    guide: buildGuide(edges),
  };
}

/** Index of the grid bin of `v`: the number of edges ≤ v (binary search). */
export function gridBinIndex(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
