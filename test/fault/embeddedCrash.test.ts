/**
 * The embedded PostgreSQL after a crash of driftwatch: `kill -9` leaves the
 * postmaster running on the data folder; the next `serve` stops it and comes
 * up with the data kept. A second `serve` next to a live one is refused in one
 * line naming the live one's PID, and when PostgreSQL itself does not start
 * its own log lines reach the user at the default log level.
 */
import { appendFile, chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { call } from '../helpers/service.js';
import { ProcessTracker, isRunning, readPostmaster } from './serveProcess.js';

// Each test starts driftwatch several times; on a loaded two-core machine a start takes seconds.
describe('embedded PostgreSQL after kill -9', { timeout: 120_000 }, () => {
  const processes = new ProcessTracker();
  let dir: string;
  let dataDir: string;
  const timestampMs = Date.now();
  const records = [churnRecord(1, {}, timestampMs), churnRecord(2, {}, timestampMs)];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dw-crash-'));
    // As root PostgreSQL runs as the postgres user, which must be able to enter the folder.
    await chmod(dir, 0o755);
    dataDir = path.join(dir, 'pg');
  });
  afterAll(async () => {
    await processes.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second serve on a folder in use, naming the live one, and takes over after kill -9', async () => {
    const first = await processes.start({ dataDir });
    expect(
      (
        await call(first.url, '/v1/models/churn/versions/1', {
          method: 'PUT',
          body: CHURN_DEFINITION,
        })
      ).status,
    ).toBe(201);
    expect((await call(first.url, '/v1/predictions', { body: records })).body).toMatchObject({
      accepted: 2,
    });

    // A second serve while the first one lives: one line, naming the first one's PID.
    const second = processes.spawn({ dataDir });
    const refused = await second.exited;
    expect(refused.code).toBe(2);
    expect(second.stderr().trimEnd().split('\n')).toEqual([
      `driftwatch: another driftwatch (PID ${first.pid}) is using the data folder ${dataDir}; stop it or use another --data-dir`,
    ]);
    expect((await call(first.url, '/ready')).status).toBe(200);

    // kill -9: driftwatch is gone, its postmaster is not.
    const orphan = await readPostmaster(dataDir);
    expect(orphan).not.toBeNull();
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(await isRunning(orphan!.pid)).toBe(true);

    const third = await processes.start({ dataDir });
    try {
      expect(await isRunning(orphan!.pid)).toBe(false);
      expect(third.stderr()).toContain(
        `stopping the embedded PostgreSQL (PID ${orphan!.pid}) left running on ${dataDir} by driftwatch PID ${first.pid}, which is gone`,
      );
      expect((await call(third.url, '/ready')).status).toBe(200);
      // The rows written before the kill are still there.
      expect((await call(third.url, '/v1/predictions', { body: records })).body).toMatchObject({
        accepted: 0,
        duplicates: 2,
      });
    } finally {
      third.child.kill('SIGTERM');
    }
    expect((await third.exited).code).toBe(0);
    expect(await readPostmaster(dataDir)).toBeNull();
  });

  it("prints PostgreSQL's own log lines at the default log level when it does not start", async () => {
    await appendFile(path.join(dataDir, 'postgresql.conf'), '\nthis is not a setting\n');
    const failing = processes.spawn({ dataDir, logLevel: 'info' });
    const exit = await failing.exited;
    expect(exit.code).toBe(2);
    const stderr = failing.stderr();
    expect(stderr).toContain(`driftwatch: embedded PostgreSQL did not start in ${dataDir}`);
    // PostgreSQL's own words, not "see its log above".
    expect(stderr).toMatch(/syntax error in file ".*postgresql\.conf"/);
    expect(stderr).toMatch(/configuration file ".*postgresql\.conf" contains errors/);
    expect(stderr).not.toContain('see its log above');
  });
});
