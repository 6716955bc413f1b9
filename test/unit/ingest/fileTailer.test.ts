/**
 * The file tailer's answer to a batch that keeps failing, with a fake ingest
 * service and checkpoint store: an outage is retried whole at every poll, a
 * line the database keeps failing on is isolated and skipped. (Tailing on a
 * real database: test/integration/fileTailer.test.ts, test/fault/poisonedProducers.test.ts.)
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, DatabaseUnavailableError } from '../../../src/core/errors.js';
import { FileTailer } from '../../../src/ingest/fileTailer.js';
import type { IngestService } from '../../../src/ingest/ingestService.js';
import type { PoolClient } from '../../../src/storage/pool.js';
import type { TailCheckpoint, TailCheckpoints } from '../../../src/storage/tailCheckpoints.js';
import { Metrics } from '../../../src/telemetry/metrics.js';

interface LogEntry {
  msg: string;
  line?: number;
  code?: string;
}

/** A driver error with a SQLSTATE, as pg throws them. */
function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('FileTailer with a batch that keeps failing', () => {
  let dir: string;
  let file: string;
  let metrics: Metrics;
  let logs: LogEntry[];
  let saved: TailCheckpoint[];
  let stored: string[];
  /** Decides the fate of each ingestRecords call: throw to fail it. */
  let failWith: (ids: string[], call: number) => Error | undefined;

  function tailer(): FileTailer {
    let calls = 0;
    const ingest: Pick<IngestService, 'ingestRecords'> = {
      async ingestRecords(records, _request, options) {
        calls += 1;
        const ids = [...records].map(
          (raw) => (JSON.parse(raw.text) as { request_id: string }).request_id,
        );
        const failure = failWith(ids, calls);
        if (failure) throw failure;
        await options?.inTransaction?.({} as PoolClient);
        stored.push(...ids);
        return { accepted: ids.length, duplicates: 0, rejected: [], rejected_count: 0 };
      },
    };
    const checkpoints = {
      load: () => Promise.resolve(null),
      save: (checkpoint: TailCheckpoint) => {
        saved.push(checkpoint);
        return Promise.resolve();
      },
    } as unknown as TailCheckpoints;
    return new FileTailer({
      patterns: [path.join(dir, '*.ndjson')],
      pollIntervalMs: 1000,
      batchRecords: 100,
      ingest,
      checkpoints,
      metrics,
      logger: pino(
        { level: 'warn' },
        { write: (line: string) => logs.push(JSON.parse(line) as LogEntry) },
      ),
    });
  }

  async function poisonedCount(): Promise<number> {
    const { values } = await metrics.ingestRecordsTotal.get();
    return values
      .filter((v) => v.labels.outcome === 'rejected' && v.labels.reason === 'poisoned')
      .reduce((sum, v) => sum + v.value, 0);
  }

  const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `r-${i}`);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-tailer-unit-'));
    file = path.join(dir, 'predictions.ndjson');
    // Ten records and a blank line in the middle (line 6).
    const lines = ids(10).map((id) => JSON.stringify({ request_id: id }));
    lines.splice(5, 0, '');
    writeFileSync(file, lines.join('\n') + '\n');
    metrics = new Metrics({ defaultMetrics: false });
    logs = [];
    saved = [];
    stored = [];
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('retries the same lines at every poll while the database is unavailable, skipping none', async () => {
    const transient = [
      new DatabaseUnavailableError('the database is unavailable'),
      new AppError('schema_changed', 'a model schema changed during this request; retry it'),
      sqlError('53100', 'could not extend file: No space left on device'),
      sqlError('40P01', 'deadlock detected'),
      sqlError('57P01', 'terminating connection due to administrator command'),
    ];
    failWith = (_ids, call) => transient[(call - 1) % transient.length];
    const t = tailer();
    for (let poll = 0; poll < 12; poll += 1) await t.pollOnce();
    expect(stored).toEqual([]);
    expect(saved).toEqual([]);

    failWith = () => undefined;
    await t.pollOnce();
    await t.stop();

    expect(stored).toEqual(ids(10));
    expect(saved.map((checkpoint) => checkpoint.offsetBytes)).toEqual([statSync(file).size]);
    expect(await poisonedCount()).toBe(0);
  });

  it('isolates and skips the line the database keeps failing on, after three failed polls', async () => {
    failWith = (batch) =>
      batch.includes('r-6') ? sqlError('P0001', 'poisoned record') : undefined;
    const t = tailer();

    await t.pollOnce();
    await t.pollOnce();
    expect(stored).toEqual([]);
    expect(await poisonedCount()).toBe(0);
    await t.pollOnce();
    await t.stop();

    expect(stored).toEqual(ids(10).filter((id) => id !== 'r-6'));
    expect(await poisonedCount()).toBe(1);
    // r-6 is on line 8 (the blank line 6 takes no record).
    expect(logs.filter((entry) => entry.code === 'poisoned')).toEqual([
      expect.objectContaining({ msg: 'bad line in a log file', line: 8 }),
    ]);
    // The offset only moves forward, and ends past the whole file.
    const offsets = saved.map((checkpoint) => checkpoint.offsetBytes);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets[offsets.length - 1]).toBe(statSync(file).size);
    expect(saved[saved.length - 1]!.lines).toBe(11);
  });

  it('stores a batch that fails twice and then succeeds, skipping nothing', async () => {
    let failures = 0;
    failWith = (batch) => {
      if (!batch.includes('r-6')) return undefined;
      failures += 1;
      // Fails twice, then stores: never isolated, nothing skipped.
      return failures <= 2 ? new Error('hiccup') : undefined;
    };
    const t = tailer();
    for (let poll = 0; poll < 3; poll += 1) await t.pollOnce();
    await t.stop();

    expect(stored).toEqual(ids(10));
    expect(await poisonedCount()).toBe(0);
  });
});
