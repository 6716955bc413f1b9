/**
 * The ingest load client (bench/ingestClient.ts) as a child process: it
 * builds its NDJSON bodies, says "ready", and sends when told; CPU is
 * accounted between its "ready" and "done" lines, so building the bodies is
 * not counted.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ClientSummary } from '../ingestClient.js';
import type { TimestampLayout } from '../ingestRecords.js';
import { cpuBetween, snapshotCpu, type CpuSnapshot, type CpuUse } from './cpu.js';
import { ROOT, track, waitExit } from './service.js';

export interface LoadOptions {
  records: number;
  batch: number;
  concurrency: number;
  seed: number;
  endMs: number;
  timestamps: TimestampLayout;
  /** Default: the records' own (`bench`). */
  model?: string;
}

export interface LoadRun {
  summary: ClientSummary;
  cpu: CpuUse;
  clientPid: number;
}

const CLIENT_TIMEOUT_MS = 30 * 60_000;

/**
 * Runs the client against `serviceUrl`; `onStart` runs once the bodies are
 * built, just before sending begins (the ingest-while-check phase starts
 * its checks there).
 */
export async function runLoadClient(
  serviceUrl: string,
  database: string,
  servicePid: number,
  options: LoadOptions,
  onStart?: () => void,
): Promise<LoadRun> {
  const args = [
    '--import',
    'tsx',
    path.join(ROOT, 'bench', 'ingestClient.ts'),
    '--url',
    serviceUrl,
    '--records',
    String(options.records),
    '--batch',
    String(options.batch),
    '--concurrency',
    String(options.concurrency),
    '--seed',
    String(options.seed),
    '--end-ms',
    String(options.endMs),
    '--timestamps',
    options.timestamps,
    ...(options.model === undefined ? [] : ['--model', options.model]),
  ];
  const child = track(
    spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const clientPid = child.pid!;
  let before: CpuSnapshot | null = null;
  let result: LoadRun | null = null;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const message = JSON.parse(line) as { event: string };
    if (message.event === 'ready') {
      onStart?.();
      before = snapshotCpu(database, [servicePid, clientPid]);
      child.stdin!.write('go\n');
    } else if (message.event === 'done' && before) {
      const cpu = cpuBetween(before, snapshotCpu(database, [servicePid, clientPid]));
      result = { summary: message as ClientSummary, cpu, clientPid };
    }
  });
  const code = await waitExit(child, CLIENT_TIMEOUT_MS);
  if (code !== 0 || !result) throw new Error(`the load client failed (exit code ${String(code)})`);
  return result;
}
