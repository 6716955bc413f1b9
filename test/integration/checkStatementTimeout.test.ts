/**
 * Checks run on the jobs pool, whose statement limit is theirs alone: a
 * check whose read PostgreSQL cancels at that limit is the check's failure,
 * recorded as an `error` run naming the timeout (the database is there to
 * record it), while API requests keep their own, shorter limits.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { churnRows, referenceCsv } from '../helpers/churnData.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { call } from '../helpers/service.js';

describe('a check cut at the jobs pool statement limit', () => {
  let database: TestDatabase;
  let service: RunningService;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0' },
    });
    config.database.timeouts.jobs = {
      connectMs: 5_000,
      statementMs: 300,
      queryMs: 10_000,
      idleInTransactionMs: 0,
    };
    service = await startService(config, { logger: pino({ level: 'silent' }) });
    const created = await call(service.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(created.status).toBe(201);
    const imported = await call(service.url, '/v1/models/churn/versions/1/reference', {
      method: 'PUT',
      raw: referenceCsv(churnRows(500, 1)),
      contentType: 'text/csv',
    });
    expect(imported.status).toBe(200);
    const ingested = await call(service.url, '/v1/predictions', {
      body: Array.from({ length: 50 }, (_, i) => churnRecord(i)),
    });
    expect(ingested.status).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('is recorded as an error run that names the timeout', async () => {
    // A lock held elsewhere makes the check's window read wait past its limit.
    const blocker = await service.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE');
      const response = await call<{ runs: { status: string; error: string | null }[] }>(
        service.url,
        '/v1/models/churn/checks/drift/run?version=1',
        { method: 'POST' },
      );
      expect(response.status).toBe(200);
      expect(response.body.runs).toHaveLength(1);
      expect(response.body.runs[0]).toMatchObject({ status: 'error' });
      expect(response.body.runs[0]?.error).toMatch(/statement timeout/);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    // The same check, unblocked, completes.
    const again = await call<{ runs: { status: string }[] }>(
      service.url,
      '/v1/models/churn/checks/drift/run?version=1',
      { method: 'POST' },
    );
    expect(again.status).toBe(200);
    expect(again.body.runs[0]?.status).not.toBe('error');
  });
});
