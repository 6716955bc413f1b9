/**
 * A database that hangs instead of failing: the test's own embedded
 * PostgreSQL is frozen with SIGSTOP (postmaster and backends), so connections
 * stay open and nothing answers — no RST, no error, no statement_timeout
 * (a stopped server runs no timer). Requests must still answer 503 with
 * Retry-After within the request pool's limits, liveness must hold, and once
 * the server is thawed the service works again without a restart.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startService, type RunningService } from '../../src/main.js';
import { call, type CallResult } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { until } from '../helpers/until.js';
import { startOwnPostgres, type OwnPostgres } from './ownPostgres.js';

async function timed<T>(
  pending: Promise<CallResult<T>>,
): Promise<CallResult<T> & { elapsedMs: number }> {
  const startedMs = Date.now();
  const result = await pending;
  return { ...result, elapsedMs: Date.now() - startedMs };
}

/** Slack over the configured limit for the HTTP round trip and a loaded CI machine. */
const SLACK_MS = 3_000;

describe('a frozen database', () => {
  let database: OwnPostgres;
  let service: RunningService;
  let config: Config;

  beforeAll(async () => {
    database = await startOwnPostgres('dw-frozen-');
    // The default limits: what a deployment gets without configuring any.
    config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0' },
    });
    service = await startService(config, { logger: pino({ level: 'silent' }) });
    const registered = await call(service.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
    // Warm the pool: the requests below get connections that were fine a moment ago.
    const first = await call(service.url, '/v1/predictions', {
      body: Array.from({ length: 10 }, (_, i) => churnRecord(i)),
    });
    expect(first.status).toBe(200);
  });

  afterAll(async () => {
    database?.thaw();
    await service?.close();
    await database?.close();
  });

  it('answers 503 with Retry-After within the request limits, keeps /health, and recovers when thawed', async () => {
    const { connectMs, queryMs } = config.database.timeouts.requests;
    const limitMs = Math.max(connectMs, queryMs);
    const frozen = await database.freeze();
    expect(frozen.length).toBeGreaterThan(1); // the postmaster and its processes
    try {
      const ingest = timed(
        call<{ error: { code: string } }>(service.url, '/v1/predictions', {
          body: Array.from({ length: 20 }, (_, i) => churnRecord(100 + i)),
        }),
      );
      const read = timed(
        call<{ error: { code: string } }>(service.url, '/v1/models/churn/runs?kind=drift'),
      );
      const health = await timed(call(service.url, '/health'));
      expect(health.status).toBe(200);
      expect(health.elapsedMs).toBeLessThan(2_000);

      for (const response of [await ingest, await read]) {
        expect(response.status).toBe(503);
        expect(response.body.error.code).toBe('database_unavailable');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(response.elapsedMs).toBeLessThan(limitMs + SLACK_MS);
      }
      // A request arriving now finds the pool's hung connections gone, and a
      // new connection the frozen server never accepts: the connect limit.
      const later = await timed(
        call<{ error: { code: string } }>(service.url, '/v1/models/churn/runs?kind=drift'),
      );
      expect(later.status).toBe(503);
      expect(later.elapsedMs).toBeLessThan(limitMs + SLACK_MS);
    } finally {
      database.thaw();
    }

    await until(
      async () => (await call(service.url, '/ready')).status === 200,
      'readiness after the thaw',
    );
    const records = Array.from({ length: 50 }, (_, i) => churnRecord(1_000 + i));
    const stored = await call<{ accepted: number }>(service.url, '/v1/predictions', {
      body: records,
    });
    expect(stored.status).toBe(200);
    expect(stored.body.accepted).toBe(50);
    const rows = await database.withClient(async (client) => {
      const result = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM predictions WHERE request_id LIKE 'req-1___'",
      );
      return result.rows[0]!.n;
    });
    expect(rows).toBe(50);
  });
});
