/**
 * Text PostgreSQL cannot store, inside otherwise valid batches: the bad
 * record is refused by index, every other record is stored, and a retry of
 * the batch answers `duplicates` (the retry path after a crash), never 500.
 * Prototype-named features: real ones work end to end, others are unknown.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
  rejected_count: number;
}

describe('unstorable text inside a batch', () => {
  let service: TestService;
  let db: pg.Client;

  beforeAll(async () => {
    service = await startTestService();
    for (const [model, definition] of [
      ['churn', CHURN_DEFINITION],
      [
        'proto',
        {
          task: 'regression',
          features: [
            { name: '__proto__', type: 'numeric' },
            { name: 'constructor', type: 'categorical' },
            { name: 'prototype', type: 'numeric' },
          ],
        },
      ],
    ] as const) {
      const put = await call(service.url, `/v1/models/${model}/versions/1`, {
        method: 'PUT',
        body: definition,
      });
      expect(put.status, model).toBe(201);
    }
    db = new pg.Client({ connectionString: service.database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await db.query<{ n: number }>(sql, params);
    return rows[0]!.n;
  }

  /** 1,000 valid records with `poison` put in at `at`, sent as JSON text. */
  function batch(prefix: string, at: number, poison: string): string {
    const records = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify(churnRecord(i, { request_id: `${prefix}-${i}` })),
    );
    records[at] = poison;
    return `[${records.join(',')}]`;
  }

  const poisons: [string, (prefix: string) => string][] = [
    ['NUL in request_id', (p) => JSON.stringify(churnRecord(1, { request_id: `${p}-x\u0000` }))],
    [
      'a lone surrogate in request_id',
      (p) =>
        JSON.stringify(churnRecord(1, { request_id: `${p}-x` })).replace(`${p}-x`, `${p}-x\\ud800`),
    ],
    [
      'NUL in a category',
      (p) =>
        JSON.stringify(churnRecord(1, { request_id: `${p}-x` })).replace('"plus"', '"pl\\u0000us"'),
    ],
  ];

  for (const [name, poison] of poisons) {
    it(`stores the other 999 records around ${name}, and a retry gives 999 duplicates`, async () => {
      const prefix = name.replace(/\W+/g, '_');
      const body = batch(prefix, 500, poison(prefix));
      const first = await call<IngestAnswer>(service.url, '/v1/predictions', { raw: body });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ accepted: 999, duplicates: 0, rejected_count: 1 });
      expect(first.body.rejected).toEqual([
        { index: 500, code: 'bad_value', message: expect.stringMatching(/request_id|feature/) },
      ]);
      expect(
        await count('SELECT count(*)::int AS n FROM predictions WHERE request_id LIKE $1', [
          `${prefix}-%`,
        ]),
      ).toBe(999);

      const retry = await call<IngestAnswer>(service.url, '/v1/predictions', { raw: body });
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ accepted: 0, duplicates: 999, rejected_count: 1 });
    });
  }

  it('refuses two different lone surrogates in one batch by index, storing the rest', async () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify(churnRecord(i, { request_id: `pair-${i}` })),
    );
    records[3] = records[3]!.replace('pair-3', 'pair-\\ud800');
    records[7] = records[7]!.replace('pair-7', 'pair-\\udbff');
    const answer = await call<IngestAnswer>(service.url, '/v1/predictions', {
      raw: `[${records.join(',')}]`,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(8);
    expect(answer.body.rejected.map((r) => [r.index, r.code])).toEqual([
      [3, 'bad_value'],
      [7, 'bad_value'],
    ]);
  });

  it('lists at most 100 rejections but counts them all', async () => {
    const records = Array.from({ length: 5000 }, (_, i) =>
      i === 0 ? JSON.stringify(churnRecord(0, { request_id: 'list-0' })) : '1',
    );
    const answer = await call<IngestAnswer>(service.url, '/v1/predictions', {
      raw: `[${records.join(',')}]`,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected_count).toBe(4999);
    expect(answer.body.rejected).toHaveLength(100);
    expect(answer.body.rejected[0]).toMatchObject({ index: 1, code: 'not_an_object' });
    expect(answer.body.rejected[99]).toMatchObject({ index: 100, code: 'not_an_object' });
  });

  it('stores features named __proto__, constructor and prototype when the schema has them', async () => {
    const text = JSON.stringify({
      model: 'proto',
      model_version: '1',
      request_id: 'proto-1',
      timestamp: new Date().toISOString(),
      features: { constructor: 'a', prototype: 2 },
      score: 0.5,
    }).replace('"features":{', '"features":{"__proto__":1.5,');
    const answer = await call<IngestAnswer>(service.url, '/v1/predictions', { raw: `[${text}]` });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 1, rejected_count: 0 });
    const { rows } = await db.query<{
      num_values: number[];
      cat_values: string[];
      missing_count: number;
    }>(
      "SELECT num_values, cat_values, missing_count FROM predictions WHERE request_id = 'proto-1'",
    );
    expect(rows[0]).toEqual({ num_values: [1.5, 2], cat_values: ['a'], missing_count: 0 });
  });

  it('runs a drift check over features named __proto__, constructor and prototype', async () => {
    const rows = ['__proto__,constructor,prototype'];
    for (let i = 0; i < 300; i += 1) rows.push(`${i % 50},${['a', 'b', 'c'][i % 3]},${i % 7}`);
    const imported = await call<{ rows: number; rejected_count: number }>(
      service.url,
      '/v1/models/proto/versions/1/reference',
      { method: 'PUT', raw: rows.join('\n'), contentType: 'text/csv' },
    );
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ rows: 300, rejected_count: 0 });

    // Live traffic shifted on __proto__ only.
    const records = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        model: 'proto',
        model_version: '1',
        request_id: `live-${i}`,
        timestamp: new Date().toISOString(),
        features: { constructor: ['a', 'b', 'c'][i % 3], prototype: i % 7 },
      }).replace('"features":{', `"features":{"__proto__":${100 + (i % 50)},`),
    );
    const ingested = await call<IngestAnswer>(service.url, '/v1/predictions', {
      raw: `[${records.join(',')}]`,
    });
    expect(ingested.body.accepted).toBe(300);

    const run = await call<{
      runs: { status: string; results: { feature: string; test: string; drifted: boolean }[] }[];
    }>(service.url, '/v1/models/proto/checks/drift/run?window=1h', { method: 'POST' });
    expect(run.status).toBe(200);
    const tested = run.body.runs[0]!.results.filter(
      (r) => r.test === 'ks' || r.test === 'chi_square',
    );
    // Pairs, not an object literal: `{ __proto__: … }` would set a prototype.
    expect(tested.map((r) => [r.feature, r.drifted])).toEqual([
      ['__proto__', true],
      ['constructor', false],
      ['prototype', false],
    ]);
    expect(run.body.runs[0]!.status).toBe('drift');
  });
});
