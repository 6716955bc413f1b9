/**
 * `driftwatch serve` as a real child process for the fault tests: started,
 * killed with SIGKILL and started again, with every process the tests start
 * (the services and the PostgreSQL servers they leave behind) tracked by PID
 * so that `afterAll` stops exactly those.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_BIN, assertBuilt } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

const CLI = [CLI_BIN];
const CONFIG = 'test/fixtures/driftwatch.test.yaml';

export interface ServeOptions {
  /** Embedded PostgreSQL folder; used when `databaseUrl` is not given. */
  dataDir?: string;
  databaseUrl?: string;
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  /** DRIFTWATCH_LOG_LEVEL (the fixture's own level is `silent`). */
  logLevel?: string;
  /** More environment for the service (e.g. DRIFTWATCH_RAW_FIXED_FRACTION). */
  env?: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
}

export interface RunningServe extends ServeProcess {
  url: string;
}

/** Running and not a zombie (an orphan whose exit nobody has collected yet). */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return false;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
}

/** The postmaster named by the data folder's lock file: its PID and port. */
export async function readPostmaster(
  dataDir: string,
): Promise<{ pid: number; port: number } | null> {
  const lock = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (lock === null) return null;
  const lines = lock.split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** Processes started by one test file, stopped by PID when it ends. */
export class ProcessTracker {
  private readonly services = new Set<ServeProcess>();
  /** postmaster PID → its data folder. */
  private readonly postmasters = new Map<number, string>();

  spawn(options: ServeOptions): ServeProcess {
    assertBuilt();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DRIFTWATCH_LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    };
    delete env.DATABASE_URL;
    delete env.DRIFTWATCH_DATA_DIR;
    const args = [...CLI, 'serve', '--port', String(options.port ?? 0), '--config', CONFIG];
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    else if (options.dataDir) args.push('--data-dir', options.dataDir);
    else throw new Error('spawn needs a dataDir or a databaseUrl');

    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error('driftwatch serve did not spawn');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const serve: ServeProcess = {
      child,
      pid: child.pid,
      exited,
      stdout: () => stdout,
      stderr: () => stderr,
    };
    this.services.add(serve);
    return serve;
  }

  /** Starts `serve` and waits for its "listening on" line. */
  async start(options: ServeOptions, timeoutMs = 60_000): Promise<RunningServe> {
    const serve = this.spawn(options);
    let exit: Exit | undefined;
    void serve.exited.then((value) => (exit = value));
    let url: string | undefined;
    await until(
      () => {
        if (exit) {
          throw new Error(
            `serve exited (${exit.code ?? exit.signal}) before listening:\n${serve.stdout()}${serve.stderr()}`,
          );
        }
        url = /listening on (http:\/\/\S+)/.exec(serve.stdout())?.[1];
        return url !== undefined;
      },
      'driftwatch serve to listen',
      timeoutMs,
    );
    if (options.dataDir) await this.trackPostmaster(options.dataDir);
    return { ...serve, url: url! };
  }

  /** Remembers the postmaster now running on the folder, to stop it if a test leaves it behind. */
  async trackPostmaster(dataDir: string): Promise<number | null> {
    const postmaster = await readPostmaster(dataDir);
    if (postmaster && (await isRunning(postmaster.pid))) {
      this.postmasters.set(postmaster.pid, path.resolve(dataDir));
      return postmaster.pid;
    }
    return null;
  }

  /** SIGKILL for the services still running, fast shutdown for their PostgreSQL servers. */
  async stopAll(): Promise<void> {
    for (const serve of this.services) {
      if (serve.child.exitCode === null && serve.child.signalCode === null) {
        serve.child.kill('SIGKILL');
        await serve.exited;
      }
    }
    for (const [pid, dataDir] of this.postmasters) {
      // Only a PID that is still that folder's postmaster (never a reused one).
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!(await isRunning(pid)) || !cmdline.split('\0').includes(dataDir)) continue;
      process.kill(pid, 'SIGINT');
      await until(async () => !(await isRunning(pid)), `postmaster ${pid} to stop`, 15_000).catch(
        () => process.kill(pid, 'SIGKILL'),
      );
    }
  }
}
