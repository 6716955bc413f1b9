/**
 * The driftwatch service as a child process of a benchmark: the built CLI
 * (`node dist/cli.js serve --port 0`) with a given configuration file, on a
 * given database, logging at `warn`. Every child is tracked so that a failed
 * or interrupted bench can kill what it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (the service's working directory). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

const children = new Set<ChildProcess>();

/** Remembers a child until it exits, for {@link killChildren}. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every tracked child still running (cleanup after a failure). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** The child's exit code; SIGKILLs it when it has not exited within `timeoutMs`. */
export async function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    return code;
  } finally {
    clearTimeout(timer);
  }
}

export interface RunningService {
  child: ChildProcess;
  pid: number;
  url: string;
}

function serviceEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Only what the bench means to set: no tokens, ports or model folders
  // leaking in. The raw-sample switches pass (sampled vs keepAll runs).
  for (const [key, value] of Object.entries(process.env)) {
    if (
      key.startsWith('DRIFTWATCH_RAW_') ||
      (!key.startsWith('DRIFTWATCH_') && key !== 'DATABASE_URL')
    )
      env[key] = value;
  }
  env.DATABASE_URL = databaseUrl;
  env.DRIFTWATCH_LOG_LEVEL = 'warn';
  return env;
}

/** Starts the service and resolves with its URL once it listens. */
export async function startService(
  databaseUrl: string,
  configFile: string,
  nodeFlags: readonly string[] = [],
): Promise<RunningService> {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const child = track(
    spawn(process.execPath, [...nodeFlags, cli, 'serve', '--port', '0', '--config', configFile], {
      cwd: ROOT,
      env: serviceEnv(databaseUrl),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.stderr!.on('data', (chunk: Buffer) =>
    process.stderr.write(`[service] ${chunk.toString()}`),
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the service did not start within 30 s')),
      START_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited with code ${String(code)} before listening`));
    });
  });
  return { child, pid: child.pid!, url };
}

/** SIGTERM, and a failure unless the service shuts down cleanly (exit code 0). */
export async function stopService(service: RunningService): Promise<void> {
  service.child.kill('SIGTERM');
  const code = await waitExit(service.child, STOP_TIMEOUT_MS);
  if (code !== 0) throw new Error(`the service exited with code ${String(code)} on SIGTERM`);
}
