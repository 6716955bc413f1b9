/**
 * POST /v1/intake/kserve during a real database outage (its own embedded
 * PostgreSQL, stopped and started with the service running): 503 with
 * Retry-After, no record kept from a failed transaction, and the complete
 * pair still waiting, so that an event sent again stores it in full.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { kserveFixture, postFixture } from '../helpers/kserveFixtures.js';
import { call } from '../helpers/service.js';
import { until } from '../helpers/until.js';
import {
  holdIngestAfterKeys,
  ingestHeld,
  startOwnPostgres,
  type OwnPostgres,
} from './ownPostgres.js';

/** Just after the fixtures' times. */
const NOW_MS = Date.parse('2021-04-10T00:30:00Z');

describe('KServe intake during a database outage', () => {
  let database: OwnPostgres;
  let service: RunningService;

  beforeAll(async () => {
    database = await startOwnPostgres('dw-kserve-outage-');
    const config = loadConfig({
      file: 'test/fixtures/kserve/driftwatch.kserve.yaml',
      env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0' },
    });
    service = await startService(config, {
      logger: pino({ level: 'silent' }),
      now: () => NOW_MS,
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  const counts = () =>
    database.withClient(async (c) => {
      const predictions = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM predictions',
      );
      const waiting = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM kserve_pending
          WHERE request IS NOT NULL AND response IS NOT NULL AND joined_at IS NULL`,
      );
      return { predictions: predictions.rows[0]!.n, completeUnjoined: waiting.rows[0]!.n };
    });

  it('answers 503, keeps no record, and stores the pair when an event comes again', async () => {
    const response = kserveFixture('v2-churn.response');
    const request = kserveFixture('v2-churn.request');
    expect((await postFixture(service.url, response)).body).toMatchObject({ pending: 1 });

    // Hold the ingest transaction after its COPY, then stop the server under it.
    await holdIngestAfterKeys(database);
    const joining = postFixture(service.url, request);
    await ingestHeld(database);
    await database.stop();
    const refused = await joining;
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('database_unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const whileDown = await postFixture(service.url, request);
    expect(whileDown.status).toBe(503);

    await database.start();
    await database.withClient((c) => c.query('DROP TRIGGER hold_ingest ON prediction_keys'));
    expect(await counts()).toEqual({ predictions: 0, completeUnjoined: 1 });
    await until(
      async () => (await call(service.url, '/ready')).status === 200,
      'readiness after restart',
    );

    const again = await postFixture(service.url, request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ joined: 1, accepted: 3, duplicates: 0 });
    expect(await counts()).toEqual({ predictions: 3, completeUnjoined: 0 });
  });
});
