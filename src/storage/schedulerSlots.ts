/**
 * The PostgreSQL lease behind the scheduler: node-cron's `RunCoordinator` on
 * the `scheduler_slots` table, so that with several replicas each (job, slot)
 * runs exactly once and a job never runs twice at the same time anywhere.
 *
 * node-cron calls `shouldRun(key, ttlMs)` before each run, with
 * `key = "<task name>:<slot ISO string>"`, and `onComplete(key)` after it.
 * A claim is a row; the replica whose INSERT succeeded runs the slot. While it
 * runs, the claim is renewed every third of its lease, so `expires_at` means
 * "the runner is alive": a replica that dies stops renewing and its claim stops
 * blocking the job once the lease has passed.
 */
import type { RunCoordinator } from 'node-cron';
import type { Logger } from '../telemetry/logger.js';
import { withTransaction, type Pool } from './pool.js';

/**
 * Names "driftwatch scheduler" among two-key advisory locks; the second key is
 * hashtext(job). A hash collision between two jobs only serialises their claims.
 */
export const SLOT_LOCK_CLASS = 730_190;

// node-cron's key is `${name}:${slot.toISOString()}`; names may contain ':'.
const KEY_PATTERN = /^(.+):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/;

export type SlotOperation = 'claim' | 'renew' | 'complete';

export interface RunCoordinatorOptions {
  pool: Pool;
  /** Replica id written to each claim (hostname and pid, pod name…). */
  owner: string;
  logger: Logger;
  /** Called for every database error, e.g. to count them. */
  onError?: (operation: SlotOperation, error: unknown) => void;
}

export interface SlotKey {
  job: string;
  slot: Date;
}

/** Splits a node-cron coordinator key into job name and slot; null when malformed. */
export function parseSlotKey(key: string): SlotKey | null {
  const match = KEY_PATTERN.exec(key);
  if (!match?.[1] || !match[2]) return null;
  return { job: match[1], slot: new Date(match[2]) };
}

export class PostgresRunCoordinator implements RunCoordinator {
  private readonly pool: Pool;
  private readonly owner: string;
  private readonly logger: Logger;
  private readonly onError: ((operation: SlotOperation, error: unknown) => void) | undefined;
  /** Renewal timers of the claims this replica holds, by key. */
  private readonly renewals = new Map<string, NodeJS.Timeout>();

  constructor(options: RunCoordinatorOptions) {
    this.pool = options.pool;
    this.owner = options.owner;
    this.logger = options.logger;
    this.onError = options.onError;
  }

  /**
   * Claims the slot; true only for the one replica whose INSERT succeeded, and
   * false while another slot of the same job is running, unexpired, anywhere.
   * Database errors are logged and answered false: a slot is skipped rather
   * than possibly run twice.
   */
  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const parsed = parseSlotKey(key);
    if (!parsed || !(ttlMs > 0)) {
      this.logger.error({ key, ttlMs }, 'malformed scheduler slot key or lease; skipping the slot');
      return false;
    }
    const { job, slot } = parsed;
    let claimed: boolean;
    try {
      claimed = await withTransaction(this.pool, async (client) => {
        // Serialise check-and-claim per job: without the lock two replicas
        // claiming different slots could both see "nothing running".
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          SLOT_LOCK_CLASS,
          job,
        ]);
        const result = await client.query(
          `INSERT INTO scheduler_slots (job, slot, owner, expires_at)
           SELECT $1, $2, $3, now() + $4::double precision * interval '1 millisecond'
            WHERE NOT EXISTS (
                    SELECT 1 FROM scheduler_slots
                     WHERE job = $1 AND finished_at IS NULL AND expires_at > now())
           ON CONFLICT (job, slot) DO NOTHING`,
          [job, slot, this.owner, ttlMs],
        );
        return result.rowCount === 1;
      });
    } catch (error) {
      this.fail('claim', error, job, slot, 'claiming a scheduler slot failed; skipping the slot');
      return false;
    }
    if (claimed) this.keepAlive(key, job, slot, ttlMs);
    return claimed;
  }

  /** Marks the claim finished, so the job's next slot may run anywhere. */
  async onComplete(key: string): Promise<void> {
    this.stopRenewing(key);
    const parsed = parseSlotKey(key);
    if (!parsed) return;
    try {
      await this.pool.query(
        `UPDATE scheduler_slots SET finished_at = now()
          WHERE job = $1 AND slot = $2 AND owner = $3 AND finished_at IS NULL`,
        [parsed.job, parsed.slot, this.owner],
      );
    } catch (error) {
      // The claim still expires with its lease, after which the job runs again.
      this.fail(
        'complete',
        error,
        parsed.job,
        parsed.slot,
        'marking a scheduler slot finished failed; it blocks the job until its lease expires',
      );
    }
  }

  /**
   * Deletes claims of slots before `olderThan` that are finished or expired;
   * returns how many. Keep well over a schedule period (days): a replica whose
   * clock lags could otherwise claim a pruned slot again.
   */
  async pruneSlots(olderThan: Date): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM scheduler_slots
        WHERE slot < $1 AND (finished_at IS NOT NULL OR expires_at <= now())`,
      [olderThan],
    );
    return result.rowCount ?? 0;
  }

  /** Stops renewing every claim (the runs themselves are the scheduler's). */
  close(): void {
    for (const timer of this.renewals.values()) clearInterval(timer);
    this.renewals.clear();
  }

  private keepAlive(key: string, job: string, slot: Date, ttlMs: number): void {
    this.stopRenewing(key);
    const timer = setInterval(
      () => {
        this.renew(key, job, slot, ttlMs).catch(() => undefined);
      },
      Math.max(Math.floor(ttlMs / 3), 10),
    );
    // Renewal must not keep a process alive that is otherwise done.
    timer.unref();
    this.renewals.set(key, timer);
  }

  private async renew(key: string, job: string, slot: Date, ttlMs: number): Promise<void> {
    try {
      const result = await this.pool.query(
        `UPDATE scheduler_slots
            SET expires_at = now() + $4::double precision * interval '1 millisecond'
          WHERE job = $1 AND slot = $2 AND owner = $3 AND finished_at IS NULL`,
        [job, slot, this.owner, ttlMs],
      );
      if (result.rowCount === 0 && this.renewals.has(key)) {
        this.stopRenewing(key);
        this.logger.warn(
          { job, slot: slot.toISOString(), owner: this.owner },
          'scheduler claim vanished while running (pruned?); no longer renewing it',
        );
      }
    } catch (error) {
      // Try again at the next tick; the lease covers two missed renewals.
      this.fail('renew', error, job, slot, 'renewing a scheduler claim failed');
    }
  }

  private stopRenewing(key: string): void {
    const timer = this.renewals.get(key);
    if (timer) clearInterval(timer);
    this.renewals.delete(key);
  }

  private fail(
    operation: SlotOperation,
    error: unknown,
    job: string,
    slot: Date,
    message: string,
  ): void {
    this.logger.error(
      { err: error, job, slot: slot.toISOString(), owner: this.owner, operation },
      message,
    );
    try {
      this.onError?.(operation, error);
    } catch {
      // A metrics callback must not turn a logged error into a crash.
    }
  }
}
