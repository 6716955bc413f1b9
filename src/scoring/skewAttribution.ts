/**
 * Skew attribution: when a parity run is degraded and no registered version
 * reproduces the logged scores, the serving code changed the inputs. This
 * module tests hypotheses about how, by re-scoring a bounded sample of the
 * mismatching rows with the inputs altered, and names the first hypothesis
 * that reproduces the logged scores on at least `minShare` of the sample:
 *
 * 1. one numeric feature replaced by a constant (0, the profile's mean or median);
 * 2. two numeric features swapped;
 * 3. one numeric feature scaled by a common unit factor (10ⁿ, 2.54, 0.4536, 1.8…);
 * 4. one categorical feature remapped (each category to another; all to one
 *    category is reported as a constant);
 * 5. one numeric feature scaled by a factor solved per row by bisection over
 *    log k (exact for models monotone in the feature), then verified.
 *
 * Cheap hypotheses come first: a few batched runs each. Every hypothesis is
 * one batched `score` call over the whole sample (bisection: one per step),
 * and the clock is read before each: the search stops when the budget is
 * spent and says so, so it overruns the budget by at most one batch.
 *
 * Pure: the scorer and the clock are passed in; no onnxruntime, no I/O.
 */
import type { FeatureSpec, FeatureValue } from '../core/model.js';
import type { ColumnarFeatureRows } from './inputAssembler.js';
import { reproductionShare, type ParityTolerance } from './parity.js';

export type HypothesisKind = 'scaled' | 'swapped' | 'constant' | 'remapped';

export interface FeatureProfile {
  /** Mean and median of each numeric feature (from the window or the reference). */
  numeric: Readonly<Record<string, { mean: number; median: number }>>;
  /** Categories of each categorical feature to try, most frequent first. */
  categories: Readonly<Record<string, readonly string[]>>;
}

export interface AttributionInput {
  features: readonly FeatureSpec[];
  /** The sampled mismatching rows, columns in schema order. */
  rows: ColumnarFeatureRows;
  /** Logged score of each sampled row. */
  logged: ArrayLike<number>;
  /** Mismatching rows in the run, of which `rows` is a sample. */
  mismatchingRows: number;
  /** Scores the rows with the served model, aligned with them; NaN where a row cannot be scored. */
  score: (rows: ColumnarFeatureRows) => Promise<ArrayLike<number>>;
  tolerance: ParityTolerance;
  profile: FeatureProfile;
  /** Milliseconds since some origin (injected: pure code reads no clock). */
  now: () => number;
  budgetMs: number;
  /** Share of the sample a hypothesis must reproduce (default 0.9). */
  minShare?: number;
  /** Pairs of numeric features tried as swaps (default 66: all pairs of 12 features). */
  maxSwapPairs?: number;
}

export interface SkewAttribution {
  /** The hypothesis named; null when none reached `minShare`. */
  hypothesis: HypothesisKind | null;
  features: string[];
  /** Scale factor (scaled). */
  factor?: number;
  /** The unit factor `factor` was recognised as, e.g. `×10`, `×2.54 (in → cm)`. */
  recognisedFactor?: string;
  /** The constant served (constant). */
  value?: FeatureValue;
  /** Where the constant comes from: `zero`, `mean`, `median` or `category`. */
  valueSource?: 'zero' | 'mean' | 'median' | 'category';
  /** Logged category → served category (remapped). */
  mapping?: Record<string, string>;
  /** Share of the sample reproduced by the hypothesis named, else by the best one tried. */
  share: number;
  sampleRows: number;
  mismatchingRows: number;
  hypothesesTried: number;
  elapsedMs: number;
  /** The search stopped because the budget was spent (not every hypothesis was tried). */
  budgetExhausted: boolean;
  /** One line for the run's diagnosis; null when nothing was found. */
  description: string | null;
}

/** Unit factors a solved scale is recognised as (within 1 %), with their reading. */
const UNIT_FACTORS: readonly { factor: number; label: string }[] = [
  ...[1, 2, 3].flatMap((n) => [
    { factor: 10 ** n, label: `×${10 ** n}` },
    { factor: 10 ** -n, label: `×1/${10 ** n}` },
  ]),
  { factor: 2.54, label: '×2.54 (in → cm)' },
  { factor: 1 / 2.54, label: '×1/2.54 (cm → in)' },
  { factor: 0.4536, label: '×0.4536 (lb → kg)' },
  { factor: 1 / 0.4536, label: '×2.2046 (kg → lb)' },
  { factor: 1.8, label: '×1.8 (°C → °F span)' },
  { factor: 1 / 1.8, label: '×1/1.8 (°F → °C span)' },
  { factor: 1.609344, label: '×1.609 (mi → km)' },
  { factor: 1 / 1.609344, label: '×1/1.609 (km → mi)' },
  { factor: 12, label: '×12 (per month → per year)' },
  { factor: 1 / 12, label: '×1/12 (per year → per month)' },
  { factor: 60, label: '×60' },
  { factor: 1 / 60, label: '×1/60' },
  { factor: 1024, label: '×1024' },
  { factor: 1 / 1024, label: '×1/1024' },
];

/** Bisection brackets log k in [−ln 10⁴, ln 10⁴]; 30 halvings leave ~2e-8 in log k. */
const LOG_K_RANGE = Math.log(1e4);
const BISECTION_STEPS = 30;

/** The unit factor within 1 % of k, if any. */
export function recogniseFactor(k: number): { factor: number; label: string } | null {
  for (const unit of UNIT_FACTORS) {
    if (Math.abs(k / unit.factor - 1) <= 0.01) return unit;
  }
  return null;
}

class BudgetSpent extends Error {}

interface Candidate {
  kind: HypothesisKind;
  features: string[];
  describe: () => string;
  build: () => ColumnarFeatureRows;
  extra?: Partial<SkewAttribution>;
}

/**
 * Searches for the input change that explains the mismatching scores.
 *
 * @example
 * // Logged scores came from monthly_charges × 10 on every sampled row:
 * await attributeSkew({ ..., budgetMs: 2000 })
 * // { hypothesis: 'scaled', features: ['monthly_charges'], factor: 10, recognisedFactor: '×10',
 * //   share: 1, description: 'monthly_charges looks served ×10 (reproduces 100 % of 200 sampled of 412 mismatching rows)' }
 */
export async function attributeSkew(input: AttributionInput): Promise<SkewAttribution> {
  const minShare = input.minShare ?? 0.9;
  const maxPairs = input.maxSwapPairs ?? 66;
  const start = input.now();
  const n = input.rows.rowCount;
  if (input.logged.length !== n) {
    throw new RangeError(`${input.logged.length} logged scores for ${n} sampled rows`);
  }
  let tried = 0;
  let best = 0;
  const spent = () => input.now() - start >= input.budgetMs;
  const run = async (rows: ColumnarFeatureRows): Promise<ArrayLike<number>> => {
    if (spent()) throw new BudgetSpent();
    return input.score(rows);
  };
  const result = (
    found: Candidate | null,
    share: number,
    budgetExhausted: boolean,
  ): SkewAttribution => {
    const base = {
      share,
      sampleRows: n,
      mismatchingRows: input.mismatchingRows,
      hypothesesTried: tried,
      elapsedMs: input.now() - start,
      budgetExhausted,
    };
    if (!found) return { hypothesis: null, features: [], ...base, description: null };
    const reach =
      n === input.mismatchingRows
        ? `${n} mismatching rows`
        : `${n} sampled of ${input.mismatchingRows} mismatching rows`;
    return {
      hypothesis: found.kind,
      features: found.features,
      ...found.extra,
      ...base,
      description: `${found.describe()} (reproduces ${Math.round(100 * share)} % of ${reach})`,
    };
  };
  if (n === 0) return result(null, 0, false);

  const numeric = input.features.filter((f) => f.type === 'numeric').map((f) => f.name);
  const categorical = input.features.filter((f) => f.type !== 'numeric').map((f) => f.name);
  const column = (name: string) => input.rows.columns[indexOf(input.features, name)]!;
  const withColumns = (replaced: Record<string, ArrayLike<FeatureValue | undefined>>) => ({
    rowCount: n,
    columns: input.features.map(
      (f) => replaced[f.name] ?? input.rows.columns[indexOf(input.features, f.name)]!,
    ),
  });
  const mapNumeric = (name: string, fn: (x: number) => number) =>
    Array.from(column(name), (x) => (typeof x === 'number' ? fn(x) : x));
  const share = (scores: ArrayLike<number>) =>
    reproductionShare(input.logged, scores, input.tolerance).share;

  const candidates = function* (): Generator<Candidate> {
    for (const name of numeric) {
      const stats = input.profile.numeric[name];
      const constants: [number, 'zero' | 'mean' | 'median'][] = [[0, 'zero']];
      if (stats) constants.push([stats.mean, 'mean'], [stats.median, 'median']);
      for (const [value, source] of constants) {
        yield {
          kind: 'constant',
          features: [name],
          extra: { value, valueSource: source },
          describe: () =>
            `${name} looks served as ${source === 'zero' ? '0' : `its ${source} (${formatValue(value)})`}`,
          build: () => withColumns({ [name]: mapNumeric(name, () => value) }),
        };
      }
    }
    let pairs = 0;
    for (let a = 0; a < numeric.length; a++) {
      for (let b = a + 1; b < numeric.length && pairs < maxPairs; b++, pairs++) {
        const [x, y] = [numeric[a]!, numeric[b]!];
        yield {
          kind: 'swapped',
          features: [x, y],
          describe: () => `${x} and ${y} look swapped`,
          build: () => withColumns({ [x]: column(y), [y]: column(x) }),
        };
      }
    }
    for (const name of numeric) {
      for (const unit of UNIT_FACTORS) {
        yield {
          kind: 'scaled',
          features: [name],
          extra: { factor: unit.factor, recognisedFactor: unit.label },
          describe: () => `${name} looks served ${unit.label}`,
          build: () => withColumns({ [name]: mapNumeric(name, (x) => x * unit.factor) }),
        };
      }
    }
  };

  try {
    for (const candidate of candidates()) {
      const s = share(await run(candidate.build()));
      tried++;
      best = Math.max(best, s);
      if (s >= minShare) return result(candidate, s, false);
    }
    for (const name of categorical) {
      const found = await tryRemap(name);
      if (found) return result(found.candidate, found.share, false);
    }
    for (const name of numeric) {
      const found = await trySolvedScale(name);
      if (found) return result(found.candidate, found.share, false);
    }
  } catch (error) {
    if (error instanceof BudgetSpent) return result(null, best, true);
    throw error;
  }
  return result(null, best, false);

  /** Scores every row with each category in turn and keeps, per logged category, the one that reproduces most. */
  async function tryRemap(name: string): Promise<{ candidate: Candidate; share: number } | null> {
    const categories = input.profile.categories[name] ?? [];
    if (categories.length < 2) return null;
    const original = column(name);
    const matches = new Map<string, Map<string, number>>();
    for (const category of categories) {
      const scores = await run(withColumns({ [name]: Array.from(original, () => category) }));
      tried++;
      for (let i = 0; i < n; i++) {
        const from = original[i];
        if (
          typeof from !== 'string' ||
          !reproduces(input.logged[i]!, scores[i]!, input.tolerance)
        ) {
          continue;
        }
        const counts = matches.get(from) ?? new Map<string, number>();
        counts.set(category, (counts.get(category) ?? 0) + 1);
        matches.set(from, counts);
      }
    }
    const mapping: Record<string, string> = {};
    let reproduced = 0;
    for (const [from, counts] of [...matches].sort(([a], [b]) => a.localeCompare(b))) {
      let top: [string, number] = ['', 0];
      for (const entry of counts) if (entry[1] > top[1]) top = entry;
      reproduced += top[1];
      // A category kept as itself reproduces its rows only when they are not
      // mismatching rows at all: no part of the skew, so not named.
      if (top[0] !== from) mapping[from] = top[0];
    }
    const s = reproduced / n;
    best = Math.max(best, s);
    if (s < minShare || Object.keys(mapping).length === 0) return null;
    // Several categories all served as one is a constant; a single category
    // served as another is a remap (the others were served right).
    const targets = new Set(Object.values(mapping));
    if (targets.size === 1 && Object.keys(mapping).length > 1) {
      const value = [...targets][0]!;
      return {
        share: s,
        candidate: {
          kind: 'constant',
          features: [name],
          extra: { value, valueSource: 'category' },
          describe: () => `${name} looks served as '${value}' for every row`,
          build: () => input.rows,
        },
      };
    }
    const pairs = Object.entries(mapping)
      .map(([from, to]) => `${from} → ${to}`)
      .join(', ');
    return {
      share: s,
      candidate: {
        kind: 'remapped',
        features: [name],
        extra: { mapping },
        describe: () => `${name} looks remapped (${pairs})`,
        build: () => input.rows,
      },
    };
  }

  /**
   * Solves score(x·k) = logged for k per row by bisection over log k (rows
   * whose logged score is not bracketed are left out), takes the median k,
   * snaps it to a unit factor within 1 % and verifies it on the whole sample.
   */
  async function trySolvedScale(
    name: string,
  ): Promise<{ candidate: Candidate; share: number } | null> {
    const scaled = (logK: Float64Array) =>
      withColumns({
        [name]: Array.from(column(name), (x, i) =>
          typeof x === 'number' ? x * Math.exp(logK[i]!) : x,
        ),
      });
    const lo = new Float64Array(n).fill(-LOG_K_RANGE);
    const hi = new Float64Array(n).fill(LOG_K_RANGE);
    const atLo = await run(scaled(lo));
    tried++;
    const atHi = await run(scaled(hi));
    const active: boolean[] = [];
    const signLo = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = column(name)[i];
      const a = atLo[i]! - input.logged[i]!;
      const b = atHi[i]! - input.logged[i]!;
      active.push(typeof x === 'number' && x !== 0 && a * b <= 0 && Number.isFinite(a * b));
      signLo[i] = Math.sign(a);
    }
    if (active.filter(Boolean).length < minShare * n) return null;
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const mid = lo.map((l, i) => (l + hi[i]!) / 2);
      const scores = await run(scaled(mid));
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        if (Math.sign(scores[i]! - input.logged[i]!) === signLo[i]) lo[i] = mid[i]!;
        else hi[i] = mid[i]!;
      }
    }
    const solved = [...lo.keys()]
      .filter((i) => active[i])
      .map((i) => Math.exp((lo[i]! + hi[i]!) / 2))
      .sort((a, b) => a - b);
    const median = solved[Math.floor(solved.length / 2)]!;
    const unit = recogniseFactor(median);
    const k = unit ? unit.factor : median;
    const s = share(await run(scaled(new Float64Array(n).fill(Math.log(k)))));
    best = Math.max(best, s);
    if (s < minShare) return null;
    return {
      share: s,
      candidate: {
        kind: 'scaled',
        features: [name],
        extra: { factor: k, ...(unit ? { recognisedFactor: unit.label } : {}) },
        describe: () => `${name} looks served ${unit ? unit.label : `×${formatValue(k)}`}`,
        build: () => input.rows,
      },
    };
  }
}

function reproduces(logged: number, recomputed: number, tolerance: ParityTolerance): boolean {
  const absDiff = logged === recomputed ? 0 : Math.abs(logged - recomputed);
  return absDiff <= tolerance.atol + tolerance.rtol * Math.abs(recomputed);
}

function indexOf(features: readonly FeatureSpec[], name: string): number {
  return features.findIndex((f) => f.name === name);
}

function formatValue(value: FeatureValue): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(4))) : String(value);
}
