/**
 * The `driftwatch` command as a user runs it (the compiled binary): `serve`
 * on the embedded database (no DATABASE_URL), a clean stop on SIGTERM, data
 * kept across restarts, `migrate`, start-up refused on a bad configuration,
 * and the exit-code contract (src/cli/exitCodes.ts): 0 success, 1 drift,
 * 2 any error, 3 insufficient data. Drift (1) and ok (0) against real data
 * are in checks.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churnRows, referenceCsv } from '../helpers/churnData.js';
import { CLI_BIN, assertBuilt, cliEnv, runCli } from '../helpers/cli.js';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

interface Serving {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function serve(dataDir: string): Promise<Serving> {
  assertBuilt();
  const child = spawn(
    process.execPath,
    [
      CLI_BIN,
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--config',
      'test/fixtures/driftwatch.test.yaml',
    ],
    {
      env: cliEnv(),
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
    const first = await runCli(['migrate', '--data-dir', dataDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration\(s\): 001_init\.sql/);
    const second = await runCli(['migrate', '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/database is up to date/);
  });

  it('refuses to start on a bad configuration, listing every problem, with a non-zero exit', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'server:\n  port: "eighty"\n  hostt: x\nlogging:\n  level: loud\n');
    const env = cliEnv();
    delete env.DRIFTWATCH_LOG_LEVEL; // it would override the bad logging.level
    const failure = await runCli(['serve', '--config', file], { env });
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('server.port');
    expect(failure.stderr).toContain('"hostt"');
    expect(failure.stderr).toContain('logging.level');
  });

  it('refuses to listen beyond loopback without tokens unless auth: none is explicit', async () => {
    const failure = await runCli([
      'serve',
      '--host',
      '0.0.0.0',
      '--config',
      'test/fixtures/driftwatch.test.yaml',
    ]);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('auth: none');
  });

  it('prints help for every command, with the exit codes in the main one', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['reference', 'import', '--help'],
      ['check', 'run', '--help'],
    ]) {
      const { code, stdout } = await runCli(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout, args.join(' ')).toContain('Usage: driftwatch');
    }
    const { stdout } = await runCli(['--help']);
    expect(stdout).toMatch(
      /Exit codes:\n\s+0 .*\n\s+1 .*drift.*\n\s+2 .*error.*\n\s+3 .*insufficient/,
    );
  });

  it('prints the version of the package with --version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const outcome = await runCli([flag]);
      expect(outcome).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
  });

  it('exits 2 on a usage error, never 1 (which a pipeline reads as drift)', async () => {
    const noModel = await runCli(['check', 'run']);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain("required option '-m, --model <model>' not specified");
    expect((await runCli(['check', 'run', '--model', 'm', '--kind', 'vibes'])).code).toBe(2);
    expect((await runCli(['check', 'run', '--model', 'm', '--no-such-flag'])).code).toBe(2);
    expect((await runCli(['reference', 'import', '--model', 'm', '--version', '1'])).code).toBe(2);
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
  });

  it('exits 2 when the reference file is missing or the service cannot be reached', async () => {
    const missing = path.join(dir, 'missing.csv');
    const noFile = await runCli(['reference', 'import', missing, '-m', 'm', '-v', '1']);
    expect(noFile).toMatchObject({ code: 2, stdout: '' });
    expect(noFile.stderr).toBe(`driftwatch: cannot read ${missing}: no such file\n`);

    // A port nobody listens on: bind one, note it, free it.
    const closedUrl = await (async () => {
      const { createServer } = await import('node:net');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return `http://127.0.0.1:${port}`;
    })();
    const file = path.join(dir, 'tiny.csv');
    await writeFile(file, 'tenure_months\n1\n');
    for (const args of [
      ['check', 'run', '--model', 'm', '--url', closedUrl],
      ['reference', 'import', file, '-m', 'm', '-v', '1', '--url', closedUrl],
    ]) {
      const outcome = await runCli(args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toContain(`could not reach driftwatch at ${closedUrl}`);
    }
  });

  describe('against a running service with tokens', () => {
    const ADMIN = 'cli-admin-token-0123456789';
    let t: TestService;
    let referenceFile: string;

    beforeAll(async () => {
      t = await startTestService({ env: { DRIFTWATCH_ADMIN_TOKENS: ADMIN } });
      const created = await call(t.url, '/v1/models/quiet/versions/1', {
        method: 'PUT',
        body: CHURN_DEFINITION,
        token: ADMIN,
      });
      expect(created.status).toBe(201);
      referenceFile = path.join(dir, 'quiet-reference.csv');
      await writeFile(referenceFile, referenceCsv(churnRows(500, 31)));
    });
    afterAll(async () => {
      await t?.close();
    });

    it('imports a reference with exit 0, and exits 2 without a valid token', async () => {
      const base = ['reference', 'import', referenceFile, '-m', 'quiet', '-v', '1', '--url', t.url];
      const unauthenticated = await runCli(base);
      expect(unauthenticated.code).toBe(2);
      expect(unauthenticated.stderr).toMatch(/^driftwatch: import failed \(HTTP 401\): /);
      const wrong = await runCli([...base, '--token', 'not-the-admin-token-at-all']);
      expect(wrong.code).toBe(2);
      const imported = await runCli(base, { env: cliEnv({ DRIFTWATCH_TOKEN: ADMIN }) });
      expect(imported).toMatchObject({ code: 0, stderr: '' });
      expect(imported.stdout).toContain('imported 500 reference rows for quiet version 1');
    });

    it('exits 3 on a window with no data, 2 on a 401 or an unknown model', async () => {
      const gate = (args: string[], token: string | null = ADMIN) =>
        runCli(['check', 'run', '--url', t.url, ...args], {
          env: cliEnv(token ? { DRIFTWATCH_TOKEN: token } : {}),
        });
      // `--version` after the subcommand is the model's version, not the program's.
      const empty = await gate(['--model', 'quiet', '--version', '1', '--json']);
      expect(empty.code).toBe(3);
      const runs = JSON.parse(empty.stdout) as { status: string }[];
      expect(runs.map((r) => r.status)).toEqual(['insufficient_data']);

      const unauthenticated = await gate(['--model', 'quiet'], null);
      expect(unauthenticated.code).toBe(2);
      expect(unauthenticated.stderr).toMatch(/^driftwatch: check failed \(HTTP 401\): /);
      const unknown = await gate(['--model', 'nobody']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('check failed (HTTP 404): model nobody is not registered');
    });
  });
});
