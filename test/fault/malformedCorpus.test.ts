/**
 * A corpus of hostile and broken inputs, each with the status and error code
 * it must get. After every one the service must still answer `/health` and
 * store a valid batch: no input may take it down or wedge it.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

interface Case {
  name: string;
  method?: string;
  path?: string;
  /** Raw body bytes; a record list is sent as JSON. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  /** `error.code` of the answer. */
  code: string;
  /** For a batch refused record by record: the code of its first rejection. */
  rejection?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const NDJSON_TYPE = { 'content-type': 'application/x-ndjson' };

/** One record as a JSON array body, with fields replaced or removed (undefined). */
function recordBody(overrides: Record<string, unknown>): string {
  return JSON.stringify([churnRecord(1, overrides)]);
}

function withFeatures(features: Record<string, unknown>): string {
  const base = churnRecord(1).features as Record<string, unknown>;
  return recordBody({ features: { ...base, ...features } });
}

/** A record whose JSON text has `from` replaced by `to` (for what JSON.stringify cannot write). */
function recordText(from: string, to: string): string {
  const text = recordBody({});
  expect(text).toContain(from);
  return text.replace(from, to);
}

/** A record whose `plan` value holds the byte 0xFF, which is never UTF-8. */
function notUtf8Category(): Buffer {
  const [head, tail] = recordBody({}).split('"plan":"plus"') as [string, string];
  return Buffer.concat([
    Buffer.from(`${head}"plan":"p`),
    Buffer.from([0xff]),
    Buffer.from(`lus"${tail}`),
  ]);
}

function rejected(name: string, body: string | Buffer, rejection: string): Case {
  return { name, body, headers: JSON_TYPE, status: 400, code: 'validation_failed', rejection };
}

function cases(): Case[] {
  const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
  const deepObject = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
  return [
    // The body as a whole.
    {
      name: 'truncated JSON array',
      body: recordBody({}).slice(0, 40),
      headers: JSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'not JSON at all',
      body: 'hello world',
      headers: JSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    { name: 'empty body', body: '', headers: JSON_TYPE, status: 400, code: 'body_unparseable' },
    { name: 'empty array', body: '[]', headers: JSON_TYPE, status: 400, code: 'body_unparseable' },
    {
      name: 'blank NDJSON',
      body: '\n\n  \n',
      headers: NDJSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'garbage after the array',
      body: `${recordBody({})} trailing`,
      headers: JSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'unbalanced brace',
      body: '[{"a":1}}]',
      headers: JSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'array never closed after deep nesting',
      body: '['.repeat(100_000),
      headers: JSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'truncated gzip',
      body: gzipSync(recordBody({})).subarray(0, 20),
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'gzip header on plain text',
      body: recordBody({}),
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'gzip bomb (64 MiB of zeros in ~64 KiB)',
      body: gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      status: 413,
      code: 'body_too_large',
    },
    {
      name: 'giant NDJSON line without newline (past the body limit)',
      body: Buffer.alloc(33 * 1024 * 1024, 0x61),
      headers: NDJSON_TYPE,
      status: 413,
      code: 'body_too_large',
    },
    {
      name: 'text/plain',
      body: recordBody({}),
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'application/xml',
      body: '<records/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'no content type',
      body: recordBody({}),
      headers: {},
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'brotli encoding',
      body: recordBody({}),
      headers: { ...JSON_TYPE, 'content-encoding': 'br' },
      status: 415,
      code: 'unsupported_media_type',
    },

    // Records, each refused on its own (a batch of one is then a 400).
    rejected('a number instead of a record', '[1]', 'not_an_object'),
    rejected('null instead of a record', '[null]', 'not_an_object'),
    rejected('a nested array instead of a record', '[[1,2]]', 'not_an_object'),
    rejected('Python NaN', recordText('"score":', '"score":NaN,"x":'), 'invalid_json'),
    rejected('a single quote string', `[{'model':'churn'}]`, 'invalid_json'),
    rejected('an array nested 100,000 deep', `[${deepArray}]`, 'not_an_object'),
    rejected(
      'an object nested 50,000 deep as a feature',
      withFeatures({}).replace('"plan"', `"deep":${deepObject},"plan"`),
      'wrong_type',
    ),
    {
      name: 'a 10 MB line without newline (under the body limit)',
      body: `{"model":"${'m'.repeat(10 * 1024 * 1024)}`,
      headers: NDJSON_TYPE,
      status: 400,
      code: 'validation_failed',
      rejection: 'invalid_json',
    },
    rejected('missing model', recordBody({ model: undefined }), 'missing_field'),
    rejected('missing request_id', recordBody({ request_id: undefined }), 'missing_field'),
    rejected('missing timestamp', recordBody({ timestamp: undefined }), 'missing_field'),
    rejected('missing features', recordBody({ features: undefined }), 'missing_field'),
    rejected('an unknown field', recordBody({ sccore: 0.4 }), 'unknown_field'),
    rejected('model as a number', recordBody({ model: 5 }), 'wrong_type'),
    rejected('features as an array', recordBody({ features: [1, 2] }), 'wrong_type'),
    rejected('features as a string', recordBody({ features: 'tenure=3' }), 'wrong_type'),
    rejected('score as a string', recordBody({ score: '0.5' }), 'wrong_type'),
    rejected('prediction as an object', recordBody({ prediction: { p: 1 } }), 'wrong_type'),
    rejected('label as a string', recordBody({ label: 'yes' }), 'wrong_type'),
    rejected('status as a number', recordBody({ status: 3 }), 'wrong_type'),
    rejected('negative latency', recordBody({ latency_ms: -1 }), 'bad_value'),
    rejected(
      'score overflowing to Infinity',
      recordText('"score":', '"score":1e999,"x":'),
      'non_finite',
    ),
    rejected(
      'a 5,000-digit score',
      recordText('"score":', `"score":${'9'.repeat(5000)},"x":`),
      'non_finite',
    ),
    rejected(
      'a feature overflowing to Infinity',
      recordText('"support_calls":', '"support_calls":-1e400,"x":'),
      'non_finite',
    ),
    rejected('timestamp that is no date', recordBody({ timestamp: 'yesterday' }), 'bad_timestamp'),
    rejected(
      'timestamp month 13',
      recordBody({ timestamp: '2026-13-45T00:00:00Z' }),
      'bad_timestamp',
    ),
    rejected(
      'timestamp without a zone',
      recordBody({ timestamp: '2026-01-31T11:00:00' }),
      'bad_timestamp',
    ),
    rejected(
      'timestamp far in the future',
      recordBody({ timestamp: '2999-01-01T00:00:00Z' }),
      'bad_timestamp',
    ),
    rejected('timestamp in 1970', recordBody({ timestamp: 0 }), 'bad_timestamp'),
    rejected('timestamp of 1e20 seconds', recordBody({ timestamp: 1e20 }), 'bad_timestamp'),
    rejected('empty timestamp', recordBody({ timestamp: '' }), 'bad_timestamp'),
    rejected('an unregistered model', recordBody({ model: 'nope' }), 'unknown_model'),
    rejected('an unregistered version', recordBody({ model_version: '99' }), 'unknown_version'),
    rejected('an unknown feature', withFeatures({ colour: 'red' }), 'unknown_feature'),
    rejected(
      '__proto__ as an unknown feature',
      recordText('"plan":', '"__proto__":1,"plan":'),
      'unknown_feature',
    ),
    rejected(
      '__proto__ holding an object',
      recordText('"plan":', '"__proto__":{"polluted":1},"plan":'),
      'wrong_type',
    ),
    rejected(
      'constructor as an unknown feature',
      withFeatures({ constructor: 1 }),
      'unknown_feature',
    ),
    rejected(
      'prototype as an unknown feature',
      withFeatures({ prototype: 'x' }),
      'unknown_feature',
    ),
    rejected(
      'a 10,000-character feature name',
      withFeatures({ ['f'.repeat(10_000)]: 1 }),
      'unknown_feature',
    ),
    rejected(
      'a numeric feature sent as text',
      withFeatures({ tenure_months: 'twelve' }),
      'wrong_type',
    ),
    rejected('NUL in request_id', recordBody({ request_id: 'a\u0000b' }), 'bad_value'),
    rejected('NUL in model', recordBody({ model: 'churn\u0000' }), 'bad_value'),
    rejected('NUL in model_version', recordBody({ model_version: '1\u0000' }), 'bad_value'),
    rejected('NUL in a categorical value', withFeatures({ plan: 'pro\u0000' }), 'bad_value'),
    rejected('NUL in status', recordBody({ status: 'ok\u0000' }), 'bad_value'),
    rejected('NUL in prediction', recordBody({ prediction: 'yes\u0000' }), 'bad_value'),
    rejected(
      'a lone surrogate in request_id',
      recordText('"request_id":"req-1"', '"request_id":"r\\ud800"'),
      'bad_value',
    ),
    rejected(
      'a lone surrogate in a category',
      recordText('"plan":"plus"', '"plan":"\\udfff"'),
      'bad_value',
    ),
    rejected('bytes that are not UTF-8 in a category', notUtf8Category(), 'bad_value'),
    rejected('a 129-character model name', recordBody({ model: 'm'.repeat(129) }), 'too_long'),
    rejected('a 257-character request_id', recordBody({ request_id: 'r'.repeat(257) }), 'too_long'),
    rejected('a 65-character status', recordBody({ status: 's'.repeat(65) }), 'too_long'),
    rejected(
      'a 10 MB categorical value',
      withFeatures({ plan: 'p'.repeat(10 * 1024 * 1024) }),
      'too_long',
    ),

    // Labels.
    {
      name: 'a label with NUL in request_id',
      path: '/v1/labels',
      body: JSON.stringify([{ model: 'churn', request_id: 'x\u0000', label: 1 }]),
      headers: JSON_TYPE,
      status: 400,
      code: 'validation_failed',
      rejection: 'bad_value',
    },
    {
      name: 'a label with a 300-character request_id',
      path: '/v1/labels',
      body: JSON.stringify([{ model: 'churn', request_id: 'x'.repeat(300), label: 1 }]),
      headers: JSON_TYPE,
      status: 400,
      code: 'validation_failed',
      rejection: 'too_long',
    },

    // Paths, queries and other endpoints.
    {
      name: 'NUL in a path parameter',
      method: 'GET',
      path: '/v1/models/chu%00rn/runs',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'NUL in a registration path',
      method: 'PUT',
      path: '/v1/models/churn/versions/%00',
      body: JSON.stringify(CHURN_DEFINITION),
      headers: JSON_TYPE,
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'a path that is not UTF-8',
      method: 'GET',
      path: '/v1/models/%ff%fe/versions/1',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'NUL in a query value',
      method: 'GET',
      path: '/v1/webhooks/deliveries?model=%00',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'a registration body that is not JSON',
      method: 'PUT',
      path: '/v1/models/churn2/versions/1',
      body: '{"task":',
      headers: JSON_TYPE,
      status: 400,
      code: 'body_unparseable',
    },
    {
      name: 'an unknown route',
      method: 'GET',
      path: '/v1/nothing-here',
      status: 404,
      code: 'not_found',
    },
    {
      name: 'a method the route does not have',
      method: 'DELETE',
      path: '/v1/predictions',
      status: 404,
      code: 'not_found',
    },
  ];
}

/** One request with node:http (fetch cannot send every malformed thing), answer parsed as JSON. */
function send(
  baseUrl: string,
  item: Case,
): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const url = new URL(item.path ?? '/v1/predictions', baseUrl);
  const body = item.body === undefined ? undefined : Buffer.from(item.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: item.method ?? 'POST',
        headers: {
          ...item.headers,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({
              status: response.statusCode ?? 0,
              type: String(response.headers['content-type'] ?? ''),
              body: JSON.parse(text) as Record<string, unknown>,
            });
          } catch {
            reject(new Error(`${item.name}: answer is not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    // The server may close the connection before the whole body is sent (413).
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    request.end(body);
  });
}

describe('malformed input corpus', () => {
  let service: TestService;
  let db: pg.Client;
  let nextId = 1_000_000;

  beforeAll(async () => {
    service = await startTestService();
    const put = await call(service.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(put.status).toBe(201);
    db = new pg.Client({ connectionString: service.database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  async function storedCount(): Promise<number> {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions');
    return rows[0]!.n;
  }

  it('has at least 50 cases with distinct names', () => {
    const names = cases().map((item) => item.name);
    expect(names.length).toBeGreaterThanOrEqual(50);
    expect(new Set(names).size).toBe(names.length);
  });

  it('answers each case with its status and code, then still serves and stores', async () => {
    const failures: string[] = [];
    for (const item of cases()) {
      const before = await storedCount();
      const answer = await send(service.url, item);
      const code = (answer.body.error as { code?: string } | undefined)?.code;
      const rejection = (
        answer.body.rejected as { code: string; message: string }[] | undefined
      )?.[0];
      if (answer.status !== item.status || code !== item.code) {
        failures.push(
          `${item.name}: got ${answer.status} ${code}, want ${item.status} ${item.code}`,
        );
      }
      if (!answer.type.startsWith('application/json'))
        failures.push(`${item.name}: ${answer.type}`);
      if (item.rejection !== undefined && rejection?.code !== item.rejection) {
        failures.push(
          `${item.name}: first rejection ${rejection?.code} (${rejection?.message}), want ${item.rejection}`,
        );
      }
      if (rejection && rejection.message.length > 400) {
        failures.push(`${item.name}: a ${rejection.message.length}-character message`);
      }
      expect(await storedCount(), `${item.name} stored something`).toBe(before);

      // The service is still alive and still stores.
      expect((await call(service.url, '/health')).status, item.name).toBe(200);
      const valid = await call<{ accepted: number }>(service.url, '/v1/predictions', {
        body: [churnRecord(nextId++)],
      });
      expect(valid.status, item.name).toBe(200);
      expect(valid.body.accepted, item.name).toBe(1);
    }
    expect(failures).toEqual([]);
    expect(await storedCount()).toBe(nextId - 1_000_000);
  });
});
