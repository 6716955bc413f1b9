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
import { isDatabaseUnavailable, withTransaction, type Pool } from './pool.js';

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

/**
 * The answer to a claim. Refusals that are no loss: `taken` (this very slot
 * is claimed already, by another replica or earlier here) and
 * `running_elsewhere` (another replica still runs an earlier slot of the job;
 * that replica's scheduler sees the overlap and counts it). The others mean
 * the slot runs nowhere: `still_running` (an earlier slot of the job still
 * runs here, or holds its claim here), `database_unavailable` (the claim
 * could not be made: the database is down or did not answer in time), `error`
 * (anything else, e.g. a malformed key).
 */
export type SlotClaim =
  | { granted: true }
  | { granted: false; reason: 'taken' | 'running_elsewhere' | 'still_running' }
  | { granted: false; reason: 'database_unavailable' | 'error'; error?: unknown };

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
  /** Renewal timers of the claims this replica holds, with their lease, by key. */
  private readonly renewals = new Map<string, { timer: NodeJS.Timeout; ttlMs: number }>();
  /**
   * Claims of this replica that may be in the table unfinished although
   * nothing runs them: their completion failed, or their claim's answer was
   * lost (it may have committed). Each is marked finished at the job's next
   * claim, so that once the database is back the next slot runs at once
   * instead of waiting for the stale claim's lease; past `untilMs` the lease
   * has expired and the entry is dropped.
   */
  private readonly unfinished = new Map<string, SlotKey & { untilMs: number }>();

  constructor(options: RunCoordinatorOptions) {
    this.pool = options.pool;
    this.owner = options.owner;
    this.logger = options.logger;
    this.onError = options.onError;
  }

  /**
   * node-cron's question: claims the slot, true only for the one replica
   * whose claim succeeded (see `claim` for why not).
   */
  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    return (await this.claim(key, ttlMs)).granted;
  }

  /**
   * Claims the slot: granted only to the one replica whose INSERT succeeded,
   * and refused while another slot of the same job is running, unexpired,
   * anywhere. Database errors are logged and answered with a refusal: a slot
   * is skipped rather than possibly run twice.
   */
  async claim(key: string, ttlMs: number): Promise<SlotClaim> {
    const parsed = parseSlotKey(key);
    if (!parsed || !(ttlMs > 0)) {
      this.logger.error({ key, ttlMs }, 'malformed scheduler slot key or lease; skipping the slot');
      return { granted: false, reason: 'error' };
    }
    const { job, slot } = parsed;
    const stale = this.unfinishedOf(job);
    let claim: SlotClaim;
    try {
      claim = await withTransaction(this.pool, async (client): Promise<SlotClaim> => {
        // Serialise check-and-claim per job: without the lock two replicas
        // claiming different slots could both see "nothing running".
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          SLOT_LOCK_CLASS,
          job,
        ]);
        if (stale.length > 0) {
          await client.query(
            `UPDATE scheduler_slots SET finished_at = now()
              WHERE job = $1 AND owner = $2 AND slot = ANY($3::timestamptz[]) AND finished_at IS NULL`,
            [job, this.owner, stale.map((entry) => entry.slot)],
          );
        }
        // This slot's own claim first, else a running claim of the job.
        const { rows } = await client.query<{ slot: Date; owner: string }>(
          `SELECT slot, owner FROM scheduler_slots
            WHERE job = $1 AND (slot = $2 OR (finished_at IS NULL AND expires_at > now()))
            ORDER BY slot = $2 DESC
            LIMIT 1`,
          [job, slot],
        );
        const holder = rows[0];
        if (holder) {
          if (holder.slot.getTime() === slot.getTime()) return { granted: false, reason: 'taken' };
          return {
            granted: false,
            reason: holder.owner === this.owner ? 'still_running' : 'running_elsewhere',
          };
        }
        const result = await client.query(
          `INSERT INTO scheduler_slots (job, slot, owner, expires_at)
           VALUES ($1, $2, $3, now() + $4::double precision * interval '1 millisecond')
           ON CONFLICT (job, slot) DO NOTHING`,
          [job, slot, this.owner, ttlMs],
        );
        return result.rowCount === 1 ? { granted: true } : { granted: false, reason: 'taken' };
      });
    } catch (error) {
      this.fail('claim', error, job, slot, 'claiming a scheduler slot failed; skipping the slot');
      // The claim may have committed with its answer lost.
      this.rememberUnfinished(key, parsed, ttlMs);
      return {
        granted: false,
        reason: isDatabaseUnavailable(error) ? 'database_unavailable' : 'error',
        error,
      };
    }
    for (const entry of stale) this.unfinished.delete(entry.key);
    if (claim.granted) this.keepAlive(key, job, slot, ttlMs);
    return claim;
  }

  /** Marks the claim finished, so the job's next slot may run anywhere. */
  async onComplete(key: string): Promise<void> {
    const ttlMs = this.renewals.get(key)?.ttlMs ?? 0;
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
      // Retried at the job's next claim; at worst the claim expires with its lease.
      this.rememberUnfinished(key, parsed, ttlMs);
      this.fail(
        'complete',
        error,
        parsed.job,
        parsed.slot,
        'marking a scheduler slot finished failed; retried at the next claim of the job',
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
    for (const { timer } of this.renewals.values()) clearInterval(timer);
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
    this.renewals.set(key, { timer, ttlMs });
  }

  private rememberUnfinished(key: string, parsed: SlotKey, ttlMs: number): void {
    if (ttlMs > 0) this.unfinished.set(key, { ...parsed, untilMs: Date.now() + ttlMs });
  }

  /** The job's claims to mark finished at its next claim; expired ones are forgotten. */
  private unfinishedOf(job: string): (SlotKey & { key: string })[] {
    const nowMs = Date.now();
    const found: (SlotKey & { key: string })[] = [];
    for (const [key, entry] of this.unfinished) {
      if (entry.untilMs <= nowMs) this.unfinished.delete(key);
      else if (entry.job === job) found.push({ key, job, slot: entry.slot });
    }
    return found;
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
    const renewal = this.renewals.get(key);
    if (renewal) clearInterval(renewal.timer);
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
