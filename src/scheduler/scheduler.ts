/**
 * Cron jobs with stable names, run through node-cron 4 in `distributed` mode:
 * before each slot a `RunCoordinator` (the PostgreSQL lease in
 * storage/schedulerSlots.ts) decides which replica runs it, so with several
 * replicas each slot runs once, and `noOverlap` keeps a slow job from starting
 * again while it still runs here.
 *
 * A job that throws never stops its schedule nor crashes the process: the
 * error is caught at the loop boundary, logged, reported to `onJobFinished`,
 * and the next slot runs as usual. Recording a failed check as a run with
 * status `error` is the check runner's business, not this loop's.
 *
 * A slot that this replica should have run but did not — its claim failed,
 * the job was still running, the process was too busy to start it, or its run
 * failed — is reported to `onSlotMissed` with the reason, so that a slot lost
 * in a database outage leaves a trace (a counter) even though no run could
 * be recorded.
 */
import { createTask, validate } from 'node-cron';
import type { Logger as CronLogger, ScheduledTask } from 'node-cron';
import { AppError, ConfigError, NotFoundError } from '../core/errors.js';
import type { SlotClaim } from '../storage/schedulerSlots.js';
import type { Logger } from '../telemetry/logger.js';

export interface ScheduledJob {
  /** Stable across releases and replicas (`drift:churn`): it names the lease. */
  name: string;
  /** node-cron expression, five or six fields (seconds first when six). */
  schedule: string;
  /** Receives the slot it runs for (the scheduled instant, not the start time). */
  run: (slot: Date) => Promise<void>;
}

export interface JobOutcome {
  name: string;
  slot: Date;
  trigger: 'schedule' | 'manual';
  ok: boolean;
  /** What the job threw, when `ok` is false. */
  error?: unknown;
  durationMs: number;
}

/**
 * Why a slot did not run: `database_unavailable` (its claim or its run failed
 * because the database was down or did not answer in time), `still_running`
 * (the job's previous slot was still running, or still being claimed, here),
 * `late` (the process was busy past the slot, node-cron skipped it), `error`
 * (its claim or its run failed otherwise).
 */
export type MissReason = 'database_unavailable' | 'still_running' | 'late' | 'error';

export interface MissedSlot {
  name: string;
  slot: Date;
  reason: MissReason;
  error?: unknown;
}

/** The lease: storage/schedulerSlots.ts's PostgresRunCoordinator, or a test double. */
export interface SlotCoordinator {
  claim(key: string, ttlMs: number): Promise<SlotClaim>;
  onComplete?(key: string): Promise<void>;
}

export interface SchedulerOptions {
  coordinator: SlotCoordinator;
  logger: Logger;
  /** Replica id, for logs (the coordinator records it with each claim). */
  owner: string;
  /** How long a claim blocks the job after its runner stops renewing it. Default 60 s. */
  leaseMs?: number;
  /** How long `stop()` waits for running jobs by default. Default 30 s. */
  stopTimeoutMs?: number;
  /**
   * Time zone the expressions are read in. Default UTC: replicas in different
   * zones must compute the same slots, or each would run its own.
   */
  timezone?: string;
  /** Called after every run (e.g. to count runs, failures and durations). */
  onJobFinished?: (outcome: JobOutcome) => void;
  /** Called for every scheduled slot that did not run (manual runs are not slots). */
  onSlotMissed?: (missed: MissedSlot) => void;
}

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
// Letters, digits and . _ : - keep names readable in logs, metrics and keys.
const JOB_NAME = /^[\w.:-]+$/;

type State = 'created' | 'started' | 'stopping' | 'stopped';

export class Scheduler {
  private readonly coordinator: SlotCoordinator;
  private readonly logger: Logger;
  private readonly leaseMs: number;
  private readonly stopTimeoutMs: number;
  private readonly timezone: string;
  private readonly onJobFinished: ((outcome: JobOutcome) => void) | undefined;
  private readonly onSlotMissed: ((missed: MissedSlot) => void) | undefined;
  private readonly jobs = new Map<string, { job: ScheduledJob; task: ScheduledTask }>();
  /** Slots claimed or being claimed here, by coordinator key, until their run has finished. */
  private readonly inFlight = new Map<string, { done: Promise<void>; release: () => void }>();
  private state: State = 'created';

  /**
   * Sits between node-cron and the real coordinator: refuses every slot once
   * stopping begins, tracks each slot from its claim to its completion so
   * `stop()` can wait for it, and reports the scheduled slots that could not
   * be claimed. Never throws.
   */
  private readonly gate: {
    shouldRun(key: string, ttlMs: number, trigger?: JobOutcome['trigger']): Promise<boolean>;
    onComplete(key: string): Promise<void>;
  } = {
    shouldRun: async (key, ttlMs, trigger = 'schedule') => {
      if (this.state !== 'started' || this.inFlight.has(key)) return false;
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      this.inFlight.set(key, { done, release });
      let claim: SlotClaim;
      try {
        claim = await this.coordinator.claim(key, ttlMs);
      } catch (error) {
        claim = { granted: false, reason: 'error', error };
      }
      if (!claim.granted) {
        this.settle(key);
        if (
          trigger === 'schedule' &&
          claim.reason !== 'taken' &&
          claim.reason !== 'running_elsewhere'
        ) {
          const { name, slot } = splitSlotKey(key);
          this.missed(name, slot, claim.reason, 'error' in claim ? claim.error : undefined);
        }
      }
      return claim.granted;
    },
    onComplete: async (key) => {
      try {
        await this.coordinator.onComplete?.(key);
      } finally {
        this.settle(key);
      }
    },
  };

  constructor(options: SchedulerOptions) {
    this.coordinator = options.coordinator;
    this.logger = options.logger.child({ component: 'scheduler', owner: options.owner });
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.timezone = options.timezone ?? 'UTC';
    this.onJobFinished = options.onJobFinished;
    this.onSlotMissed = options.onSlotMissed;
    if (!(this.leaseMs > 0)) throw new ConfigError([`scheduler leaseMs must be > 0`]);
  }

  /** Registers a job; bad names or expressions throw a ConfigError (start-up stops). */
  add(job: ScheduledJob): void {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new AppError('internal', `cannot add job ${job.name}: the scheduler is stopped`);
    }
    const problems: string[] = [];
    if (!JOB_NAME.test(job.name)) {
      problems.push(`scheduler job name "${job.name}" must match ${String(JOB_NAME)}`);
    }
    if (this.jobs.has(job.name)) problems.push(`scheduler job "${job.name}" is added twice`);
    if (!validate(job.schedule)) {
      problems.push(`scheduler job "${job.name}": invalid cron expression "${job.schedule}"`);
    }
    if (problems.length > 0) throw new ConfigError(problems);

    const log = this.logger.child({ job: job.name });
    const task = createTask(
      job.schedule,
      // node-cron's context.date is the slot, whatever the start delay.
      (context) => this.runJob(job, context.date, 'schedule'),
      {
        name: job.name,
        distributed: true,
        runCoordinator: this.gate,
        distributedLease: this.leaseMs,
        noOverlap: true,
        timezone: this.timezone,
        logger: cronLogger(log),
      },
    );
    // node-cron skipped the slot here: the previous one still ran (noOverlap),
    // or the event loop was blocked past the slot's tolerance.
    task.on('execution:overlap', (context) => {
      if (this.state === 'started') this.missed(job.name, context.date, 'still_running');
    });
    task.on('execution:missed', (context) => {
      if (this.state === 'started') this.missed(job.name, context.date, 'late');
    });
    this.jobs.set(job.name, { job, task });
    if (this.state === 'started') void task.start();
  }

  start(): void {
    if (this.state !== 'created') return;
    this.state = 'started';
    for (const { task } of this.jobs.values()) void task.start();
    this.logger.info({ jobs: [...this.jobs.keys()] }, 'scheduler started');
  }

  /**
   * Runs a job now, outside its schedule, under the same lease: null when it
   * is refused (running elsewhere, scheduler not started, lease unavailable).
   */
  async runNow(name: string): Promise<JobOutcome | null> {
    const entry = this.jobs.get(name);
    if (!entry) throw new NotFoundError(`no scheduled job named ${name}`);
    const slot = new Date();
    const key = `${name}:${slot.toISOString()}`;
    if (!(await this.gate.shouldRun(key, this.leaseMs, 'manual'))) return null;
    try {
      return await this.runJob(entry.job, slot, 'manual');
    } finally {
      await this.gate.onComplete(key).catch((error: unknown) => {
        this.logger.error({ err: error, job: name }, 'completing a manual run failed');
      });
    }
  }

  /**
   * Stops every schedule, then waits for running jobs, at most `timeoutMs`
   * (jobs still running then are logged and left to finish on their own).
   * No job starts once this has been called.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    for (const { task } of this.jobs.values()) await task.destroy();
    const running = [...this.inFlight.values()].map((entry) => entry.done);
    const timeoutMs = options.timeoutMs ?? this.stopTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(running).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.logger.warn(
        { slots: [...this.inFlight.keys()], timeoutMs },
        'scheduler stopped with jobs still running',
      );
    }
    this.state = 'stopped';
    this.logger.info('scheduler stopped');
  }

  /** Runs one slot of a job; never throws. */
  private async runJob(
    job: ScheduledJob,
    slot: Date,
    trigger: JobOutcome['trigger'],
  ): Promise<JobOutcome> {
    const log = this.logger.child({ job: job.name, slot: slot.toISOString(), trigger });
    const startedMs = performance.now();
    let outcome: JobOutcome;
    try {
      await job.run(slot);
      outcome = { name: job.name, slot, trigger, ok: true, durationMs: 0 };
    } catch (error) {
      outcome = { name: job.name, slot, trigger, ok: false, error, durationMs: 0 };
    }
    outcome.durationMs = performance.now() - startedMs;
    if (outcome.ok) {
      log.debug({ durationMs: outcome.durationMs }, 'scheduled job finished');
    } else {
      log.error(
        { err: outcome.error, durationMs: outcome.durationMs },
        'scheduled job failed; its next slot runs as usual',
      );
    }
    try {
      this.onJobFinished?.(outcome);
    } catch (error) {
      log.error({ err: error }, 'onJobFinished callback threw');
    }
    if (trigger === 'schedule' && !outcome.ok) {
      const unavailable =
        outcome.error instanceof AppError && outcome.error.code === 'database_unavailable';
      this.missed(job.name, slot, unavailable ? 'database_unavailable' : 'error', outcome.error);
    }
    return outcome;
  }

  /** Logs and reports a scheduled slot that did not run. */
  private missed(name: string, slot: Date, reason: MissReason, error?: unknown): void {
    this.logger.warn(
      {
        job: name,
        slot: slot.toISOString(),
        reason,
        ...(error === undefined ? {} : { err: error }),
      },
      'scheduled slot missed',
    );
    try {
      this.onSlotMissed?.({ name, slot, reason, ...(error === undefined ? {} : { error }) });
    } catch (callbackError) {
      this.logger.error({ err: callbackError }, 'onSlotMissed callback threw');
    }
  }

  private settle(key: string): void {
    this.inFlight.get(key)?.release();
    this.inFlight.delete(key);
  }
}

// node-cron's coordinator key: `${name}:${slot.toISOString()}` (24 characters).
const ISO_LENGTH = 24;

function splitSlotKey(key: string): { name: string; slot: Date } {
  return {
    name: key.slice(0, -ISO_LENGTH - 1),
    slot: new Date(key.slice(-ISO_LENGTH)),
  };
}

/** node-cron's own messages (overlap blocked, missed slot…) go to our logger. */
function cronLogger(log: Logger): CronLogger {
  const write =
    (level: 'debug' | 'warn' | 'error') =>
    (message: string | Error, error?: Error): void => {
      if (message instanceof Error) log[level]({ err: message }, message.message);
      else if (error) log[level]({ err: error }, message);
      else log[level](message);
    };
  return {
    info: write('debug'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
  };
}
