/**
 * The embedded server must not take over the process's exit: the package it
 * comes from installs handlers that call process.exit(0) on beforeExit, which
 * would turn a failing test run or CLI command into a success.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('embedded PostgreSQL', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dw-embedded-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves the exit code and the signal handlers of the process alone', async () => {
    const script = `
      import { startEmbeddedPostgres } from './src/storage/embeddedPostgres.ts';
      const before = ['beforeExit', 'SIGINT', 'SIGTERM'].map((e) => process.listenerCount(e));
      const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(dir, 'pg'))} });
      const after = ['beforeExit', 'SIGINT', 'SIGTERM'].map((e) => process.listenerCount(e));
      await server.stop();
      console.log(JSON.stringify({ before, after }));
      process.exitCode = 3;
    `;
    const outcome = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 90_000,
      },
    ).then(
      (out) => ({ code: 0, stdout: out.stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(outcome.code).toBe(3);
    const counts = JSON.parse(outcome.stdout.trim().split('\n').at(-1)!) as {
      before: number[];
      after: number[];
    };
    expect(counts.after).toEqual(counts.before);
  });
});
