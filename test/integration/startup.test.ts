/**
 * `driftwatch serve` starting and stopping as a person sees it (the compiled
 * binary): a busy port is one line naming it and exit 2; log lines are
 * readable when asked (or on a terminal) and JSON otherwise; Ctrl-C, which a
 * terminal sends to the whole process group and so to the embedded
 * PostgreSQL too, stops everything without a single warning.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, assertBuilt, cliEnv, runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/until.js';

const CONFIG = 'test/fixtures/driftwatch.test.yaml';

interface Started {
  pid: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `serve` in a process group of its own, as a shell starts a foreground job. */
async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<Started> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  await until(
    () => {
      if (done) throw new Error(`serve exited before listening:\n${stdout}${stderr}`);
      return /listening on http/.test(stdout);
    },
    'driftwatch serve to listen',
    90_000,
  );
  return {
    pid: child.pid!,
    url: /listening on (http:\/\/\S+)/.exec(stdout)![1]!,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
}

describe('driftwatch serve start-up and shutdown', { timeout: 180_000 }, () => {
  let dir: string;
  let database: TestDatabase;
  const started: Started[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dw-startup-'));
    await chmod(dir, 0o755);
    database = await createTestDatabase();
  });
  afterAll(async () => {
    // Only the process groups this file started, and only if still running.
    for (const serve of started) {
      try {
        process.kill(-serve.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('names a busy port in one line, suggests --port, and exits 2', async () => {
    const occupier: Server = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
    const { port } = occupier.address() as { port: number };
    try {
      const outcome = await runCli(['serve', '--port', String(port), '--config', CONFIG], {
        env: cliEnv({ DATABASE_URL: database.url }),
      });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toBe(
        `driftwatch: port ${port} on 127.0.0.1 is already in use by another program; choose another with --port (or DRIFTWATCH_PORT, server.port; 0 picks a free one)\n`,
      );
    } finally {
      await new Promise<void>((resolve) => occupier.close(() => resolve()));
    }
  });

  it('writes readable log lines with --log-format pretty', async () => {
    const serve = await startServe(
      ['--config', CONFIG, '--log-format', 'pretty'],
      cliEnv({ DATABASE_URL: database.url, DRIFTWATCH_LOG_LEVEL: 'info' }),
    );
    started.push(serve);
    process.kill(serve.pid, 'SIGTERM');
    expect((await serve.exited).code).toBe(0);
    const lines = serve.stderr().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /);
    }
    expect(lines).toContainEqual(
      expect.stringMatching(/ INFO {2}driftwatch is listening {2}url=http:\/\/127\.0\.0\.1:\d+$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/ INFO {2}shutting down {2}signal=SIGTERM$/),
    );
  });

  it('writes JSON lines when the output is no terminal, and stops on Ctrl-C without a warning', async () => {
    const dataDir = path.join(dir, 'pg');
    // No --log-format: `auto`, and stderr is a pipe here.
    const serve = await startServe(
      ['--config', CONFIG, '--data-dir', dataDir],
      cliEnv({ DRIFTWATCH_LOG_LEVEL: 'info' }),
    );
    started.push(serve);
    // What a terminal does on Ctrl-C: SIGINT to every process of the
    // foreground group, the embedded postmaster included.
    process.kill(-serve.pid, 'SIGINT');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    const entries = serve
      .stderr()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(entries.map((e) => e.msg)).toContain('shutting down');
    expect(entries.filter((e) => e.level >= 40)).toEqual([]);
    await until(
      () => !existsSync(path.join(dataDir, 'postmaster.pid')),
      'the embedded PostgreSQL to stop',
      30_000,
    );
  });
});
