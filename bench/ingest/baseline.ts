/**
 * The ingest bench's baseline: `psql \copy` of the same raw rows, as CSV in
 * the stored shape, into a table with the columns, types, daily partitions
 * and index of `predictions`. Writing the CSV is not timed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { benchRecords, CSV_COLUMNS, toCsvLine, type GenerateOptions } from '../ingestRecords.js';
import { cpuBetween, snapshotCpu, type CpuUse } from '../lib/cpu.js';
import { snapshotWrites, writtenSince, type Written } from '../lib/postgresWrites.js';
import { track, waitExit, withClient } from '../lib/index.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface BaselineRun {
  seconds: number;
  rowsPerSecond: number;
  csvBytes: number;
  cpu: CpuUse;
  written: Written;
}

function partitionDdl(table: string, day: number): string {
  const from = new Date(day * DAY_MS).toISOString();
  const to = new Date((day + 1) * DAY_MS).toISOString();
  return `CREATE TABLE ${table}_d${day} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`;
}

async function writeCsv(file: string, generate: GenerateOptions): Promise<number> {
  const out = createWriteStream(file);
  let pending: string[] = [];
  let csvBytes = 0;
  const flush = async (): Promise<void> => {
    const text = `${pending.join('\n')}\n`;
    csvBytes += Buffer.byteLength(text);
    pending = [];
    if (!out.write(text)) await once(out, 'drain');
  };
  for (const record of benchRecords(generate)) {
    pending.push(toCsvLine(record));
    if (pending.length === 10_000) await flush();
  }
  if (pending.length > 0) await flush();
  out.end();
  await once(out, 'finish');
  return csvBytes;
}

export async function runCopyBaseline(
  benchUrl: string,
  database: string,
  dir: string,
  generate: GenerateOptions,
): Promise<BaselineRun> {
  const file = path.join(dir, 'baseline.csv');
  const csvBytes = await writeCsv(file, generate);
  await withClient(benchUrl, async (client) => {
    await client.query(
      'CREATE TABLE baseline_predictions (LIKE predictions INCLUDING DEFAULTS) PARTITION BY RANGE (ts)',
    );
    const first = Math.floor((generate.endMs - HOUR_MS) / DAY_MS);
    const last = Math.floor(generate.endMs / DAY_MS);
    for (let day = first; day <= last; day++)
      await client.query(partitionDdl('baseline_predictions', day));
    await client.query('CREATE INDEX ON baseline_predictions (model, model_version, ts)');
    await client.query('CHECKPOINT');
  });

  const copy = `\\copy baseline_predictions (${CSV_COLUMNS.join(', ')}) FROM '${file}' WITH (FORMAT csv)`;
  const writesBefore = await snapshotWrites(benchUrl);
  // psql reads its commands from stdin and prints a marker after the copy, so
  // that its backend is still alive (and its CPU countable) when the timing ends.
  const before = snapshotCpu(database, []);
  const started = performance.now();
  const child = track(
    spawn('psql', [benchUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  child.stdin!.write(`${copy}\n\\echo copy-done\n`);
  const lines = createInterface({ input: child.stdout! });
  const measured: { seconds: number; cpu: CpuUse }[] = [];
  lines.on('line', (line) => {
    if (line.trim() !== 'copy-done') return;
    const seconds = (performance.now() - started) / 1000;
    measured.push({ seconds, cpu: cpuBetween(before, snapshotCpu(database, [])) });
    child.stdin!.end('\\q\n');
  });
  const code = await waitExit(child, 30 * 60_000);
  const result = measured[0];
  if (code !== 0 || !result) throw new Error(`psql \\copy failed with exit code ${String(code)}`);
  const written = await writtenSince(benchUrl, writesBefore);

  const count = await withClient(benchUrl, async (client) => {
    const { rows } = await client.query<{ count: string }>(
      'SELECT count(*) AS count FROM baseline_predictions',
    );
    return Number(rows[0]?.count);
  });
  if (count !== generate.count)
    throw new Error(`baseline table holds ${count} rows, expected ${generate.count}`);
  return {
    seconds: result.seconds,
    rowsPerSecond: generate.count / result.seconds,
    csvBytes,
    cpu: result.cpu,
    written,
  };
}
