/**
 * A model manifest may name its reference file; start-up imports it into a
 * version that has none. The bundled `demo-churn` versions come with theirs,
 * so `npm start` gives insufficient_data runs (no traffic yet), never error
 * runs for want of a reference.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { call } from '../helpers/service.js';

interface ReferenceBody {
  rows: number;
}

describe('references named by model manifests', () => {
  let database: TestDatabase;
  let modelsDir: string;
  const running: RunningService[] = [];

  async function start(): Promise<RunningService> {
    const config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: {
        DATABASE_URL: database.url,
        DRIFTWATCH_PORT: '0',
        DRIFTWATCH_MODELS_DIR: modelsDir,
      },
    });
    const service = await startService(config, {
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    running.push(service);
    return service;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    // The repository's models folder, plus two manifests whose reference cannot be imported.
    modelsDir = await mkdtemp(path.join(tmpdir(), 'dw-manifest-refs-'));
    await cp('models', modelsDir, { recursive: true });
    const manifest = (model: string, reference: string) => ({
      model,
      version: '1',
      task: 'regression',
      features: [{ name: 'x', type: 'numeric' }],
      reference,
    });
    for (const [model, reference] of [
      ['missing-file', 'missing-file/nowhere.csv'],
      ['outside', '../outside.csv'],
    ] as const) {
      await mkdir(path.join(modelsDir, model, '1'), { recursive: true });
      await writeFile(
        path.join(modelsDir, model, '1', 'model.json'),
        JSON.stringify(manifest(model, reference)),
      );
    }
  });
  afterAll(async () => {
    for (const service of running) await service.close();
    await database?.drop();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('imports demo-churn’s reference at start-up, so its checks say insufficient_data, not error', async () => {
    const service = await start();
    for (const version of ['1', '2']) {
      const reference = await call<ReferenceBody>(
        service.url,
        `/v1/models/demo-churn/versions/${version}/reference`,
      );
      expect(reference.status).toBe(200);
      expect(reference.body.rows).toBe(5_000);
      const checked = await call<{ runs: { status: string; error: string | null }[] }>(
        service.url,
        `/v1/models/demo-churn/checks/drift/run?version=${version}`,
        { method: 'POST' },
      );
      expect(checked.body.runs.map((run) => run.status)).toEqual(['insufficient_data']);
    }
    const metrics = (await call<string>(service.url, '/metrics')).body;
    expect(metrics).toMatch(
      /driftwatch_check_runs_total\{model="demo-churn",kind="drift",status="insufficient_data"\} 2/,
    );
    expect(metrics).not.toMatch(
      /driftwatch_check_runs_total\{model="demo-churn"[^}]*status="error"/,
    );
  });

  it('keeps a reference uploaded over the API across restarts', async () => {
    const [first] = running;
    const header =
      'tenure_months,monthly_charges,support_calls,total_charges,contract,payment_method';
    const rows = Array.from(
      { length: 300 },
      (_, i) => `${i % 72},${20 + (i % 90)},${i % 5},${(i % 72) * 50},month,card`,
    );
    const uploaded = await call(first!.url, '/v1/models/demo-churn/versions/1/reference', {
      method: 'PUT',
      raw: `${header}\n${rows.join('\n')}\n`,
      contentType: 'text/csv',
    });
    expect(uploaded.status).toBe(200);
    await first!.close();

    const second = await start();
    const kept = await call<ReferenceBody>(
      second.url,
      '/v1/models/demo-churn/versions/1/reference',
    );
    expect(kept.body.rows).toBe(300);
  });

  it('registers a version whose reference file is missing, and refuses a path outside the models folder', async () => {
    const service = running.at(-1)!;
    const missing = await call(service.url, '/v1/models/missing-file/versions/1');
    expect(missing.status).toBe(200);
    expect((await call(service.url, '/v1/models/missing-file/versions/1/reference')).status).toBe(
      404,
    );
    expect((await call(service.url, '/v1/models/outside/versions/1')).status).toBe(404);
  });
});
