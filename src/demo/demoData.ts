/**
 * Seeded synthetic churn-like customers for the demo models, the demo
 * traffic, tests and benchmarks. Equal (n, seed, shift) give equal rows, and
 * every row draws the same number of random values whatever the shift, so a
 * shifted sample is the unshifted one with one thing changed, row by row.
 *
 * The label follows a known logistic model (below) with Gaussian noise on the
 * log-odds, tuned to a churn rate of about 25 %.
 */
import type { FeatureSpec, InputColumnSpec } from '../core/model.js';
import { createRandom, type SeededRandom } from '../stats/index.js';

export const CONTRACTS = ['month-to-month', 'one-year', 'two-year'] as const;
export const PAYMENT_METHODS = [
  'electronic_check',
  'mailed_check',
  'bank_transfer',
  'credit_card',
] as const;
/** The category a shift introduces: no model has seen it. */
export const UNSEEN_PAYMENT_METHOD = 'crypto_wallet';

export const NUMERIC_FEATURES = [
  'tenure_months',
  'monthly_charges',
  'support_calls',
  'total_charges',
] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

/** The model versions' feature schema, in order. */
export const DEMO_FEATURES: FeatureSpec[] = [
  ...NUMERIC_FEATURES.map((name): FeatureSpec => ({ name, type: 'numeric' })),
  { name: 'contract', type: 'categorical' },
  { name: 'payment_method', type: 'categorical' },
];

export interface DemoRow {
  /** Whole months, 1–72 before any shift. */
  tenure_months: number;
  /** Currency units, 2 decimals. */
  monthly_charges: number;
  /** Calls in the last quarter, a whole number. */
  support_calls: number;
  /** Currency units, 2 decimals: about tenure × monthly charges. */
  total_charges: number;
  contract: string;
  payment_method: string;
  /** 1 when the customer churned. */
  churned: 0 | 1;
}

export interface DemoShift {
  /** The numeric feature whose mean moves (default tenure_months). */
  feature?: NumericFeature;
  /** Mean shift of that feature in units of its nominal standard deviation ({@link NOMINAL_SD}). */
  sigma?: number;
  /** Share of rows (0–1) whose payment_method is {@link UNSEEN_PAYMENT_METHOD}. */
  unseenPaymentShare?: number;
}

/** Nominal standard deviations used to express a shift in SDs (close to the sample SDs). */
export const NOMINAL_SD: Record<NumericFeature, number> = {
  tenure_months: 18,
  monthly_charges: 25,
  support_calls: 1.3,
  total_charges: 1450,
};

/**
 * The true model: log-odds of churn =
 *   INTERCEPT − 0.04·(tenure − 30) + 0.025·(monthly − 65) + 0.45·(calls − 1.6)
 *   + contract effect + payment effect + 0.5·ε,  ε ~ N(0, 1).
 */
const INTERCEPT = -2.1;
const CONTRACT_EFFECT: Record<string, number> = {
  'month-to-month': 0.9,
  'one-year': -0.3,
  'two-year': -1.3,
};
const PAYMENT_EFFECT: Record<string, number> = {
  electronic_check: 0.55,
  mailed_check: 0.1,
  bank_transfer: -0.2,
  credit_card: -0.25,
  [UNSEEN_PAYMENT_METHOD]: 0.55,
};

const CONTRACT_WEIGHTS: [string, number][] = [
  ['month-to-month', 0.55],
  ['one-year', 0.25],
  ['two-year', 0.2],
];
const PAYMENT_WEIGHTS: [string, number][] = [
  ['electronic_check', 0.34],
  ['mailed_check', 0.21],
  ['bank_transfer', 0.22],
  ['credit_card', 0.23],
];
/** Tenure by contract: longer contracts, longer tenure (mean, sd in months). */
const TENURE_BY_CONTRACT: Record<string, [number, number]> = {
  'month-to-month': [16, 13],
  'one-year': [34, 15],
  'two-year': [50, 14],
};

function pick(u: number, options: readonly [string, number][]): string {
  let cumulative = 0;
  for (const [value, weight] of options) {
    cumulative += weight;
    if (u < cumulative) return value;
  }
  return options[options.length - 1]![0];
}

/** Poisson(λ) by inversion of one uniform draw (Devroye 1986, §X.3.3), capped at 20. */
function poisson(u: number, lambda: number): number {
  let k = 0;
  let p = Math.exp(-lambda);
  let cumulative = p;
  while (u > cumulative && k < 20) {
    k += 1;
    p *= lambda / k;
    cumulative += p;
  }
  return k;
}

const cents = (value: number): number => Math.round(value * 100) / 100;
const clamp = (value: number, low: number, high: number): number =>
  Math.min(high, Math.max(low, value));

function oneRow(random: SeededRandom, shift: DemoShift): DemoRow {
  const contract = pick(random.next(), CONTRACT_WEIGHTS);
  const [tenureMean, tenureSd] = TENURE_BY_CONTRACT[contract]!;
  let tenure = Math.round(clamp(tenureMean + tenureSd * random.normal(), 1, 72));
  let monthly = cents(clamp(65 + 25 * random.normal(), 18, 120));
  let calls = poisson(random.next(), 1.6);
  let total = cents(Math.max(0, tenure * monthly * (1 + 0.05 * random.normal())));
  const unseenDraw = random.next();
  const paymentDraw = random.next();
  const payment =
    unseenDraw < (shift.unseenPaymentShare ?? 0)
      ? UNSEEN_PAYMENT_METHOD
      : pick(paymentDraw, PAYMENT_WEIGHTS);
  const noise = random.normal();
  const labelDraw = random.next();

  // The shift moves one feature only (total_charges is derived before it), so
  // a drift demo changes exactly the feature it names.
  const sigma = shift.sigma ?? 0;
  if (sigma !== 0) {
    const feature = shift.feature ?? 'tenure_months';
    const delta = sigma * NOMINAL_SD[feature];
    if (feature === 'tenure_months') tenure = Math.max(0, Math.round(tenure + delta));
    else if (feature === 'monthly_charges') monthly = cents(Math.max(0, monthly + delta));
    else if (feature === 'support_calls') calls = Math.max(0, Math.round(calls + delta));
    else total = cents(Math.max(0, total + delta));
  }

  const logOdds =
    INTERCEPT -
    0.04 * (tenure - 30) +
    0.025 * (monthly - 65) +
    0.45 * (calls - 1.6) +
    CONTRACT_EFFECT[contract]! +
    PAYMENT_EFFECT[payment]! +
    0.5 * noise;
  const churnProbability = 1 / (1 + Math.exp(-logOdds));
  return {
    tenure_months: tenure,
    monthly_charges: monthly,
    support_calls: calls,
    total_charges: total,
    contract,
    payment_method: payment,
    churned: labelDraw < churnProbability ? 1 : 0,
  };
}

/** `n` seeded rows, optionally shifted (see {@link DemoShift}). */
export function demoRows(n: number, seed: number, shift: DemoShift = {}): DemoRow[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a whole number ≥ 0, got ${n}`);
  const share = shift.unseenPaymentShare ?? 0;
  if (!(share >= 0 && share <= 1)) {
    throw new Error(`unseenPaymentShare must lie in [0, 1], got ${share}`);
  }
  if (!Number.isFinite(shift.sigma ?? 0))
    throw new Error(`sigma must be finite, got ${shift.sigma}`);
  const random = createRandom(seed);
  const rows: DemoRow[] = [];
  for (let i = 0; i < n; i += 1) rows.push(oneRow(random, shift));
  return rows;
}

/** The features of a row as a prediction record carries them. */
export function demoFeatures(row: DemoRow): Record<string, number | string> {
  return {
    tenure_months: row.tenure_months,
    monthly_charges: row.monthly_charges,
    support_calls: row.support_calls,
    total_charges: row.total_charges,
    contract: row.contract,
    payment_method: row.payment_method,
  };
}

/** Number of tensor columns that a list of input column specs fills. */
export function columnCount(columns: readonly InputColumnSpec[]): number {
  return columns.reduce(
    (sum, column) => sum + (column.encoding === 'one_hot' ? (column.categories?.length ?? 0) : 1),
    0,
  );
}

/**
 * The float32 matrix [rows, columns] a model input gets, built as the
 * manifest's `onnx.inputs[0].columns` describe (src/core/model.ts): numeric
 * as is, `one_hot` one column per category (an unknown category gives zeros),
 * `index` the category's position (an unknown category throws: such a row is
 * unscorable).
 */
/**
 * The demo models' input columns: the numeric features as they are, then
 * each categorical feature in the given encoding (one-hot or index).
 */
export function demoInputColumns(categorical: 'one_hot' | 'index'): InputColumnSpec[] {
  return [
    ...NUMERIC_FEATURES.map((feature): InputColumnSpec => ({ feature, encoding: 'numeric' })),
    { feature: 'contract', encoding: categorical, categories: [...CONTRACTS] },
    { feature: 'payment_method', encoding: categorical, categories: [...PAYMENT_METHODS] },
  ];
}

export function featureMatrix(
  rows: readonly DemoRow[],
  columns: readonly InputColumnSpec[],
): Float32Array {
  const width = columnCount(columns);
  const matrix = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    const values = demoFeatures(row);
    let c = r * width;
    for (const column of columns) {
      const value = values[column.feature];
      if (value === undefined) throw new Error(`no feature "${column.feature}" in a demo row`);
      switch (column.encoding) {
        case 'numeric':
          if (typeof value !== 'number') throw new Error(`${column.feature} is not numeric`);
          matrix[c++] = value;
          break;
        case 'one_hot': {
          const categories = column.categories ?? [];
          const at = categories.indexOf(String(value));
          if (at >= 0) matrix[c + at] = 1;
          c += categories.length;
          break;
        }
        case 'index': {
          const at = (column.categories ?? []).indexOf(String(value));
          if (at < 0)
            throw new Error(`row ${r}: ${column.feature} "${value}" is not a declared category`);
          matrix[c++] = at;
          break;
        }
        case 'string':
          throw new Error('string columns do not fit a float32 matrix');
      }
    }
  });
  return matrix;
}
