import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { writeTailerConfig } from '../helpers/tailerConfig.js';
import { call } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { until } from '../helpers/until.js';

interface LogEntry {
  level: number;
  msg: string;
  path?: string;
  line?: number;
  code?: string;
}

const WARN = 40;

/** Records `from`..`to - 1` as NDJSON lines. */
function lines(from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i += 1) text += JSON.stringify(churnRecord(i)) + '\n';
  return text;
}

describe('file tailing (logs.files)', () => {
  let dir: string;
  let configFile: string;
  let database: TestDatabase;
  let db: pg.Pool;
  let service: RunningService | null = null;
  let logs: LogEntry[] = [];

  async function start(): Promise<RunningService> {
    const config = loadConfig({
      file: configFile,
      env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0' },
    });
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => logs.push(JSON.parse(line) as LogEntry) },
    );
    return startService(config, { logger });
  }

  async function stored(): Promise<{ rows: number; distinct: number }> {
    const { rows } = await db.query<{ rows: number; distinct: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS distinct FROM predictions',
    );
    return rows[0]!;
  }

  const storedReaches = (n: number) => async () => (await stored()).rows === n;

  /** Accepted plus duplicate file records counted reach `count`. */
  function countedReaches(running: RunningService, count: number): () => Promise<boolean> {
    return async () =>
      (await fileRecords(running, 'accepted')) + (await fileRecords(running, 'duplicate')) >= count;
  }

  async function fileRecords(running: RunningService, outcome: string, reason = 'none') {
    const { values } = await running.metrics.ingestRecordsTotal.get();
    return values
      .filter(
        (v) =>
          v.labels.source === 'file' && v.labels.outcome === outcome && v.labels.reason === reason,
      )
      .reduce((sum, v) => sum + v.value, 0);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-tail-'));
    configFile = writeTailerConfig(dir, 4);
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await service?.close();
    await db?.end();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every valid line once through append, rotation, truncation and a restart', async () => {
    service = await start();
    const put = await call(service.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(put.status).toBe(201);
    const file = path.join(dir, 'predictions.ndjson');

    // Append: five records, a bad line, a record of an unknown model, a blank
    // line, and a partial line completed later.
    const partial = JSON.stringify(churnRecord(5));
    writeFileSync(
      file,
      lines(0, 3) +
        '{not json\n' +
        lines(3, 5) +
        JSON.stringify(churnRecord(99, { model: 'nosuch' })) +
        '\n\n' +
        partial.slice(0, 40),
    );
    await until(storedReaches(5), 'the complete lines');
    appendFileSync(file, partial.slice(40) + '\n');
    await until(storedReaches(6), 'the completed partial line');

    const bad = logs.filter(
      (entry) => entry.level === WARN && entry.msg === 'bad line in a log file',
    );
    expect(bad.map((entry) => [entry.line, entry.code])).toEqual([
      [4, 'invalid_json'],
      [7, 'unknown_model'],
    ]);
    expect(bad[0]!.path).toBe(file);

    // Rotation (rename + new file): the writer still appends two lines to the
    // renamed file before it reopens the path.
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, lines(6, 8));
    writeFileSync(file, lines(8, 11));
    await until(storedReaches(11), 'both files after rotation');

    // A rename within the pattern keeps the offset: nothing is read twice.
    renameSync(file, path.join(dir, 'predictions-old.ndjson'));
    writeFileSync(file, lines(11, 12));
    await until(storedReaches(12), 'the file after a rename in the pattern');

    // copytruncate: shorter than the offset, then rewritten past it.
    truncateSync(file, 0);
    writeFileSync(file, lines(12, 13));
    await until(storedReaches(13), 'the truncated file');
    truncateSync(file, 0);
    writeFileSync(file, lines(13, 20));
    await until(storedReaches(20), 'the file rewritten past its offset');
    // The counters move just after the commit the rows became visible with.
    await until(countedReaches(service, 20), 'the counters of the stored lines');

    expect(await fileRecords(service, 'accepted')).toBe(20);
    expect(await fileRecords(service, 'duplicate')).toBe(0);
    expect(await fileRecords(service, 'rejected', 'invalid_json')).toBe(1);
    expect(await fileRecords(service, 'rejected', 'unknown_model')).toBe(1);

    // Restart: lines written while the service is down are read once, and
    // nothing already committed is read again.
    await service.close();
    service = null;
    appendFileSync(file, lines(20, 25));
    logs = [];
    service = await start();
    await until(storedReaches(25), 'the lines written while stopped');
    await until(countedReaches(service, 5), 'the counters after the restart');
    expect(await stored()).toEqual({ rows: 25, distinct: 25 });
    expect(await fileRecords(service, 'accepted')).toBe(25 - 20);
    expect(await fileRecords(service, 'duplicate')).toBe(0);
    expect(logs.filter((entry) => entry.msg === 'bad line in a log file')).toEqual([]);
  });
});
