/**
 * `driftwatch demo` as CI runs it: no DATABASE_URL (the embedded server), a
 * one-minute demo that ends by itself, and a summary that shows the injected
 * drift and serving skew were caught.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('driftwatch demo', () => {
  let dir: string;

  beforeAll(async () => {
    // As root the embedded server runs as the postgres user, which must be
    // able to reach the data folder.
    dir = await mkdtemp(path.join(tmpdir(), 'dw-demo-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs for --duration 60s and reports drift and parity failures in its summary', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'demo',
        '--duration',
        '60s',
        '--port',
        '0',
        '--data-dir',
        path.join(dir, 'pg'),
      ],
      { env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
    );
    // execFile rejects on a non-zero exit: reaching here means exit 0.
    expect(stdout).toMatch(/phase drift: tenure_months shifts/);
    expect(stdout).toMatch(/phase drift \+ serving skew/);
    expect(stdout).toMatch(/summary of the runs/);
    expect(stdout).toMatch(/^ {2}drift {8}drift +\d+$/m);
    expect(stdout).toMatch(/^ {2}parity {7}degraded +\d+$/m);
    expect(stdout).toMatch(/drift detected: yes/);
    expect(stdout).toMatch(/parity failures detected: yes, degraded/);
    // The final parity run's skew attribution names the injected skew and its factor.
    expect(stdout).toMatch(
      /serving skew named: monthly_charges looks served ×10 \(reproduces \d+ % of /,
    );
    // The stale pod (5 % of traffic) drifts in its segment and not in the whole window.
    expect(stdout).toMatch(/drift only in a segment: tag:pod=pod-d \([^)]*support_calls/);
    // Performance runs estimated AUC before labels came, then set the realised AUC beside it.
    expect(stdout).toMatch(
      /performance run \d+: status \w+, estimated AUC 0\.\d{3} .*no labels yet/,
    );
    expect(stdout).toMatch(
      /performance before labels: estimated AUC 0\.\d{3} \(band 0\.\d{3}–\d\.\d{3}\), realised 0\.\d{3} on \d+ labels/,
    );
  }, 170_000);
});
