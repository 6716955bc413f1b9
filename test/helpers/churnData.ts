/**
 * Seeded synthetic churn-like rows for the check tests: three numeric and two
 * categorical features plus a score, optionally shifted.
 */
import { createRandom } from '../../src/stats/index.js';

export interface ChurnRow {
  tenure_months: number;
  monthly_charges: number;
  support_calls: number;
  plan: string;
  region: string;
  score: number;
}

export interface Shift {
  /** Added to tenure_months, in units of its standard deviation (8). */
  tenureSigma?: number;
  /** Share of rows whose region is the unseen category "latam". */
  newRegionShare?: number;
}

const TENURE_SD = 8;

function pick<T>(u: number, options: readonly [T, number][]): T {
  let cumulative = 0;
  for (const [value, weight] of options) {
    cumulative += weight;
    if (u < cumulative) return value;
  }
  return options[options.length - 1]![0];
}

export function churnRows(n: number, seed: number, shift: Shift = {}): ChurnRow[] {
  const random = createRandom(seed);
  const rows: ChurnRow[] = [];
  for (let i = 0; i < n; i += 1) {
    const tenure = 24 + TENURE_SD * random.normal() + (shift.tenureSigma ?? 0) * TENURE_SD;
    const charges = 70 + 20 * random.normal();
    const calls = Math.max(0, Math.round(2 + random.normal()));
    const plan = pick(random.next(), [
      ['basic', 0.5],
      ['plus', 0.3],
      ['pro', 0.2],
    ]);
    const region =
      random.next() < (shift.newRegionShare ?? 0)
        ? 'latam'
        : pick(random.next(), [
            ['eu', 0.4],
            ['us', 0.4],
            ['apac', 0.2],
          ]);
    // The score does not depend on tenure, so a tenure shift leaves it alone.
    const score =
      1 / (1 + Math.exp(-(0.03 * (charges - 70) + 0.4 * (calls - 2) + 0.3 * random.normal())));
    rows.push({
      tenure_months: tenure,
      monthly_charges: charges,
      support_calls: calls,
      plan,
      region,
      score,
    });
  }
  return rows;
}

export function referenceCsv(rows: readonly ChurnRow[]): string {
  const header = 'tenure_months,monthly_charges,support_calls,plan,region,score';
  return (
    [
      header,
      ...rows.map(
        (r) =>
          `${r.tenure_months},${r.monthly_charges},${r.support_calls},${r.plan},${r.region},${r.score}`,
      ),
    ].join('\n') + '\n'
  );
}

export function predictionRecords(
  rows: readonly ChurnRow[],
  options: { model: string; version: string; idPrefix: string; nowMs: number; spreadMs: number },
): Record<string, unknown>[] {
  return rows.map((row, i) => ({
    model: options.model,
    model_version: options.version,
    request_id: `${options.idPrefix}-${i}`,
    // Spread over the last `spreadMs`, never in the future.
    timestamp: new Date(
      options.nowMs - 1000 - Math.floor((i / rows.length) * options.spreadMs),
    ).toISOString(),
    features: {
      tenure_months: row.tenure_months,
      monthly_charges: row.monthly_charges,
      support_calls: row.support_calls,
      plan: row.plan,
      region: row.region,
    },
    score: row.score,
    prediction: row.score >= 0.5 ? 1 : 0,
  }));
}
