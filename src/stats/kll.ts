/**
 * KLL quantile sketch (Karnin, Lang & Liberty 2016) for float64 values: a
 * small, mergeable summary of a stream that answers rank, CDF and quantile
 * queries within a rank error that holds with a stated probability.
 *
 * **Structure.** Levels h = 0, 1, …, L − 1; an item at level h stands for
 * 2^h values of the stream. Level 0 holds new values in arrival order, every
 * higher level is sorted. Level h may hold `cap(h) = max(8, round(k·(2/3)^d))`
 * items, d = L − 1 − h its depth below the top (the top level holds k). When
 * the sketch as a whole is full (retained items ≥ Σ cap(h)), the lowest level
 * at or above its capacity is **compacted**: if its size is odd, its first
 * item stays behind; the other 2s items are sorted and a fair coin picks the
 * even or the odd positions, whose s items move up one level at double weight
 * (merged into its sorted run). Compacting the top level opens a new one. This
 * is the lazy KLL variant of Apache DataSketches (Ivkin et al. 2019), with
 * the same capacities, minimum width 8 and one coin per compaction.
 *
 * **Estimates.** `R̂(y) = Σ_h 2^h · #{items at level h ≤ y}`; `rank(y) = R̂(y)/n`.
 * Every retained item is a stream value, so `R̂(y) = R(y)` below the minimum
 * and above the maximum; n, min and max are exact.
 *
 * **Error bound.** Each compaction at level h moves any weighted count R̂(y)
 * by 0 or a fair ±2^h, so with `C_h` compactions at level h and
 * `V = Σ_h C_h · 4^h` the Azuma–Hoeffding inequality bounds the normalised
 * rank error of one query by `√(2V·ln(2/δ)) / n` with probability ≥ 1 − δ,
 * and that of all queries at once by a little more
 * ({@link KllSketch.rankErrorBound}; the derivation is beside the arithmetic,
 * in `kllBounds.ts`). V is kept exactly through updates, merges and JSON.
 * It assumes independent coins: sketches that will meet in a merge must use
 * independent random sources (different seeds), and each value must enter
 * exactly one of them.
 *
 * **Published figure** ({@link KllSketch.normalizedRankError}): Apache
 * DataSketches fits the 99th percentile of the maximum rank error measured in
 * thousands of trials as `2.296 / k^0.9723` for ranks (k = 200: 1.33 %) and
 * `2.446 / k^0.9433` "double-sided", for PMF queries (k = 200: 1.65 %). It
 * is empirical, for the streams they tried. The bound above is proven for
 * every stream and computed from this sketch's own history; at k = 200 and
 * n = 10⁴…10⁶ it is 1.1–1.3 % for one query and 1.8–2.1 % for all at once
 * (99 %). Errors measured in the tests reach at most about half of it.
 *
 * **Memory.** O(k + log(n/k)) retained items — e.g. at most 625 for k = 200
 * and n = 10⁶ ({@link KllSketch.maxRetainedItems}, formula in
 * `kllBounds.ts`). Speed, measured once on the shared 2-core machine: ≈ 60 ms
 * per million values through `updateMany`.
 *
 * The JSON form and its validation live in `kllJson.ts`; the KS statistic
 * against a sketch in `kllKs.ts`.
 *
 * @example
 * const sketch = new KllSketch({ k: 200, seed: 7 });
 * sketch.updateMany(values);            // or sketch.update(x)
 * sketch.rank(0);                       // ≈ fraction of values ≤ 0
 * sketch.quantile(0.99);                // ≈ 99th percentile
 * hourly.merge(otherPodsSketch);        // same k, different seed
 * KllSketch.fromJSON(JSON.parse(text), { seed: 8 });
 *
 * References: Karnin Z, Lang K, Liberty E (2016) Optimal quantile
 * approximation in streams. FOCS 2016, 71–78 (arXiv:1603.05346). Ivkin N,
 * Liberty E, Lang K, Karnin Z, Braverman V (2019) Streaming quantiles
 * algorithms with small space and update time (arXiv:1907.00236). Azuma K
 * (1967) Tôhoku Math. J. 19(3), 357–367. Apache DataSketches,
 * `KllHelper.getNormalizedRankError` and the `KllSketch` documentation.
 */
import {
  compactionVariance,
  KLL_DEFAULT_K,
  KLL_MAX_K,
  KLL_MIN_K,
  kllRankErrorBound,
  levelCapacities,
  MAX_LEVELS,
  maxRetainedItems,
  MIN_LEVEL_WIDTH,
  totalCapacity,
  type KllRankErrorScope,
} from './kllBounds.js';
import { KLL_JSON_VERSION, validateKllSketchJson, type KllSketchJson } from './kllJson.js';
import { countAtMost } from './binning.js';
import { createRandom } from './random.js';
import { assertProbability, StatisticsInputError } from './validate.js';

const DEFAULT_CONFIDENCE = 0.99;

export interface KllSketchOptions {
  /** Accuracy parameter, an integer in [8, 65535] (default 200). */
  k?: number;
  /**
   * Seed of the coin flips (the low 32 bits are used, via `createRandom`).
   * Exactly one of `seed` and `random` must be given.
   */
  seed?: number;
  /**
   * Uniform numbers in [0, 1), one per compaction: e.g. `() => generator.next()`
   * with `const generator = createRandom(seed)` shared with other uses.
   */
  random?: () => number;
}

export interface KllRankErrorOptions {
  /** Probability that the bound holds, in (0, 1) (default 0.99). */
  confidence?: number;
  /** `single` (default): one query chosen in advance; `all`: every y at once. */
  scope?: KllRankErrorScope;
}

/** The retained items in ascending order with their cumulative weights. */
export interface KllSortedView {
  values: Float64Array;
  /** `cumulativeWeights[i]` = R̂(values[i]), the estimated count of values ≤ it. */
  cumulativeWeights: Float64Array;
}

function assertK(k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < KLL_MIN_K || k > KLL_MAX_K) {
    throw new StatisticsInputError(
      'k',
      `k must be an integer in [${KLL_MIN_K}, ${KLL_MAX_K}], got ${String(k)}`,
      undefined,
      k,
    );
  }
}

function randomSource(options: KllSketchOptions): () => number {
  const { seed, random } = options;
  if ((seed === undefined) === (random === undefined)) {
    throw new StatisticsInputError(
      'options',
      'pass exactly one of options.seed and options.random: the compaction coins must be replayable, and sketches that will be merged need different seeds',
    );
  }
  if (random !== undefined) {
    if (typeof random !== 'function') {
      throw new StatisticsInputError('options.random', 'options.random must be a function');
    }
    return random;
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new StatisticsInputError(
      'options.seed',
      `options.seed must be an integer, got ${String(seed)}`,
      undefined,
      seed,
    );
  }
  const generator = createRandom(seed);
  return () => generator.next();
}

/**
 * A KLL sketch of finite float64 values. Deterministic given its random
 * source: equal seeds and equal input give equal state. Not safe to share
 * between concurrent writers (it is a plain mutable object).
 */
export class KllSketch {
  /** The accuracy parameter. */
  readonly k: number;
  readonly #random: () => number;
  #n = 0;
  #min = Number.NaN;
  #max = Number.NaN;
  /** Level buffers; `#sizes[h]` items of `#levels[h]` are in use. */
  #levels: Float64Array[] = [new Float64Array(MIN_LEVEL_WIDTH)];
  #sizes: number[] = [0];
  #compactions: number[] = [0];
  #capacities: number[];
  #capacity: number;
  #retained = 0;
  #view: KllSortedView | null = null;

  /**
   * @throws StatisticsInputError when k is not an integer in [8, 65535] or
   * not exactly one of `seed` and `random` is given.
   */
  constructor(options: KllSketchOptions) {
    const k = options.k ?? KLL_DEFAULT_K;
    assertK(k);
    this.k = k;
    this.#random = randomSource(options);
    this.#capacities = levelCapacities(k, 1);
    this.#capacity = totalCapacity(k, 1);
  }

  /**
   * DataSketches' published normalised rank error for k: the best fit to the
   * 99th percentile of the maximum error measured over thousands of trials —
   * `2.296 / k^0.9723` for ranks, CDFs and quantiles (`'rank'`, k = 200:
   * 0.0133), `2.446 / k^0.9433` for PMF queries, a difference of two ranks
   * (`'pmf'`, k = 200: 0.0165). Empirical, for typical streams; for a bound
   * that is proven for this sketch use {@link KllSketch.rankErrorBound}.
   */
  static normalizedRankError(k: number, kind: 'rank' | 'pmf' = 'rank'): number {
    assertK(k);
    return kind === 'pmf' ? 2.446 / k ** 0.9433 : 2.296 / k ** 0.9723;
  }

  /**
   * The most items a sketch of parameter k can retain after n values:
   * `Σ_{d<L} max(8, round(k·(2/3)^d))` with `L = ⌊log₂(n/k)⌋ + 2` (1 when
   * n ≤ k). Below 3k + 8.5·L; 625 for k = 200, n = 10⁶.
   */
  static maxRetainedItems(k: number, n: number): number {
    assertK(k);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new StatisticsInputError('n', `n must be an integer >= 0, got ${n}`, undefined, n);
    }
    return maxRetainedItems(k, n);
  }

  /** Number of values summarised. */
  get n(): number {
    return this.#n;
  }

  /** Smallest value seen (exact); NaN when empty. */
  get min(): number {
    return this.#min;
  }

  /** Largest value seen (exact); NaN when empty. */
  get max(): number {
    return this.#max;
  }

  /** Items held now, over all levels. */
  get retainedItems(): number {
    return this.#retained;
  }

  /** Number of levels L. */
  get numLevels(): number {
    return this.#sizes.length;
  }

  /**
   * Adds one value. -0 is stored as 0 (they compare equal, and JSON cannot
   * tell them apart).
   * @throws StatisticsInputError on NaN or ±Infinity (missing values are
   * counted by the caller, not sketched).
   */
  update(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new StatisticsInputError(
        'value',
        `value is ${String(value)}; every value must be a finite number`,
        undefined,
        value,
      );
    }
    if (this.#retained >= this.#capacity) this.#compressOnce();
    const v = value === 0 ? 0 : value;
    this.#ensureSpace(0, this.#sizes[0]! + 1);
    this.#levels[0]![this.#sizes[0]!++] = v;
    this.#retained++;
    this.#count(v);
    this.#view = null;
  }

  /**
   * Adds many values; the same state as calling {@link update} on each in
   * order, with level 0 filled in blocks. The input is checked before any
   * value is added, so a bad value leaves the sketch unchanged.
   * @throws StatisticsInputError naming the index of the first NaN or ±Infinity.
   */
  updateMany(values: Float64Array): void {
    const length = values.length;
    for (let i = 0; i < length; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new StatisticsInputError(
          'values',
          `values[${i}] is ${values[i]}; every value must be a finite number`,
          i,
          values[i],
        );
      }
    }
    let i = 0;
    while (i < length) {
      if (this.#retained >= this.#capacity) this.#compressOnce();
      const take = Math.min(this.#capacity - this.#retained, length - i);
      const start = this.#sizes[0]!;
      this.#ensureSpace(0, start + take);
      const level0 = this.#levels[0]!;
      let min = this.#n === 0 ? Infinity : this.#min;
      let max = this.#n === 0 ? -Infinity : this.#max;
      for (let j = 0; j < take; j++) {
        const raw = values[i + j]!;
        const v = raw === 0 ? 0 : raw;
        level0[start + j] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      this.#sizes[0] = start + take;
      this.#retained += take;
      this.#n += take;
      this.#min = min;
      this.#max = max;
      i += take;
    }
    if (length > 0) this.#view = null;
  }

  /**
   * Adds another sketch's values into this one (`other` is unchanged): level
   * by level the items are pooled and the compaction counts added, then levels
   * are compacted, lowest first, until the sketch fits its capacity. n, min
   * and max stay exact; the error bound stays valid because every compaction
   * of either sketch keeps its fair ± step (provided the two used independent
   * random sources).
   * @throws StatisticsInputError when k differs or `other` is this sketch
   * (its values would enter twice with perfectly correlated errors).
   */
  merge(other: KllSketch): void {
    if (!(other instanceof KllSketch)) {
      throw new StatisticsInputError('other', 'other must be a KllSketch');
    }
    if (other === this) {
      throw new StatisticsInputError('other', 'a sketch cannot be merged into itself');
    }
    if (other.k !== this.k) {
      throw new StatisticsInputError(
        'other',
        `sketches of different k cannot be merged (this k = ${this.k}, other k = ${other.k})`,
      );
    }
    if (other.#n === 0) return;
    while (this.#sizes.length < other.#sizes.length) this.#addLevel();
    for (let h = 0; h < other.#sizes.length; h++) {
      const count = other.#sizes[h]!;
      this.#compactions[h]! += other.#compactions[h]!;
      if (count === 0) continue;
      const items = other.#levels[h]!;
      if (h === 0) {
        const start = this.#sizes[0]!;
        this.#ensureSpace(0, start + count);
        this.#levels[0]!.set(items.subarray(0, count), start);
        this.#sizes[0] = start + count;
      } else {
        this.#mergeIntoLevel(h, items, 0, count);
      }
    }
    this.#retained += other.#retained;
    this.#n += other.#n;
    this.#min = this.#n === other.#n ? other.#min : Math.min(this.#min, other.#min);
    this.#max = this.#n === other.#n ? other.#max : Math.max(this.#max, other.#max);
    while (this.#retained > this.#capacity) this.#compressOnce();
    this.#view = null;
  }

  /**
   * Estimated normalised rank of x: the fraction of values ≤ x, `R̂(x)/n`.
   * Exact (0 or 1) outside [min, max].
   * @throws StatisticsInputError when the sketch is empty or x is not finite.
   */
  rank(x: number): number {
    this.#assertQuery('x', x);
    const view = this.#sortedView();
    const i = countAtMost(view.values, x);
    return i === 0 ? 0 : view.cumulativeWeights[i - 1]! / this.#n;
  }

  /**
   * Estimated CDF at each point (any order): `rank(points[i])`.
   * @throws StatisticsInputError when the sketch is empty or a point is not finite.
   */
  cdf(points: ArrayLike<number>): Float64Array {
    if (this.#n === 0) throw new StatisticsInputError('sketch', 'the sketch is empty');
    const view = this.#sortedView();
    const out = new Float64Array(points.length);
    for (let p = 0; p < points.length; p++) {
      const x = points[p];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new StatisticsInputError(
          'points',
          `points[${p}] is ${String(x)}; every point must be a finite number`,
          p,
          x,
        );
      }
      const i = countAtMost(view.values, x);
      out[p] = i === 0 ? 0 : view.cumulativeWeights[i - 1]! / this.#n;
    }
    return out;
  }

  /**
   * Estimated q-quantile: the smallest retained item y with `R̂(y) ≥ q·n`;
   * min for q = 0, max for q = 1. If every rank is within ε·n, the true rank
   * range of y meets [(q − ε)n, (q + ε)n]: `R(y) ≥ (q − ε)n` and
   * `#{values < y} < (q + ε)n`.
   * @throws StatisticsInputError when the sketch is empty or q ∉ [0, 1].
   */
  quantile(q: number): number {
    assertProbability('q', q);
    if (this.#n === 0) throw new StatisticsInputError('sketch', 'the sketch is empty');
    if (q === 0) return this.#min;
    if (q === 1) return this.#max;
    const view = this.#sortedView();
    const target = q * this.#n;
    const weights = view.cumulativeWeights;
    let lo = 0;
    let hi = weights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (weights[mid]! >= target) hi = mid;
      else lo = mid + 1;
    }
    return view.values[lo]!;
  }

  /**
   * Proven bound on the normalised rank error of this sketch (derived in
   * `kllBounds.ts`): with probability ≥ `confidence`,
   * - `single`: `|rank(y) − F(y)| ≤ √(2V·ln(2/δ)) / n` for one y fixed in advance;
   * - `all`: `sup_y |rank(y) − F(y)| ≤ min_g √(2V·ln(4⌈1/g⌉/δ)) / n + g`;
   *
   * with F the stream's exact ECDF, δ = 1 − confidence and
   * `V = Σ_h compactions[h] · 4^h`. 0 while nothing was compacted (exact).
   * @throws StatisticsInputError when confidence ∉ (0, 1).
   */
  rankErrorBound(options: KllRankErrorOptions = {}): number {
    const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
    const scope = options.scope ?? 'single';
    return kllRankErrorBound(compactionVariance(this.#compactions), this.#n, confidence, scope);
  }

  /** The retained items ascending, with cumulative weights (copies). */
  sortedView(): KllSortedView {
    const view = this.#sortedView();
    return { values: view.values.slice(), cumulativeWeights: view.cumulativeWeights.slice() };
  }

  /** The sketch as a plain object; {@link KllSketch.fromJSON} restores it exactly. */
  toJSON(): KllSketchJson {
    return {
      version: KLL_JSON_VERSION,
      k: this.k,
      n: this.#n,
      min: this.#n === 0 ? null : this.#min,
      max: this.#n === 0 ? null : this.#max,
      levels: this.#sizes.map((size, h) => Array.from(this.#levels[h]!.subarray(0, size))),
      compactions: this.#compactions.slice(),
    };
  }

  /**
   * Reads a sketch back from {@link toJSON}'s form, checking every field: the
   * version, k, n (= Σ |levels[h]|·2^h), min ≤ every item ≤ max (null when
   * n = 0), levels above 0 ascending, one compaction count per level, no more
   * levels than n values can open and no more items than they hold. Future
   * compactions use the given random source: give it a seed the stored sketch
   * did not use, or its coins would repeat.
   * @throws StatisticsInputError (argument `json`) naming the first bad field.
   */
  static fromJSON(json: unknown, options: Omit<KllSketchOptions, 'k'>): KllSketch {
    const state = validateKllSketchJson(json);
    const sketch = new KllSketch({ ...options, k: state.k });
    sketch.#levels = state.levels;
    sketch.#sizes = state.levels.map((level) => level.length);
    sketch.#compactions = state.compactions;
    sketch.#capacities = levelCapacities(state.k, state.levels.length);
    sketch.#capacity = totalCapacity(state.k, state.levels.length);
    sketch.#retained = sketch.#sizes.reduce((sum, size) => sum + size, 0);
    sketch.#n = state.n;
    sketch.#min = state.min;
    sketch.#max = state.max;
    return sketch;
  }

  #assertQuery(argument: string, x: number): void {
    if (this.#n === 0) throw new StatisticsInputError('sketch', 'the sketch is empty');
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new StatisticsInputError(
        argument,
        `${argument} must be a finite number, got ${String(x)}`,
        undefined,
        x,
      );
    }
  }

  #count(v: number): void {
    if (this.#n === 0) {
      this.#min = v;
      this.#max = v;
    } else {
      if (v < this.#min) this.#min = v;
      if (v > this.#max) this.#max = v;
    }
    this.#n++;
  }

  #ensureSpace(h: number, needed: number): void {
    const buffer = this.#levels[h]!;
    if (buffer.length >= needed) return;
    const grown = new Float64Array(Math.max(needed, 2 * buffer.length, MIN_LEVEL_WIDTH));
    grown.set(buffer.subarray(0, this.#sizes[h]));
    this.#levels[h] = grown;
  }

  #addLevel(): void {
    this.#levels.push(new Float64Array(0));
    this.#sizes.push(0);
    this.#compactions.push(0);
    this.#capacities = levelCapacities(this.k, this.#sizes.length);
    this.#capacity = totalCapacity(this.k, this.#sizes.length);
  }

  /** Compacts the lowest level at or over its capacity (one exists when full). */
  #compressOnce(): void {
    let h = 0;
    while (this.#sizes[h]! < this.#capacities[h]!) h++;
    this.#compactLevel(h);
  }

  #compactLevel(h: number): void {
    const u = this.#random();
    if (typeof u !== 'number' || !(u >= 0 && u < 1)) {
      throw new StatisticsInputError(
        'random',
        `the random source must return numbers in [0, 1), got ${String(u)}`,
        undefined,
        u,
      );
    }
    if (h === this.#sizes.length - 1) {
      if (this.#sizes.length >= MAX_LEVELS) {
        throw new StatisticsInputError('sketch', `the sketch cannot hold more than 2^53 values`);
      }
      this.#addLevel();
    }
    const buffer = this.#levels[h]!;
    const size = this.#sizes[h]!;
    // An odd item out stays behind: level 0's oldest, a sorted level's smallest.
    const start = size & 1;
    const pairs = (size - start) >> 1;
    if (h === 0) buffer.subarray(start, size).sort();
    const offset = u < 0.5 ? 0 : 1;
    for (let i = 0; i < pairs; i++) buffer[start + i] = buffer[start + offset + 2 * i]!;
    this.#mergeIntoLevel(h + 1, buffer, start, pairs);
    this.#sizes[h] = start;
    this.#compactions[h]!++;
    this.#retained -= pairs;
  }

  /** Merges `source[from, from + count)` (ascending) into sorted level h, from the back. */
  #mergeIntoLevel(h: number, source: Float64Array, from: number, count: number): void {
    const size = this.#sizes[h]!;
    this.#ensureSpace(h, size + count);
    const target = this.#levels[h]!;
    let i = size - 1;
    let j = from + count - 1;
    let w = size + count - 1;
    while (j >= from) {
      if (i >= 0 && target[i]! > source[j]!) target[w--] = target[i--]!;
      else target[w--] = source[j--]!;
    }
    this.#sizes[h] = size + count;
  }

  #sortedView(): KllSortedView {
    if (this.#view !== null) return this.#view;
    const total = this.#retained;
    const values = new Float64Array(total);
    const weights = new Float64Array(total);
    let p = 0;
    for (let h = 0; h < this.#sizes.length; h++) {
      const size = this.#sizes[h]!;
      values.set(this.#levels[h]!.subarray(0, size), p);
      weights.fill(2 ** h, p, p + size);
      p += size;
    }
    const order = new Uint32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    order.sort((a, b) => values[a]! - values[b]!);
    const sortedValues = new Float64Array(total);
    const cumulativeWeights = new Float64Array(total);
    let sum = 0;
    for (let i = 0; i < total; i++) {
      const index = order[i]!;
      sortedValues[i] = values[index]!;
      sum += weights[index]!;
      cumulativeWeights[i] = sum;
    }
    this.#view = { values: sortedValues, cumulativeWeights };
    return this.#view;
  }
}
