/**
 * The file tailer with a raw sample: each committed batch of lines carries a
 * key made of the file's identity and the byte range, stable across
 * restarts. When a checkpoint is lost (rewound here by hand) and a restarted
 * service reads the same lines again, every batch is answered as a replay:
 * the minute summaries still count each line once, although three quarters
 * of the records have no per-record key.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { inRawSample } from '../../src/core/sampleHash.js';
import { startService, type RunningService } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { writeTailerConfig } from '../helpers/tailerConfig.js';
import { call } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { until } from '../helpers/until.js';

const LINES = 300;
const BATCH_RECORDS = 50;

describe('file tailing with a raw sample', () => {
  let dir: string;
  let configFile: string;
  let database: TestDatabase;
  let db: pg.Pool;
  let service: RunningService | null = null;

  function start(): Promise<RunningService> {
    const config = loadConfig({
      file: configFile,
      env: {
        DATABASE_URL: database.url,
        DRIFTWATCH_PORT: '0',
        DRIFTWATCH_RAW_FIXED_FRACTION: '0.25',
      },
    });
    return startService(config, { logger: pino({ level: 'silent' }) });
  }

  async function counts(): Promise<{ summarised: number; raw: number }> {
    const { rows } = await db.query<{ summarised: number; raw: number }>(
      `SELECT (SELECT coalesce(sum((summary->>'rows')::int), 0)::int FROM minute_summaries) AS summarised,
              (SELECT count(*)::int FROM predictions) AS raw`,
    );
    return rows[0]!;
  }

  async function replays(running: RunningService): Promise<number> {
    const { values } = await running.metrics.ingestBatchReplaysTotal.get();
    return values.filter((v) => v.labels.source === 'file').reduce((sum, v) => sum + v.value, 0);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-tail-sample-'));
    configFile = writeTailerConfig(dir, BATCH_RECORDS);
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await service?.close();
    await db?.end();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keys each batch by file and byte range, and a re-read after a lost checkpoint stores nothing again', async () => {
    service = await start();
    expect(
      (
        await call(service.url, '/v1/models/churn/versions/1', {
          method: 'PUT',
          body: CHURN_DEFINITION,
        })
      ).status,
    ).toBe(201);
    // Written whole while no service runs, so every read sees the same lines
    // and cuts the same batches.
    await service.close();
    let text = '';
    for (let i = 0; i < LINES; i += 1) text += JSON.stringify(churnRecord(i)) + '\n';
    writeFileSync(path.join(dir, 'predictions.ndjson'), text);
    service = await start();

    await until(async () => (await counts()).summarised === LINES, 'every line summarised');
    let kept = 0;
    for (let i = 0; i < LINES; i += 1) if (inRawSample('churn', `req-${i}`, 0.25)) kept += 1;
    expect(await counts()).toEqual({ summarised: LINES, raw: kept });
    const { rows: keys } = await db.query<{ key: string }>(
      'SELECT key FROM ingest_batches ORDER BY key',
    );
    expect(keys).toHaveLength(LINES / BATCH_RECORDS);
    expect(keys.every((row) => /^dw-tail-\d+:\d+-[0-9a-f]{32}-\d+-\d+$/.test(row.key))).toBe(true);

    // The checkpoint is lost: the restarted tailer reads the file from the start.
    await service.close();
    service = null;
    await db.query('UPDATE tail_checkpoints SET offset_bytes = 0, lines = 0, head_sha256 = $1', [
      createHash('sha256').update('').digest('hex'),
    ]);
    service = await start();
    const restarted = service;
    await until(
      async () => (await replays(restarted)) === LINES / BATCH_RECORDS,
      'every batch answered as a replay',
    );
    expect(await counts()).toEqual({ summarised: LINES, raw: kept });
    const { rows: after } = await db.query<{ key: string }>(
      'SELECT key FROM ingest_batches ORDER BY key',
    );
    expect(after).toEqual(keys);
  });
});
