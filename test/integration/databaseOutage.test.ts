/**
 * A real database outage: this file runs its own embedded PostgreSQL so it can
 * stop the server in the middle of an ingest transaction and start it again.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/storage/embeddedPostgres.js';
import { call } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function until(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('database outage', () => {
  let dataDir: string;
  let port: number;
  let database: EmbeddedServer;
  let service: RunningService;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'dw-outage-'));
    // As root the server runs as the postgres user, which must be able to enter the folder.
    await chmod(dataDir, 0o755);
    port = await freePort();
    database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port });
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
    await database?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('answers 503 with Retry-After when the server stops mid-transaction, and keeps no part of the batch', async () => {
    // Hold the ingest transaction open after its COPY so that the server can be
    // stopped while the batch is half-way through.
    await withClient((c) =>
      c.query(`
        CREATE FUNCTION hold_ingest() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
        CREATE TRIGGER hold_ingest AFTER INSERT ON prediction_keys
          FOR EACH STATEMENT EXECUTE FUNCTION hold_ingest();`),
    );
    const records = Array.from({ length: 500 }, (_, i) => churnRecord(i));
    const pending = call<{ error: { code: string } }>(service.url, '/v1/predictions', {
      body: records,
    });

    await until(
      () =>
        withClient(async (c) => {
          const { rowCount } = await c.query(
            "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY prediction_keys%' AND wait_event = 'PgSleep'",
          );
          return (rowCount ?? 0) > 0;
        }),
      'the ingest transaction to reach the trigger',
    );
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

    database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port });
    const counts = await withClient(async (c) => {
      await c.query('DROP TRIGGER hold_ingest ON prediction_keys');
      const predictions = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM predictions',
      );
      const keys = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM prediction_keys');
      return { predictions: predictions.rows[0]!.n, keys: keys.rows[0]!.n };
    });
    expect(counts).toEqual({ predictions: 0, keys: 0 });

    // Once the server is back, the same batch is stored in full.
    await until(
      async () => (await call(service.url, '/ready')).status === 200,
      'readiness after restart',
    );
    const retry = await call<{ accepted: number }>(service.url, '/v1/predictions', {
      body: records,
    });
    expect(retry.status).toBe(200);
    expect(retry.body.accepted).toBe(500);
  });
});
