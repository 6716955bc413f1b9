import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/storage/pool.js';
import { ReferenceStore } from '../../src/storage/referenceStore.js';
import { runCli } from '../helpers/cli.js';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION } from '../helpers/records.js';

interface ImportBody {
  rows: number;
  rejected: { index: number; code: string; message: string }[];
  ignored_columns: string[];
  error?: { code: string; message: string };
}

function csv(rows: (string | number)[][]): string {
  return rows.map((row) => row.join(',')).join('\n') + '\n';
}

describe('reference data', () => {
  let t: TestService;
  let store: ReferenceStore;
  let closeStore: () => Promise<void>;

  beforeAll(async () => {
    t = await startTestService();
    const pool = createPool({ url: t.database.url, max: 2 });
    store = new ReferenceStore(pool);
    closeStore = () => pool.end();
    for (const model of ['churn', 'lenient']) {
      const response = await call(t.url, `/v1/models/${model}/versions/1`, {
        method: 'PUT',
        body: CHURN_DEFINITION,
      });
      expect(response.status).toBe(201);
    }
  });
  afterAll(async () => {
    await closeStore();
    await t.close();
  });

  const upload = (body: string, contentType = 'text/csv', model = 'churn') =>
    call<ImportBody>(t.url, `/v1/models/${model}/versions/1/reference`, {
      method: 'PUT',
      raw: body,
      contentType,
    });

  it('imports a CSV and stores sorted values, counts, missing counts and the score profile', async () => {
    const body = csv([
      ['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'region', 'score'],
      [12, 50.5, 1, 'basic', 'eu', 0.2],
      [3, 20, 0, 'pro', '"us, east"', 0.9],
      [40, '', 2, 'basic', 'eu', ''],
      [7, 99.25, 5, '', 'apac', 0.4],
    ]);
    const response = await upload(body);
    expect(response.status).toBe(200);
    expect(response.body.rows).toBe(4);
    expect(response.body.rejected).toEqual([]);

    const profile = await store.load('churn', '1');
    expect(profile?.rows).toBe(4);
    const [tenure, charges, , plan, region] = profile!.features;
    expect(tenure).toMatchObject({ kind: 'numeric', n: 4, missing: 0, min: 3, max: 40 });
    expect(Array.from(tenure!.kind === 'numeric' ? tenure!.sortedValues : [])).toEqual([
      3, 7, 12, 40,
    ]);
    expect(charges).toMatchObject({ n: 3, missing: 1 });
    expect(plan).toMatchObject({
      kind: 'categorical',
      n: 3,
      missing: 1,
      counts: { basic: 2, pro: 1 },
    });
    expect(region).toMatchObject({ counts: { eu: 2, 'us, east': 1, apac: 1 } });
    expect(profile!.score).toMatchObject({ n: 3, missing: 1, min: 0.2, max: 0.9 });
  });

  it('imports NDJSON rows, flat or shaped like prediction records', async () => {
    const lines = [
      {
        tenure_months: 1,
        monthly_charges: 10,
        support_calls: 0,
        plan: 'basic',
        region: 'eu',
        score: 0.1,
      },
      {
        features: {
          tenure_months: 2,
          monthly_charges: 20,
          support_calls: 1,
          plan: 'pro',
          region: 'us',
        },
        score: 0.2,
      },
      { tenure_months: 3, plan: 'basic' },
    ];
    const response = await upload(
      lines.map((l) => JSON.stringify(l)).join('\n'),
      'application/x-ndjson',
    );
    expect(response.status).toBe(200);
    expect(response.body.rows).toBe(3);
    const profile = await store.load('churn', '1');
    const tenure = profile!.features[0]!;
    expect(tenure.kind === 'numeric' && Array.from(tenure.sortedValues)).toEqual([1, 2, 3]);
    expect(profile!.features[1]).toMatchObject({ n: 2, missing: 1 });
  });

  it('replaces the previous reference as a whole', async () => {
    await upload(
      csv([
        ['tenure_months', 'plan'],
        [1, 'a'],
        [2, 'b'],
      ]),
    );
    await upload(
      csv([
        ['tenure_months', 'plan'],
        [100, 'z'],
      ]),
    );
    const profile = await store.load('churn', '1');
    expect(profile!.rows).toBe(1);
    const tenure = profile!.features[0]!;
    expect(tenure.kind === 'numeric' && Array.from(tenure.sortedValues)).toEqual([100]);
    expect(profile!.features[3]).toMatchObject({ counts: { z: 1 } });
  });

  it('rejects bad rows by index and keeps the good ones', async () => {
    const response = await upload(
      csv([
        ['tenure_months', 'monthly_charges', 'plan'],
        [1, 10, 'a'],
        ['NaN', 10, 'a'],
        ['ten', 10, 'b'],
        [4, 'inf', 'c'],
        [5, 50, 'd', 'extra-cell'],
        [6, 60, 'e'],
      ]),
    );
    expect(response.status).toBe(200);
    expect(response.body.rows).toBe(2);
    expect(response.body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'non_finite'],
      [2, 'wrong_type'],
      [3, 'non_finite'],
      [4, 'bad_value'],
    ]);
  });

  it('answers 400 when no row is valid, keeping the previous reference', async () => {
    await upload(csv([['tenure_months'], [1], [2]]));
    const response = await upload(csv([['tenure_months'], ['x'], ['y']]));
    expect(response.status).toBe(400);
    const profile = await store.load('churn', '1');
    expect(profile!.rows).toBe(2);
  });

  it('refuses columns outside the schema unless the model ignores unknown features', async () => {
    const body = csv([
      ['tenure_months', 'colour'],
      [1, 'red'],
    ]);
    const strict = await upload(body);
    expect(strict.status).toBe(400);
    expect(strict.body.error?.message).toContain('colour');
    const lenient = await upload(body, 'text/csv', 'lenient');
    expect(lenient.status).toBe(200);
    expect(lenient.body.ignored_columns).toEqual(['colour']);
  });

  it('answers 400 for a CSV it cannot parse, 404 for an unknown version and 415 for other types', async () => {
    const broken = await upload('tenure_months,plan\n1,"unclosed\n');
    expect(broken.status).toBe(400);
    expect(broken.body.error?.code).toBe('body_unparseable');
    const unknown = await call(t.url, '/v1/models/churn/versions/9/reference', {
      method: 'PUT',
      raw: 'a\n1\n',
      contentType: 'text/csv',
    });
    expect(unknown.status).toBe(404);
    const json = await upload('[]', 'application/json');
    expect(json.status).toBe(415);
  });

  it('imports through the CLI', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dw-ref-'));
    try {
      const file = path.join(dir, 'reference.csv');
      const rows: (string | number)[][] = [
        ['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'region'],
      ];
      for (let i = 0; i < 500; i += 1)
        rows.push([i % 72, 20 + (i % 80), i % 4, ['basic', 'pro'][i % 2]!, 'eu']);
      await writeFile(file, csv(rows));
      const { code, stdout } = await runCli([
        'reference',
        'import',
        '--model',
        'churn',
        '--version',
        '1',
        '--url',
        t.url,
        file,
      ]);
      expect(code).toBe(0);
      expect(stdout).toContain('imported 500 reference rows for churn version 1');
      const profile = await store.load('churn', '1');
      expect(profile!.rows).toBe(500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the CLI exit non-zero with the reason when the upload is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dw-ref-'));
    try {
      const file = path.join(dir, 'bad.csv');
      await writeFile(file, 'unknown_column\n1\n');
      const failure = await runCli([
        'reference',
        'import',
        '-m',
        'churn',
        '-v',
        '1',
        '--url',
        t.url,
        file,
      ]);
      // A refused upload is an error (2), never a verdict (1 is drift).
      expect(failure.code).toBe(2);
      expect(failure.stderr).toMatch(/import failed \(HTTP 400\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
