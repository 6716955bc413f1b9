/**
 * A real database outage: this file runs its own embedded PostgreSQL so it can
 * stop the server — in the middle of an ingest transaction, or while a
 * per-second check is scheduled — and start it again, with the service
 * running throughout.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { call } from '../helpers/service.js';
import { metricValue } from '../helpers/metrics.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { until } from '../helpers/until.js';
import {
  holdIngestAfterKeys,
  ingestHeld,
  startOwnPostgres,
  type OwnPostgres,
} from './ownPostgres.js';

describe('database outage', () => {
  let database: OwnPostgres;
  let service: RunningService;

  beforeAll(async () => {
    database = await startOwnPostgres('dw-outage-');
    const config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0' },
    });
    service = await startService(config, { logger: pino({ level: 'silent' }) });
    expect(
      (
        await call(service.url, '/v1/models/churn/versions/1', {
          method: 'PUT',
          body: CHURN_DEFINITION,
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  it('answers 503 with Retry-After when the server stops mid-transaction, and keeps no part of the batch', async () => {
    // Hold the ingest transaction open after its COPY so that the server can be
    // stopped while the batch is half-way through.
    await holdIngestAfterKeys(database);
    const records = Array.from({ length: 500 }, (_, i) => churnRecord(i));
    const pending = call<{ error: { code: string } }>(service.url, '/v1/predictions', {
      body: records,
    });

    await ingestHeld(database);
    await database.stop();

    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('database_unavailable');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);

    // While the server is down: liveness holds, readiness says why not.
    expect((await call(service.url, '/health')).status).toBe(200);
    const ready = await call<{ status: string; reason: string }>(service.url, '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.reason.length).toBeGreaterThan(0);
    const whileDown = await call<{ error: { code: string } }>(service.url, '/v1/predictions', {
      body: [churnRecord(9999)],
    });
    expect(whileDown.status).toBe(503);
    expect(Number(whileDown.headers.get('retry-after'))).toBeGreaterThan(0);

    await database.start();
    const counts = await database.withClient(async (c) => {
      await c.query('DROP TRIGGER hold_ingest ON prediction_keys');
      const predictions = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM predictions',
      );
      const keys = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM prediction_keys');
      return { predictions: predictions.rows[0]!.n, keys: keys.rows[0]!.n };
    });
    expect(counts).toEqual({ predictions: 0, keys: 0 });

    // Once the server is back, the same batch is stored in full: nothing lost
    // for a client that retries.
    await until(
      async () => (await call(service.url, '/ready')).status === 200,
      'readiness after restart',
    );
    const retry = await call<{ accepted: number }>(service.url, '/v1/predictions', {
      body: records,
    });
    expect(retry.status).toBe(200);
    expect(retry.body.accepted).toBe(500);
    const stored = await database.withClient(async (c) => {
      const result = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions');
      return result.rows[0]!.n;
    });
    expect(stored).toBe(500);
  });

  it('counts the check slots missed while the database is down, and runs the next slot once it is back', async () => {
    // The fixture schedules the drift check of model `scheduled` every second.
    const registered = await call(service.url, '/v1/models/scheduled/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
    const driftRuns = async (): Promise<{ started_at: string }[]> => {
      const response = await call<{ runs: { started_at: string }[] }>(
        service.url,
        '/v1/models/scheduled/runs?kind=drift&limit=100',
      );
      return response.status === 200 ? response.body.runs : [];
    };
    await until(async () => (await driftRuns()).length > 0, 'a first scheduled drift run');

    const series =
      'driftwatch_check_slots_missed_total{model="scheduled",kind="drift",reason="database_unavailable"}';
    const missed = async (): Promise<number> =>
      metricValue((await call<string>(service.url, '/metrics')).body, series);
    // Every series starts at zero, so that increase() sees the first miss.
    expect((await call<string>(service.url, '/metrics')).body).toContain(`${series} 0`);

    await database.stop();
    await until(async () => (await missed()) >= 2, 'two slots counted as missed');

    await database.start();
    const restartedMs = Date.now();
    await until(
      async () =>
        (await driftRuns()).some((run) => new Date(run.started_at).getTime() >= restartedMs),
      'a scheduled drift run after the restart',
      10_000,
    );
  });
});
