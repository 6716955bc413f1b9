/**
 * The hypothesis search on its own, with a small logistic scorer written
 * here and an injected clock: the factor solving, the budget logic and the
 * deterministic sample. The search on the real demo ONNX model is tested in
 * test/integration/parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec, FeatureValue } from '../../../src/core/model.js';
import {
  attributeSkew,
  profileRows,
  recogniseFactor,
  seededSample,
  type AttributionInput,
  type ColumnarFeatureRows,
} from '../../../src/scoring/index.js';

const features: FeatureSpec[] = [
  { name: 'a', type: 'numeric' },
  { name: 'b', type: 'numeric' },
  { name: 'c', type: 'numeric' },
  { name: 'plan', type: 'categorical' },
];
const PLAN_WEIGHT: Record<string, number> = { basic: -0.4, pro: 0.3, max: 0.9 };

/** A logistic model, increasing in a and b, decreasing in c. */
function scoreRow(a: number, b: number, c: number, plan: string): number {
  return 1 / (1 + Math.exp(-(0.05 * a + 0.8 * b - 0.3 * c + (PLAN_WEIGHT[plan] ?? 0))));
}

function scoreRows(rows: ColumnarFeatureRows): Float64Array {
  const [a, b, c, plan] = rows.columns;
  return Float64Array.from({ length: rows.rowCount }, (_, i) =>
    scoreRow(Number(a![i]), Number(b![i]), Number(c![i]), String(plan![i])),
  );
}

function makeRows(n: number): ColumnarFeatureRows {
  const plans = ['basic', 'pro', 'max'];
  const columns: FeatureValue[][] = [[], [], [], []];
  for (let i = 0; i < n; i++) {
    columns[0]!.push(10 + ((i * 37) % 50));
    columns[1]!.push(((i * 13) % 17) / 7 - 1);
    columns[2]!.push(1 + ((i * 7) % 5));
    columns[3]!.push(plans[i % 3]!);
  }
  return { rowCount: n, columns };
}

function search(
  rows: ColumnarFeatureRows,
  served: ColumnarFeatureRows,
  overrides: Partial<AttributionInput> = {},
) {
  let calls = 0;
  return attributeSkew({
    features,
    rows,
    logged: scoreRows(served),
    mismatchingRows: rows.rowCount,
    score: (r) => {
      calls++;
      return Promise.resolve(scoreRows(r));
    },
    tolerance: { atol: 1e-9, rtol: 1e-9 },
    profile: profileRows(features, rows),
    now: () => calls,
    budgetMs: 10_000,
    ...overrides,
  });
}

const withColumn = (rows: ColumnarFeatureRows, f: number, column: FeatureValue[]) => ({
  ...rows,
  columns: rows.columns.map((c, i) => (i === f ? column : c)),
});

describe('attributeSkew', () => {
  const rows = makeRows(60);
  const a = Array.from(rows.columns[0]!) as number[];

  it('recognises a unit factor among the candidates', async () => {
    const result = await search(
      rows,
      withColumn(
        rows,
        0,
        a.map((x) => x * 2.54),
      ),
    );
    expect(result.hypothesis).toBe('scaled');
    expect(result.features).toEqual(['a']);
    expect(result.factor).toBe(2.54);
    expect(result.recognisedFactor).toBe('×2.54 (in → cm)');
    expect(result.share).toBe(1);
    expect(result.description).toBe(
      'a looks served ×2.54 (in → cm) (reproduces 100 % of 60 mismatching rows)',
    );
  });

  it('solves an unusual factor by bisection and reports it', async () => {
    const result = await search(
      rows,
      withColumn(
        rows,
        0,
        a.map((x) => x * 3.7),
      ),
      { tolerance: { atol: 1e-6, rtol: 1e-6 } },
    );
    expect(result.hypothesis).toBe('scaled');
    expect(result.features).toEqual(['a']);
    expect(result.factor).toBeCloseTo(3.7, 4);
    expect(result.recognisedFactor).toBeUndefined();
    expect(result.budgetExhausted).toBe(false);
  });

  it('reports a category served as another as a remap, and several as one as a constant', async () => {
    const plan = Array.from(rows.columns[3]!) as string[];
    const remapped = await search(
      rows,
      withColumn(
        rows,
        3,
        plan.map((p) => (p === 'basic' ? 'max' : p)),
      ),
    );
    // Only the basic rows mismatch in a run; here every row is in the sample,
    // and the others are reproduced by keeping their own category.
    expect(remapped.hypothesis).toBe('remapped');
    expect(remapped.mapping).toEqual({ basic: 'max' });
    expect(remapped.description).toMatch(/^plan looks remapped \(basic → max\)/);
    const constant = await search(
      rows,
      withColumn(
        rows,
        3,
        plan.map(() => 'pro'),
      ),
    );
    expect(constant.hypothesis).toBe('constant');
    expect(constant.value).toBe('pro');
    expect(constant.valueSource).toBe('category');
  });

  it('stops at the first check after the budget, overrunning it by at most one batch', async () => {
    // Every batched run takes 10 ms on this clock; nothing explains the scores.
    let clock = 0;
    const result = await attributeSkew({
      features,
      rows,
      logged: new Float64Array(rows.rowCount).fill(0.123),
      mismatchingRows: 10_000,
      score: (r) => {
        clock += 10;
        return Promise.resolve(scoreRows(r));
      },
      tolerance: { atol: 1e-9, rtol: 1e-9 },
      profile: profileRows(features, rows),
      now: () => clock,
      budgetMs: 35,
    });
    expect(result.hypothesis).toBeNull();
    expect(result.budgetExhausted).toBe(true);
    expect(result.hypothesesTried).toBe(4);
    expect(result.elapsedMs).toBe(40);
    expect(result.elapsedMs).toBeLessThanOrEqual(35 + 10);
  });

  it('tries everything within a budget large enough, and finds nothing in noise', async () => {
    const result = await search(rows, rows, {
      logged: Float64Array.from({ length: rows.rowCount }, (_, i) => (i % 7) / 7 + 0.01),
    });
    expect(result.hypothesis).toBeNull();
    expect(result.budgetExhausted).toBe(false);
    expect(result.description).toBeNull();
    // 3 constants × 3 + 3 swaps + 3 × unit factors + 3 categories + 3 bisection searches.
    expect(result.hypothesesTried).toBeGreaterThan(9 + 3 + 3 * 20);
  });
});

describe('recogniseFactor and seededSample', () => {
  it('recognises unit factors within 1 % only', () => {
    expect(recogniseFactor(10.05)?.factor).toBe(10);
    expect(recogniseFactor(0.4536)?.label).toBe('×0.4536 (lb → kg)');
    expect(recogniseFactor(10.2)).toBeNull();
  });

  it('samples the same rows for the same seed, sorted and distinct', () => {
    const one = seededSample(10_000, 200, 42);
    expect(one).toEqual(seededSample(10_000, 200, 42));
    expect(one).not.toEqual(seededSample(10_000, 200, 43));
    expect(new Set(one).size).toBe(200);
    expect(one).toEqual([...one].sort((x, y) => x - y));
    expect(seededSample(5, 200, 1)).toEqual([0, 1, 2, 3, 4]);
  });
});
