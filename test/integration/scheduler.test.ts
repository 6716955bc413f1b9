/**
 * The scheduler against a real PostgreSQL: two replicas (two pools, two
 * owners) share one database and a per-second schedule on the same job name.
 * Waits are on conditions with a deadline, never fixed sleeps.
 */
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Scheduler,
  type JobOutcome,
  type MissedSlot,
  type SchedulerOptions,
} from '../../src/scheduler/scheduler.js';
import { DatabaseUnavailableError } from '../../src/core/errors.js';
import { migrate } from '../../src/storage/migrations.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import {
  PostgresRunCoordinator,
  SLOT_LOCK_CLASS,
  parseSlotKey,
} from '../../src/storage/schedulerSlots.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/until.js';

const EVERY_SECOND = '* * * * * *';
const silent = pino({ level: 'silent' });

/** Simulated work inside a job (not a wait in the test itself). */
function work(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function key(job: string, slot: Date): string {
  return `${job}:${slot.toISOString()}`;
}

function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('scheduler with a PostgreSQL lease', () => {
  let database: TestDatabase;
  let poolA: Pool;
  let poolB: Pool;
  const running: Scheduler[] = [];
  const coordinators: PostgresRunCoordinator[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    poolA = createPool({ url: database.url, max: 4, applicationName: 'replica-a' });
    poolB = createPool({ url: database.url, max: 4, applicationName: 'replica-b' });
    await migrate(poolA);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((scheduler) => scheduler.stop({ timeoutMs: 2_000 })));
    for (const coordinator of coordinators.splice(0)) coordinator.close();
    await poolA.query('TRUNCATE scheduler_slots');
  });

  afterAll(async () => {
    await poolA?.end();
    await poolB?.end();
    await database?.drop();
  });

  function coordinatorFor(pool: Pool, owner: string, logger: Logger = silent) {
    const coordinator = new PostgresRunCoordinator({ pool, owner, logger });
    coordinators.push(coordinator);
    return coordinator;
  }

  function replica(pool: Pool, owner: string, options: Partial<SchedulerOptions> = {}): Scheduler {
    const scheduler = new Scheduler({
      coordinator: coordinatorFor(pool, owner),
      logger: silent,
      owner,
      leaseMs: 10_000,
      ...options,
    });
    running.push(scheduler);
    return scheduler;
  }

  async function slotRows(job: string) {
    const { rows } = await poolA.query<{
      slot: Date;
      owner: string;
      finished_at: Date | null;
    }>('SELECT slot, owner, finished_at FROM scheduler_slots WHERE job = $1 ORDER BY slot', [job]);
    return rows;
  }

  it('runs each slot exactly once across two replicas', async () => {
    const ran: { owner: string; slot: string }[] = [];
    for (const [pool, owner] of [
      [poolA, 'a'],
      [poolB, 'b'],
    ] as const) {
      const scheduler = replica(pool, owner);
      scheduler.add({
        name: 'drift:churn',
        schedule: EVERY_SECOND,
        run: async (slot) => {
          ran.push({ owner, slot: slot.toISOString() });
          await work(20);
        },
      });
      scheduler.start();
    }

    await until(() => new Set(ran.map((r) => r.slot)).size >= 3, 'three slots');
    await Promise.all(running.splice(0).map((s) => s.stop()));

    const slots = ran.map((r) => r.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.length).toBeGreaterThanOrEqual(3);
    // Every claim in the table is a run that happened, by the replica that claimed it.
    const rows = await slotRows('drift:churn');
    expect(rows.map((r) => ({ owner: r.owner, slot: r.slot.toISOString() }))).toEqual(
      [...ran].sort((x, y) => x.slot.localeCompare(y.slot)),
    );
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it('keeps the schedule after a job throws, and reports the failure', async () => {
    const outcomes: JobOutcome[] = [];
    let calls = 0;
    for (const [pool, owner] of [
      [poolA, 'a'],
      [poolB, 'b'],
    ] as const) {
      const scheduler = replica(pool, owner, { onJobFinished: (o) => outcomes.push(o) });
      scheduler.add({
        name: 'drift:fails-once',
        schedule: EVERY_SECOND,
        run: () => {
          calls += 1;
          return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
        },
      });
      scheduler.start();
    }

    await until(() => outcomes.some((o) => o.ok), 'a run after the failure');
    const [failed, next] = outcomes;
    expect(failed).toMatchObject({ name: 'drift:fails-once', trigger: 'schedule', ok: false });
    expect((failed?.error as Error).message).toBe('boom');
    expect(next?.ok).toBe(true);
    expect(next!.slot.getTime()).toBeGreaterThan(failed!.slot.getTime());
    // The failed slot was completed, so it blocked nothing.
    const rows = await slotRows('drift:fails-once');
    expect(rows[0]?.slot.toISOString()).toBe(failed?.slot.toISOString());
    expect(rows[0]?.finished_at).not.toBeNull();
  });

  it('never overlaps a slow job with itself across replicas, and counts each skipped slot once', async () => {
    let active = 0;
    let maxActive = 0;
    const finished: { owner: string; slot: Date }[] = [];
    const missed: MissedSlot[] = [];
    for (const [pool, owner] of [
      [poolA, 'a'],
      [poolB, 'b'],
    ] as const) {
      const scheduler = replica(pool, owner, { onSlotMissed: (slot) => missed.push(slot) });
      scheduler.add({
        name: 'drift:slow',
        schedule: EVERY_SECOND,
        run: async (slot) => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          await work(1_400); // longer than the one-second period
          active -= 1;
          finished.push({ owner, slot });
        },
      });
      scheduler.start();
    }

    await until(() => finished.length >= 2, 'two slow runs', 10_000);
    expect(maxActive).toBe(1);
    // The slot after each run's start was skipped everywhere, not queued.
    const [first, second] = finished;
    expect(second!.slot.getTime() - first!.slot.getTime()).toBeGreaterThanOrEqual(2_000);
    // The slots in between were skipped, each reported (by the replica
    // running the slow one; the other sees it running elsewhere), none twice.
    const between = missed.filter((m) => m.slot > first!.slot && m.slot < second!.slot);
    const stillRunning = between.filter((m) => m.reason === 'still_running');
    const skipped = (second!.slot.getTime() - first!.slot.getTime()) / 1_000 - 1;
    expect(stillRunning.length).toBeGreaterThan(0);
    expect(new Set(stillRunning.map((m) => m.slot.getTime())).size).toBe(stillRunning.length);
    expect(new Set(between.map((m) => m.slot.getTime())).size).toBe(skipped);
  });

  it('reports the slots it cannot claim on an unreachable database, and not its manual runs', async () => {
    const unreachable = createPool({ url: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    const missed: MissedSlot[] = [];
    try {
      const scheduler = new Scheduler({
        coordinator: new PostgresRunCoordinator({ pool: unreachable, owner: 'a', logger: silent }),
        logger: silent,
        owner: 'a',
        onSlotMissed: (slot) => missed.push(slot),
      });
      running.push(scheduler);
      let runs = 0;
      scheduler.add({
        name: 'drift:down',
        schedule: EVERY_SECOND,
        run: () => {
          runs += 1;
          return Promise.resolve();
        },
      });
      scheduler.start();
      expect(await scheduler.runNow('drift:down')).toBeNull();
      await until(() => missed.length >= 2, 'two missed slots');
      expect(runs).toBe(0);
      for (const slot of missed) {
        expect(slot).toMatchObject({ name: 'drift:down', reason: 'database_unavailable' });
        expect(slot.slot.getMilliseconds()).toBe(0); // scheduled slots, not the manual run
      }
    } finally {
      await Promise.all(running.splice(0).map((s) => s.stop({ timeoutMs: 2_000 })));
      await unreachable.end();
    }
  });

  it('reports a scheduled run that fails on the database as a missed slot', async () => {
    const missed: MissedSlot[] = [];
    const scheduler = replica(poolA, 'a', { onSlotMissed: (slot) => missed.push(slot) });
    let calls = 0;
    scheduler.add({
      name: 'drift:run-fails',
      schedule: EVERY_SECOND,
      run: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new DatabaseUnavailableError('the database is unavailable'))
          : Promise.reject(new Error('boom'));
      },
    });
    scheduler.start();
    await until(() => missed.length >= 2, 'two failed slots');
    expect(missed.slice(0, 2).map((m) => [m.name, m.reason])).toEqual([
      ['drift:run-fails', 'database_unavailable'],
      ['drift:run-fails', 'error'],
    ]);
  });

  it('stop() waits for the running job, after which only the other replica runs', async () => {
    const release = deferred();
    const startedOnA = deferred();
    let runsOnA = 0;
    let finishedOnA = false;
    const slotsOnB: Date[] = [];

    const a = replica(poolA, 'a');
    a.add({
      name: 'drift:stop',
      schedule: EVERY_SECOND,
      run: async () => {
        runsOnA += 1;
        startedOnA.resolve();
        await release.promise;
        finishedOnA = true;
      },
    });
    a.start();
    await startedOnA.promise;

    const b = replica(poolB, 'b');
    b.add({
      name: 'drift:stop',
      schedule: EVERY_SECOND,
      run: (slot) => {
        slotsOnB.push(slot);
        return Promise.resolve();
      },
    });
    b.start();

    let stopped = false;
    const stopping = a.stop().then(() => {
      stopped = true;
      return finishedOnA;
    });
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release.resolve();
    expect(await stopping).toBe(true); // the job had finished when stop() resolved

    const stoppedAt = Date.now();
    await until(
      () => slotsOnB.filter((slot) => slot.getTime() > stoppedAt).length >= 2,
      'two slots on the other replica after stop',
    );
    expect(runsOnA).toBe(1);
    expect(await a.runNow('drift:stop')).toBeNull();
  });

  it('stop() gives up waiting after its timeout', async () => {
    const release = deferred();
    const started = deferred();
    const { logger, lines } = capturingLogger();
    const scheduler = replica(poolA, 'a', { logger });
    scheduler.add({
      name: 'drift:hangs',
      schedule: EVERY_SECOND,
      run: async () => {
        started.resolve();
        await release.promise;
      },
    });
    scheduler.start();
    await started.promise;

    await scheduler.stop({ timeoutMs: 50 });
    expect(lines.some((l) => l.msg === 'scheduler stopped with jobs still running')).toBe(true);
    release.resolve();
  });

  it('runNow runs a job under the lease and is refused while it runs elsewhere', async () => {
    const release = deferred();
    const started = deferred();
    const a = replica(poolA, 'a');
    const b = replica(poolB, 'b');
    for (const scheduler of [a, b]) {
      scheduler.add({
        name: 'drift:manual',
        schedule: '0 0 1 1 *', // effectively never during the test
        run: async () => {
          started.resolve();
          await release.promise;
        },
      });
      scheduler.start();
    }
    const onA = a.runNow('drift:manual');
    await started.promise;
    expect(await b.runNow('drift:manual')).toBeNull();
    release.resolve();
    expect(await onA).toMatchObject({ name: 'drift:manual', trigger: 'manual', ok: true });
    await expect(a.runNow('drift:unknown')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rejects bad job names, duplicates and cron expressions', () => {
    const scheduler = replica(poolA, 'a');
    const run = () => Promise.resolve();
    expect(() => scheduler.add({ name: 'drift churn', schedule: EVERY_SECOND, run })).toThrow(
      /must match/,
    );
    expect(() => scheduler.add({ name: 'drift:x', schedule: 'every minute', run })).toThrow(
      /invalid cron expression/,
    );
    scheduler.add({ name: 'drift:x', schedule: EVERY_SECOND, run });
    expect(() => scheduler.add({ name: 'drift:x', schedule: EVERY_SECOND, run })).toThrow(
      /added twice/,
    );
  });

  describe('PostgresRunCoordinator', () => {
    const base = Date.UTC(2030, 0, 1);
    const slotAt = (seconds: number) => new Date(base + seconds * 1000);

    it('splits keys whose job names contain colons', () => {
      expect(parseSlotKey(key('drift:churn:v2', slotAt(3)))).toEqual({
        job: 'drift:churn:v2',
        slot: slotAt(3),
      });
      expect(parseSlotKey('drift:churn')).toBeNull();
    });

    it('grants a slot to one replica only', async () => {
      const a = coordinatorFor(poolA, 'a');
      const b = coordinatorFor(poolB, 'b');
      expect(await a.shouldRun(key('unit:once', slotAt(0)), 60_000)).toBe(true);
      await a.onComplete(key('unit:once', slotAt(0)));
      expect(await b.shouldRun(key('unit:once', slotAt(0)), 60_000)).toBe(false);
      expect((await slotRows('unit:once')).map((r) => r.owner)).toEqual(['a']);
    });

    it('refuses the next slot while another replica runs one, and accepts once it completes', async () => {
      const a = coordinatorFor(poolA, 'a');
      const b = coordinatorFor(poolB, 'b');
      expect(await a.shouldRun(key('unit:busy', slotAt(0)), 60_000)).toBe(true);
      expect(await b.shouldRun(key('unit:busy', slotAt(1)), 60_000)).toBe(false);
      // Other jobs are not blocked.
      expect(await b.shouldRun(key('unit:other', slotAt(1)), 60_000)).toBe(true);
      await a.onComplete(key('unit:busy', slotAt(0)));
      expect(await b.shouldRun(key('unit:busy', slotAt(1)), 60_000)).toBe(true);
    });

    it('stops honouring a claim whose runner died once its lease expires', async () => {
      await poolA.query(
        `INSERT INTO scheduler_slots (job, slot, owner, expires_at)
         VALUES ('unit:dead', $1, 'dead-replica', now() + interval '400 milliseconds')`,
        [slotAt(0)],
      );
      const b = coordinatorFor(poolB, 'b');
      expect(await b.shouldRun(key('unit:dead', slotAt(1)), 60_000)).toBe(false);
      await until(() => b.shouldRun(key('unit:dead', slotAt(1)), 60_000), 'the lease to expire');
      const rows = await slotRows('unit:dead');
      expect(rows.map((r) => [r.owner, r.finished_at])).toEqual([
        ['dead-replica', null],
        ['b', null],
      ]);
    });

    it('renews the claims it holds, so a long run keeps the job blocked', async () => {
      const a = coordinatorFor(poolA, 'a');
      const b = coordinatorFor(poolB, 'b');
      const held = key('unit:long', slotAt(0));
      expect(await a.shouldRun(held, 300)).toBe(true);
      const [{ expires_at: firstExpiry }] = (
        await poolA.query<{ expires_at: Date }>(
          "SELECT expires_at FROM scheduler_slots WHERE job = 'unit:long'",
        )
      ).rows as [{ expires_at: Date }];
      await until(async () => {
        const { rows } = await poolA.query<{ past: boolean }>(
          'SELECT now() > $1::timestamptz AS past',
          [firstExpiry],
        );
        return rows[0]?.past === true;
      }, 'the first lease to pass');
      expect(await b.shouldRun(key('unit:long', slotAt(1)), 300)).toBe(false);
      await a.onComplete(held);
      expect(await b.shouldRun(key('unit:long', slotAt(1)), 300)).toBe(true);
      await b.onComplete(key('unit:long', slotAt(1)));
    });

    it('serialises check-and-claim per job, so a claim in progress elsewhere is seen', async () => {
      // Replica "a" is mid-claim: it holds the job's lock and has inserted a
      // running row that it has not committed yet.
      const claiming = await poolA.connect();
      try {
        await claiming.query('BEGIN');
        await claiming.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          SLOT_LOCK_CLASS,
          'unit:race',
        ]);
        await claiming.query(
          `INSERT INTO scheduler_slots (job, slot, owner, expires_at)
           VALUES ('unit:race', $1, 'a', now() + interval '1 minute')`,
          [slotAt(0)],
        );
        const b = coordinatorFor(poolB, 'b');
        let answered = false;
        const answer = b.shouldRun(key('unit:race', slotAt(1)), 60_000).finally(() => {
          answered = true;
        });
        // b waits on the lock (visible in pg_locks) instead of racing past it.
        await until(async () => {
          const { rows } = await poolA.query<{ waiting: number }>(
            `SELECT count(*) AS waiting FROM pg_locks
              WHERE locktype = 'advisory' AND classid = $1 AND NOT granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [SLOT_LOCK_CLASS],
          );
          return rows[0]?.waiting === 1;
        }, 'the second claim to wait on the lock');
        expect(answered).toBe(false);
        await claiming.query('COMMIT');
        expect(await answer).toBe(false);
      } finally {
        claiming.release();
      }
    });

    it('skips the slot and logs when the database is unreachable', async () => {
      const unreachable = createPool({ url: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
      const { logger, lines } = capturingLogger();
      const errors: string[] = [];
      const coordinator = new PostgresRunCoordinator({
        pool: unreachable,
        owner: 'a',
        logger,
        onError: (operation) => errors.push(operation),
      });
      try {
        expect(await coordinator.shouldRun(key('unit:down', slotAt(0)), 60_000)).toBe(false);
        await coordinator.onComplete(key('unit:down', slotAt(0)));
      } finally {
        await unreachable.end();
      }
      expect(errors).toEqual(['claim', 'complete']);
      expect(lines[0]).toMatchObject({
        level: 50,
        job: 'unit:down',
        operation: 'claim',
        err: { code: 'database_unavailable' },
      });
    });

    it('says why it refuses a claim', async () => {
      const a = coordinatorFor(poolA, 'a');
      const b = coordinatorFor(poolB, 'b');
      expect(await a.claim(key('unit:why', slotAt(0)), 60_000)).toEqual({ granted: true });
      // The same slot, claimed already.
      expect(await b.claim(key('unit:why', slotAt(0)), 60_000)).toEqual({
        granted: false,
        reason: 'taken',
      });
      // A later slot while "a" still runs the first: a's own overlap, b's no loss.
      expect(await a.claim(key('unit:why', slotAt(1)), 60_000)).toEqual({
        granted: false,
        reason: 'still_running',
      });
      expect(await b.claim(key('unit:why', slotAt(1)), 60_000)).toEqual({
        granted: false,
        reason: 'running_elsewhere',
      });
      await a.onComplete(key('unit:why', slotAt(0)));
      expect(await b.claim(key('unit:why', slotAt(2)), 60_000)).toEqual({ granted: true });
      await b.onComplete(key('unit:why', slotAt(2)));
    });

    it('finishes a claim whose completion failed at the next claim, so the next slot runs at once', async () => {
      let failing = false;
      // The real pool, except that plain queries (completion, renewal) fail while `failing`.
      const flaky = {
        connect: () => poolA.connect(),
        query: (...args: Parameters<Pool['query']>) =>
          failing
            ? Promise.reject(
                Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
              )
            : poolA.query(...args),
      } as unknown as Pool;
      const a = coordinatorFor(flaky, 'a');
      const b = coordinatorFor(poolB, 'b');
      expect(await a.shouldRun(key('unit:stale', slotAt(0)), 60_000)).toBe(true);
      failing = true;
      await a.onComplete(key('unit:stale', slotAt(0)));
      failing = false;
      // The stale claim blocks the job for its lease everywhere but here...
      expect(await b.claim(key('unit:stale', slotAt(1)), 60_000)).toMatchObject({
        reason: 'running_elsewhere',
      });
      // ...where the next claim marks it finished first.
      expect(await a.claim(key('unit:stale', slotAt(2)), 60_000)).toEqual({ granted: true });
      await a.onComplete(key('unit:stale', slotAt(2)));
      const rows = await slotRows('unit:stale');
      expect(rows.map((r) => r.finished_at !== null)).toEqual([true, true]);
    });

    it('prunes old claims that are finished or expired, and nothing else', async () => {
      await poolA.query(
        `INSERT INTO scheduler_slots (job, slot, owner, expires_at, finished_at) VALUES
           ('unit:prune', $1, 'a', now() + interval '1 hour', now()),   -- old, finished
           ('unit:prune', $2, 'a', now() - interval '1 hour', NULL),    -- old, runner died
           ('unit:prune', $3, 'a', now() + interval '1 hour', NULL),    -- old, still running
           ('unit:prune', $4, 'a', now() + interval '1 hour', now())    -- recent`,
        [slotAt(-30), slotAt(-20), slotAt(-10), slotAt(10)],
      );
      const coordinator = coordinatorFor(poolA, 'a');
      expect(await coordinator.pruneSlots(slotAt(0))).toBe(2);
      expect((await slotRows('unit:prune')).map((r) => r.slot)).toEqual([slotAt(-10), slotAt(10)]);
    });
  });
});
