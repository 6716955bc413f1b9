/**
 * The `driftwatch` command as a user runs it: `serve` on the embedded
 * database (no DATABASE_URL), a clean stop on SIGTERM, data kept across
 * restarts, `migrate`, and start-up refused on a bad configuration.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli.ts'];

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  return env;
}

interface Serving {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function serve(dataDir: string): Promise<Serving> {
  const child = spawn(
    process.execPath,
    [
      ...CLI,
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--config',
      'test/fixtures/driftwatch.test.yaml',
    ],
    {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  return { child, url, exited };
}

describe('driftwatch CLI', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dw-cli-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves on the embedded database, stops cleanly on SIGTERM and keeps the data for the next start', async () => {
    const dataDir = path.join(dir, 'pg');
    const first = await serve(dataDir);
    try {
      expect((await call(first.url, '/ready')).status).toBe(200);
      expect(
        (
          await call(first.url, '/v1/models/churn/versions/1', {
            method: 'PUT',
            body: CHURN_DEFINITION,
          })
        ).status,
      ).toBe(201);
      const ingest = await call<{ accepted: number }>(first.url, '/v1/predictions', {
        body: [churnRecord(1), churnRecord(2)],
      });
      expect(ingest.body.accepted).toBe(2);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    // The embedded server was shut down with the service.
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    const second = await serve(dataDir);
    try {
      const retry = await call<{ accepted: number; duplicates: number }>(
        second.url,
        '/v1/predictions',
        {
          body: [churnRecord(1), churnRecord(2)],
        },
      );
      expect(retry.body).toMatchObject({ accepted: 0, duplicates: 2 });
    } finally {
      second.child.kill('SIGINT');
    }
    expect(await second.exited).toBe(0);
  });

  it('applies migrations with `driftwatch migrate` and reports nothing to do the second time', async () => {
    const dataDir = path.join(dir, 'pg-migrate');
    const first = await run(process.execPath, [...CLI, 'migrate', '--data-dir', dataDir], {
      env: cleanEnv(),
      timeout: 90_000,
    });
    expect(first.stdout).toMatch(/applied \d+ migration\(s\): 001_init\.sql/);
    const second = await run(process.execPath, [...CLI, 'migrate', '--data-dir', dataDir], {
      env: cleanEnv(),
      timeout: 90_000,
    });
    expect(second.stdout).toMatch(/database is up to date/);
  });

  it('refuses to start on a bad configuration, listing every problem, with a non-zero exit', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'server:\n  port: "eighty"\n  hostt: x\nlogging:\n  level: loud\n');
    const env = cleanEnv();
    delete env.DRIFTWATCH_LOG_LEVEL; // it would override the bad logging.level
    const failure = await run(process.execPath, [...CLI, 'serve', '--config', file], {
      env,
      timeout: 60_000,
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('server.port');
    expect(failure?.stderr).toContain('"hostt"');
    expect(failure?.stderr).toContain('logging.level');
  });

  it('refuses to listen beyond loopback without tokens unless auth: none is explicit', async () => {
    const failure = await run(
      process.execPath,
      [...CLI, 'serve', '--host', '0.0.0.0', '--config', 'test/fixtures/driftwatch.test.yaml'],
      {
        env: cleanEnv(),
        timeout: 60_000,
      },
    ).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('auth: none');
  });

  it('prints help for every command', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['reference', 'import', '--help'],
    ]) {
      const { stdout } = await run(process.execPath, [...CLI, ...args], {
        env: cleanEnv(),
        timeout: 60_000,
      });
      expect(stdout, args.join(' ')).toContain('Usage: driftwatch');
    }
  });
});
