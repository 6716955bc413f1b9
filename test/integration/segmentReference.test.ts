/**
 * Segments of a categorical feature compared with the same slice of the
 * reference, through the running service: when tenure depends on the plan,
 * a window drawn from the reference's own joint distribution shows no drift
 * in any plan segment (each plan's rows against the whole reference would);
 * a shift confined to one plan is still found in that plan's segment; the
 * slices are stored with the reference and replaced with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/stats/index.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { ReferenceStore } from '../../src/storage/referenceStore.js';
import { predictionRecords, referenceCsv, type ChurnRow } from '../helpers/churnData.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

interface SegmentLine {
  by: string;
  value: string;
  segment: string;
  rows: number;
  reference?: string;
  status: string;
  driftedFeatures: string[];
}

interface RunView {
  status: string;
  error: string | null;
  summary: Record<string, unknown> & { segments?: SegmentLine[] };
}

// `planother`: top 2 of four plans, so `__other__` holds two of them and is
// compared with the merge of their two reference slices.
const SEGMENT_CONFIG = `
    plannull:
      segments:
        - by: plan
          top: 10
    planother:
      segments:
        - by: plan
          top: 2
    planshift:
      segments:
        - by: plan
          top: 10
        - by: tag:pod
`;

/** Tenure's mean and sd per plan: far apart, so the whole reference is a mixture no plan looks like. */
const TENURE: Record<string, [number, number]> = {
  basic: [10, 3],
  plus: [25, 4],
  pro: [40, 5],
  enterprise: [60, 6],
};
const PLANS: [string, number][] = [
  ['basic', 0.45],
  ['plus', 0.3],
  ['pro', 0.15],
  ['enterprise', 0.1],
];

/** Rows of one joint distribution: plan first, then tenure given the plan. */
function plannedRows(n: number, seed: number, shift: { plan?: string; tenure?: number } = {}) {
  const random = createRandom(seed);
  const rows: ChurnRow[] = [];
  for (let i = 0; i < n; i += 1) {
    const u = random.next();
    let cumulative = 0;
    let plan = PLANS[PLANS.length - 1]![0];
    for (const [name, weight] of PLANS) {
      cumulative += weight;
      if (u < cumulative) {
        plan = name;
        break;
      }
    }
    const [mean, sd] = TENURE[plan]!;
    const moved = plan === shift.plan ? (shift.tenure ?? 0) : 0;
    const charges = 70 + 20 * random.normal();
    rows.push({
      tenure_months: mean + sd * random.normal() + moved,
      monthly_charges: charges,
      support_calls: Math.max(0, Math.round(2 + random.normal())),
      plan,
      region: random.next() < 0.5 ? 'eu' : 'us',
      score: 1 / (1 + Math.exp(-0.03 * (charges - 70))),
    });
  }
  return rows;
}

const REFERENCE = plannedRows(8_000, 101);

describe('segments against reference slices', () => {
  let t: TestService;
  let pool: Pool;

  beforeAll(async () => {
    t = await startTestService({ modelSettings: SEGMENT_CONFIG });
    pool = createPool({ url: t.database.url, max: 2 });
    for (const model of ['plannull', 'planother', 'planshift']) {
      const created = await call(t.url, `/v1/models/${model}/versions/1`, {
        method: 'PUT',
        body: CHURN_DEFINITION,
      });
      expect(created.status).toBe(201);
      const imported = await call(t.url, `/v1/models/${model}/versions/1/reference`, {
        method: 'PUT',
        raw: referenceCsv(REFERENCE),
        contentType: 'text/csv',
      });
      expect(imported.status).toBe(200);
    }
  });

  afterAll(async () => {
    await pool.end();
    await t.close();
  });

  async function post(model: string, rows: readonly ChurnRow[], tags?: (i: number) => string) {
    const records = predictionRecords(rows, {
      model,
      version: '1',
      idPrefix: model,
      nowMs: Date.now(),
      spreadMs: 30 * 60_000,
    }).map((record, i) => (tags ? { ...record, tags: { pod: tags(i) } } : record));
    for (let i = 0; i < records.length; i += 2000) {
      const response = await call<{ rejected: unknown[] }>(t.url, '/v1/predictions', {
        raw: ndjson(records.slice(i, i + 2000)),
        contentType: 'application/x-ndjson',
      });
      expect(response.status).toBe(200);
      expect(response.body.rejected).toEqual([]);
    }
  }

  async function runDrift(model: string): Promise<RunView> {
    const response = await call<{ runs: RunView[] }>(
      t.url,
      `/v1/models/${model}/checks/drift/run?version=1&window=1h`,
      { method: 'POST' },
    );
    expect(response.status).toBe(200);
    return response.body.runs[0]!;
  }

  it('finds no drift in any plan segment when the window follows the reference’s joint distribution', async () => {
    await post('plannull', plannedRows(4_000, 202));
    const run = await runDrift('plannull');
    expect(run.error).toBeNull();
    const segments = run.summary.segments ?? [];
    expect(segments.map((s) => s.value)).toEqual(['basic', 'plus', 'pro', 'enterprise']);
    // Against the whole reference every plan's tenure is far off; against its own slice, none is.
    expect(segments.filter((s) => s.status === 'drift').map((s) => s.segment)).toEqual([]);
    expect(segments.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(run.status).toBe('ok');
    expect(segments.map((s) => s.reference)).toEqual(['slice', 'slice', 'slice', 'slice']);
  });

  it('compares __other__ with the merge of the slices outside the window’s top values', async () => {
    await post('planother', plannedRows(4_000, 303));
    const run = await runDrift('planother');
    expect(run.error).toBeNull();
    const segments = run.summary.segments ?? [];
    expect(segments.map((s) => [s.value, s.reference, s.status])).toEqual([
      ['basic', 'slice', 'ok'],
      ['plus', 'slice', 'ok'],
      ['__other__', 'slice', 'ok'],
    ]);
  });

  it('still finds a shift confined to one plan, in that plan’s segment only; tag segments use the whole reference', async () => {
    // pro's tenure moves by 2 of its sd (10 months): within the whole
    // reference's spread, far out of pro's own.
    await post('planshift', plannedRows(4_000, 404, { plan: 'pro', tenure: 10 }), (i) =>
      i % 2 === 0 ? 'pod-a' : 'pod-b',
    );
    const run = await runDrift('planshift');
    expect(run.error).toBeNull();
    expect(run.status).toBe('drift');
    const plans = (run.summary.segments ?? []).filter((s) => s.by === 'plan');
    expect(
      plans.filter((s) => s.status === 'drift').map((s) => [s.value, s.driftedFeatures]),
    ).toEqual([['pro', ['tenure_months']]]);
    const pods = (run.summary.segments ?? []).filter((s) => s.by === 'tag:pod');
    expect(pods.map((s) => s.reference)).toEqual(['whole', 'whole']);
  });

  it('stores the slices with the reference and replaces them with it', async () => {
    const store = new ReferenceStore(pool);
    const profile = await store.load('plannull', '1');
    const slices = profile?.slices ?? [];
    // Most frequent plan first; every row in exactly one slice.
    const expectedOrder = ['basic', 'plus', 'pro', 'enterprise'];
    expect(slices.map((s) => [s.by, s.value])).toEqual(expectedOrder.map((v) => ['plan', v]));
    for (const slice of slices) {
      const rows = REFERENCE.filter((row) => row.plan === slice.value);
      expect(slice.rows).toBe(rows.length);
      // Every feature but plan, in schema order.
      expect(slice.features.map((f) => f.name)).toEqual([
        'tenure_months',
        'monthly_charges',
        'support_calls',
        'region',
      ]);
      const tenure = slice.features[0]!;
      expect(tenure.kind).toBe('numeric');
      const sorted = rows.map((row) => row.tenure_months).sort((a, b) => a - b);
      // The CSV carries each number's shortest round-trip text: the values come back exactly.
      expect(tenure.kind === 'numeric' ? Array.from(tenure.sortedValues) : []).toEqual(sorted);
      const region = slice.features[3]!;
      const eu = rows.filter((row) => row.region === 'eu').length;
      expect(region).toMatchObject({
        kind: 'categorical',
        n: rows.length,
        missing: 0,
        counts: { eu, us: rows.length - eu },
      });
    }
    // A second store (no cache) reads the same; a replace without plan values leaves no plan slice but __missing__.
    expect(
      (await new ReferenceStore(pool, { cachedProfiles: 0 }).load('plannull', '1'))?.slices,
    ).toEqual(slices);
    const withoutPlan =
      'tenure_months,monthly_charges,support_calls,plan,region\n1,2,3,,eu\n4,5,6,,us\n';
    const replaced = await call(t.url, '/v1/models/plannull/versions/1/reference', {
      method: 'PUT',
      raw: withoutPlan,
      contentType: 'text/csv',
    });
    expect(replaced.status).toBe(200);
    const after = await store.load('plannull', '1');
    expect(after?.slices?.map((s) => [s.value, s.rows])).toEqual([['__missing__', 2]]);
    const stored = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM reference_slices WHERE model = 'plannull'",
    );
    expect(Number(stored.rows[0]!.n)).toBe(4);
  });
});
