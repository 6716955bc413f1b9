/**
 * The README's shell examples, run as written against a live service (real
 * PostgreSQL, a free port), so that they cannot rot. Two substitutions, both
 * here in the prelude: `$DRIFTWATCH_URL` is the test service's URL (the
 * README defaults it to http://127.0.0.1:8080), and `npx driftwatch` runs this
 * checkout's compiled binary. `curl` fails on an HTTP error (`--fail-with-body`),
 * which the README's readers see in its output instead.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, assertBuilt } from '../helpers/cli.js';
import { readmeShellBlocks } from '../helpers/readmeBlocks.js';
import { startTestService, type TestService } from '../helpers/service.js';

const PRELUDE = `set -euo pipefail
npx() { if [ "$1" = driftwatch ]; then shift; node ${JSON.stringify(CLI_BIN)} "$@"; else command npx "$@"; fi; }
curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }
`;

function bash(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: path.resolve('.'), env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('README examples', { timeout: 180_000 }, () => {
  let t: TestService;

  beforeAll(async () => {
    assertBuilt();
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('says why each block it does not run is skipped, and runs the rest', () => {
    const blocks = readmeShellBlocks();
    for (const block of blocks.filter((b) => b.skip !== null)) {
      expect(block.skip!.length, `README.md:${block.line}`).toBeGreaterThan(10);
    }
    expect(blocks.filter((b) => b.skip === null).length).toBeGreaterThanOrEqual(7);
  });

  it('runs every shell block that is not skipped, in order, against a live service', async () => {
    const blocks = readmeShellBlocks().filter((b) => b.skip === null);
    const script =
      PRELUDE +
      blocks.map((b) => `echo "::README.md:${b.line}::"\n${b.code}\n`).join('\n') +
      'echo "::done::"\n';
    const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_URL: t.url };
    delete env.DRIFTWATCH_TOKEN;
    delete env.DATABASE_URL;
    const { code, output } = await bash(script, env);
    expect(code, output).toBe(0);
    expect(output).toContain('::done::');

    // What the README says each example answers.
    expect(output).toMatch(
      /"accepted":1,"duplicates":0,"rejected":\[\{"index":1,"code":"invalid_json"/,
    );
    expect(output).toContain('{"accepted":300,"duplicates":0,"rejected":[],"rejected_count":0}');
    expect(output).toMatch(/imported 1000 reference rows for churn version 1/);
    expect(output).toMatch(/run \d+ {2}churn version 1 {2}drift {2}status OK/);
    expect(output).toMatch(/^\d+\.\d+\.\d+$/m);
  });
});
