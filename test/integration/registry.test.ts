import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

interface VersionBody {
  outcome?: string;
  model: string;
  version: string;
  task: string;
  features: { name: string; type: string }[];
  threshold: number;
  revision: number;
  error?: { code: string; message: string };
  problems?: string[];
}

describe('model registry', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t.close();
  });

  const put = (model: string, version: string, body: unknown) =>
    call<VersionBody>(t.url, `/v1/models/${model}/versions/${version}`, { method: 'PUT', body });

  it('round-trips a version: created, then unchanged, then readable', async () => {
    const created = await put('registry-a', '1', CHURN_DEFINITION);
    expect(created.status).toBe(201);
    expect(created.body.outcome).toBe('created');
    const again = await put('registry-a', '1', CHURN_DEFINITION);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('unchanged');
    expect(again.body.revision).toBe(1);

    const read = await call<VersionBody & { reference: unknown }>(
      t.url,
      '/v1/models/registry-a/versions/1',
    );
    expect(read.status).toBe(200);
    expect(read.body.features).toEqual(CHURN_DEFINITION.features);
    expect(read.body.task).toBe('binary_classification');
    expect(read.body.threshold).toBe(0.5);
    expect(read.body.reference).toBeNull();

    const list = await call<{ models: { name: string; versions: VersionBody[] }[] }>(
      t.url,
      '/v1/models',
    );
    const entry = list.body.models.find((m) => m.name === 'registry-a');
    expect(entry?.versions.map((v) => v.version)).toEqual(['1']);
  });

  it('keeps the feature order as registered', async () => {
    const features = [
      { name: 'z', type: 'numeric' },
      { name: 'a', type: 'categorical' },
      { name: 'm', type: 'numeric' },
    ];
    await put('ordered', '1', { task: 'regression', features });
    const read = await call<VersionBody>(t.url, '/v1/models/ordered/versions/1');
    expect(read.body.features.map((f) => f.name)).toEqual(['z', 'a', 'm']);
  });

  it('lists every problem of an invalid definition in one 400', async () => {
    const response = await put('bad', '1', {
      task: 'clustering',
      features: [
        { name: 'x', type: 'numeric' },
        { name: 'x', type: 'numeric' },
        { name: 'y', type: 'text' },
      ],
      threshold: 2,
      extra: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('validation_failed');
    const problems = response.body.problems ?? [];
    expect(problems.some((p) => p.startsWith('task'))).toBe(true);
    expect(problems.some((p) => p.includes('features.2.type'))).toBe(true);
    expect(problems.some((p) => p.startsWith('threshold'))).toBe(true);
    expect(problems.some((p) => p.includes('extra'))).toBe(true);
  });

  it('reports duplicate feature names', async () => {
    const response = await put('dup', '1', {
      task: 'regression',
      features: [
        { name: 'x', type: 'numeric' },
        { name: 'x', type: 'categorical' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.problems).toEqual([expect.stringContaining('duplicate feature name "x"')]);
  });

  it('refuses an invalid model name in the path', async () => {
    const response = await put('-bad', '1', CHURN_DEFINITION);
    expect(response.status).toBe(400);
    expect(response.body.problems?.[0]).toMatch(/^model: invalid name/);
  });

  it('answers 415 when the definition is not JSON and 404 for an unknown version', async () => {
    const text = await call(t.url, '/v1/models/x/versions/1', {
      method: 'PUT',
      raw: 'task=regression',
      contentType: 'text/plain',
    });
    expect(text.status).toBe(415);
    const missing = await call<VersionBody>(t.url, '/v1/models/registry-a/versions/99');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
  });

  it('allows a schema change while the version has no predictions', async () => {
    await put('evolving', '1', CHURN_DEFINITION);
    const changed = await put('evolving', '1', {
      ...CHURN_DEFINITION,
      features: [...CHURN_DEFINITION.features, { name: 'new_feature', type: 'numeric' }],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.outcome).toBe('updated');
    expect(changed.body.revision).toBe(2);
    expect(changed.body.features).toHaveLength(6);
  });

  it('refuses with 409 to change the schema of a version that has predictions, but allows the threshold', async () => {
    await put('churn', '1', CHURN_DEFINITION);
    const ingest = await call<{ accepted: number }>(t.url, '/v1/predictions', {
      body: [churnRecord(1)],
    });
    expect(ingest.body.accepted).toBe(1);

    const schemaChange = await put('churn', '1', {
      ...CHURN_DEFINITION,
      features: CHURN_DEFINITION.features.slice(0, 4),
    });
    expect(schemaChange.status).toBe(409);
    expect(schemaChange.body.error?.message).toMatch(/register a new version/);

    const taskChange = await put('churn', '1', { ...CHURN_DEFINITION, task: 'regression' });
    expect(taskChange.status).toBe(409);

    const threshold = await put('churn', '1', { ...CHURN_DEFINITION, threshold: 0.7 });
    expect(threshold.status).toBe(200);
    expect(threshold.body.threshold).toBe(0.7);

    // The stored schema is untouched by the refused change.
    const read = await call<VersionBody>(t.url, '/v1/models/churn/versions/1');
    expect(read.body.features).toHaveLength(5);
  });

  it('registers the manifests found under the models folder at start-up', async () => {
    const read = await call<VersionBody>(t.url, '/v1/models/manifested/versions/1');
    expect(read.status).toBe(200);
    expect(read.body.task).toBe('regression');
    expect(read.body.features).toEqual([
      { name: 'x', type: 'numeric' },
      { name: 'colour', type: 'categorical' },
    ]);
  });

  it('validates new predictions against a schema changed through another replica', async () => {
    // Simulates a second replica: change the schema directly in the database.
    await put('replica', '1', { task: 'regression', features: [{ name: 'a', type: 'numeric' }] });
    // Warm this replica's cache.
    const first = await call<{ accepted: number }>(t.url, '/v1/predictions', {
      body: [
        {
          model: 'replica',
          model_version: '1',
          request_id: 'nope',
          timestamp: new Date().toISOString(),
          features: { b: 1 },
        },
      ],
    });
    expect(first.status).toBe(400);
    const pg = await import('pg');
    const db = new pg.default.Client({ connectionString: t.database.url });
    await db.connect();
    try {
      await db.query(
        `UPDATE model_versions SET features = '[{"name":"b","type":"numeric"}]', revision = revision + 1
          WHERE model = 'replica' AND version = '1'`,
      );
    } finally {
      await db.end();
    }
    const record = {
      model: 'replica',
      model_version: '1',
      request_id: 'r1',
      timestamp: new Date().toISOString(),
      features: { a: 1 },
    };
    // Validated against the stale cached schema, the revision check refuses the write with a retryable 503.
    const stale = await call<{ error: { code: string } }>(t.url, '/v1/predictions', {
      body: [record],
    });
    expect(stale.status).toBe(503);
    expect(stale.headers.get('retry-after')).toBe('1');
    expect(stale.body.error.code).toBe('schema_changed');
    // The retry sees the new schema: "a" is now unknown.
    const retry = await call<{ rejected: { code: string }[] }>(t.url, '/v1/predictions', {
      body: [record],
    });
    expect(retry.status).toBe(400);
    expect(retry.body.rejected[0]?.code).toBe('unknown_feature');
  });
});
