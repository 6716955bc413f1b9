import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { call, startTestService, type TestService } from '../helpers/service.js';

const INGEST_TOKEN = 'ingest-token-0123456789';
const ADMIN_TOKEN = 'admin-token-0123456789ab';

const MODEL_PATH = '/v1/models/churn/versions/1';

describe('bearer-token authentication', () => {
  let test: TestService;

  beforeAll(async () => {
    test = await startTestService({
      env: { DRIFTWATCH_INGEST_TOKENS: INGEST_TOKEN, DRIFTWATCH_ADMIN_TOKENS: ADMIN_TOKEN },
    });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('takes the KServe intake token from access_token in the URL, and only there', async () => {
    const event = { raw: '{}', headers: { 'ce-id': 'a' } };
    expect((await call(test.url, '/v1/intake/kserve', event)).status).toBe(401);
    // Past authentication: the event itself is refused (400), not the caller.
    const ingest = await call(test.url, `/v1/intake/kserve?access_token=${INGEST_TOKEN}`, event);
    expect(ingest.status).toBe(400);
    const wrong = await call(test.url, '/v1/intake/kserve?access_token=not-a-known-token', event);
    expect(wrong.status).toBe(401);
    const elsewhere = await call(test.url, `/v1/predictions?access_token=${INGEST_TOKEN}`, {
      body: [churnRecord(1)],
    });
    expect(elsewhere.status).toBe(401);
  });

  it('refuses a request without a token with 401 and a Bearer challenge', async () => {
    const response = await call(test.url, '/v1/models');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body).toEqual({
      error: { code: 'unauthenticated', message: 'a valid bearer token is required' },
    });
  });

  it('refuses an unknown token with 401', async () => {
    const response = await call(test.url, '/v1/models', { token: 'not-a-known-token-at-all' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a token that is a prefix or an extension of a real one', async () => {
    for (const token of [ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`]) {
      const response = await call(test.url, '/v1/models', { token });
      expect(response.status, token).toBe(401);
    }
  });

  it('refuses a malformed Authorization header with 401', async () => {
    const headers = [
      ADMIN_TOKEN,
      `Basic ${Buffer.from(`user:${ADMIN_TOKEN}`).toString('base64')}`,
      'Bearer',
      'Bearer ',
      `Bearer ${ADMIN_TOKEN} extra`,
      `Token ${ADMIN_TOKEN}`,
    ];
    for (const authorization of headers) {
      const response = await call(test.url, '/v1/models', { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
    }
  });

  it('accepts the scheme name in any case', async () => {
    const response = await call(test.url, '/v1/models', {
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
  });

  it('refuses an ingest token on an admin route with 403', async () => {
    const response = await call(test.url, MODEL_PATH, {
      method: 'PUT',
      body: CHURN_DEFINITION,
      token: INGEST_TOKEN,
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: { code: 'forbidden', message: 'this token lacks the "admin" scope' },
    });
  });

  it('lets an admin token register a model version', async () => {
    const response = await call(test.url, MODEL_PATH, {
      method: 'PUT',
      body: CHURN_DEFINITION,
      token: ADMIN_TOKEN,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ outcome: 'created', model: 'churn', version: '1' });
  });

  it('lets an ingest token post predictions', async () => {
    await call(test.url, MODEL_PATH, { method: 'PUT', body: CHURN_DEFINITION, token: ADMIN_TOKEN });
    const response = await call(test.url, '/v1/predictions', {
      body: [churnRecord(1)],
      token: INGEST_TOKEN,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ accepted: 1, duplicates: 0, rejected: [], rejected_count: 0 });
  });

  it('lets an admin token post predictions too', async () => {
    const response = await call(test.url, '/v1/predictions', {
      body: [churnRecord(2)],
      token: ADMIN_TOKEN,
    });
    expect(response.status).toBe(200);
  });

  it('lets any valid token read the models', async () => {
    const response = await call(test.url, '/v1/models', { token: INGEST_TOKEN });
    expect(response.status).toBe(200);
  });

  it('refuses predictions without a token before reading the body', async () => {
    const response = await call(test.url, '/v1/predictions', { body: [churnRecord(3)] });
    expect(response.status).toBe(401);
  });

  it('serves /health, /ready and /metrics without a token', async () => {
    for (const path of ['/health', '/ready', '/metrics']) {
      const response = await call(test.url, path);
      expect(response.status, path).toBe(200);
    }
  });
});

describe('open mode (no tokens, loopback host)', () => {
  let test: TestService;

  beforeAll(async () => {
    test = await startTestService();
  });

  afterAll(async () => {
    await test?.close();
  });

  it('accepts requests without a token', async () => {
    const registered = await call(test.url, MODEL_PATH, { method: 'PUT', body: CHURN_DEFINITION });
    expect(registered.status).toBe(201);
    const ingested = await call(test.url, '/v1/predictions', { body: [churnRecord(1)] });
    expect(ingested.status).toBe(200);
    expect(ingested.body).toMatchObject({ accepted: 1 });
  });

  it('ignores an Authorization header it cannot check', async () => {
    const response = await call(test.url, '/v1/models', { token: 'whatever-token-value' });
    expect(response.status).toBe(200);
  });
});
