import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createApp } from '../../src/http/app.js';
import { composeServices } from '../../src/main.js';
import { PartitionManager } from '../../src/storage/partitions.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { serverUrl } from '../helpers/database.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { call, startTestService, type TestService } from '../helpers/service.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the samples of the Prometheus text exposition format (comments skipped). */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

describe('health, readiness, metrics and the OpenAPI document of the running service', () => {
  let test: TestService;

  beforeAll(async () => {
    test = await startTestService();
  });

  afterAll(async () => {
    await test?.close();
  });

  it('answers /health with 200', async () => {
    const response = await call(test.url, '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers /ready with 200 once migrated', async () => {
    const response = await call(test.url, '/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready' });
  });

  it('answers /ready with 503 and the reason while a migration is pending', async () => {
    const { rows } = await test.service.pool.query<{ id: number; name: string; checksum: string }>(
      'DELETE FROM driftwatch_migrations WHERE id = 1 RETURNING id, name, checksum',
    );
    expect(rows).toHaveLength(1);
    try {
      const response = await call(test.url, '/ready');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        status: 'not_ready',
        reason: 'migrations pending: 001_init.sql',
      });
    } finally {
      const row = rows[0]!;
      await test.service.pool.query(
        'INSERT INTO driftwatch_migrations (id, name, checksum) VALUES ($1, $2, $3)',
        [row.id, row.name, row.checksum],
      );
    }
    expect((await call(test.url, '/ready')).status).toBe(200);
  });

  it('answers /ready with 503 while its database refuses connections, and 200 again after', async () => {
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    const name = test.database.name;
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      // Waits (up to 10 s) until every backend of the database has exited.
      await admin.query(
        'SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      const health = await call(test.url, '/health');
      expect(health.status).toBe(200);

      const response = await call<{ status: string; reason: string }>(test.url, '/ready');
      expect(response.status).toBe(503);
      expect(response.body.status).toBe('not_ready');
      expect(response.body.reason.length).toBeGreaterThan(0);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect((await call(test.url, '/ready')).status).toBe(200);
  });

  it('counts a stored prediction in driftwatch_predictions_total', async () => {
    const registered = await call(test.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
    const ingested = await call(test.url, '/v1/predictions', {
      body: [churnRecord(1, { status: 'timeout' })],
    });
    expect(ingested.body).toEqual({ accepted: 1, duplicates: 0, rejected: [], rejected_count: 0 });

    const response = await call<string>(test.url, '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const samples = parseSamples(response.body);
    const counted = samples.filter((sample) => sample.name === 'driftwatch_predictions_total');
    expect(counted).toEqual([
      {
        name: 'driftwatch_predictions_total',
        labels: { model: 'churn', model_version: '1', status: 'timeout' },
        value: 1,
      },
    ]);
  });

  it('serves /openapi.json equal to the committed docs/openapi.json', async () => {
    const response = await call(test.url, '/openapi.json');
    expect(response.status).toBe(200);
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'),
    );
    expect(response.body).toEqual(committed);
  });
});

describe('an app whose database cannot be reached', () => {
  let pool: Pool;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    pool = createPool({ url: 'postgres://driftwatch@127.0.0.1:1/driftwatch', max: 2 });
    const config = loadConfig({ file: 'test/fixtures/driftwatch.test.yaml', env: {} });
    const logger = pino({ level: 'silent' });
    const metrics = new Metrics({ defaultMetrics: false });
    const app = createApp(
      composeServices({
        config,
        pool,
        logger,
        metrics,
        partitions: new PartitionManager(pool),
        now: Date.now,
      }),
    );
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      if (!server) resolve();
      else server.close(() => resolve());
    });
    await pool?.end();
  });

  it('still answers /health with 200: liveness never touches the database', async () => {
    const response = await call(url, '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers /ready with 503 and the connection error as the reason', async () => {
    const response = await call(url, '/ready');
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      status: 'not_ready',
      reason: expect.stringMatching(/ECONNREFUSED/) as unknown,
    });
  });

  it('answers a request that needs the database with 503 and Retry-After', async () => {
    const response = await call(url, '/v1/models');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.body).toEqual({
      error: { code: 'database_unavailable', message: 'the database is unavailable' },
    });
  });
});
