/**
 * Limits of the two PostgreSQL pools (`database.timeouts`). API requests get
 * short ones, so that a database that hangs answers 503 with Retry-After in
 * about ten seconds; scheduled work (checks, retention, webhook delivery,
 * migrations) gets its own pool with long ones, as a check reading a large
 * window legitimately runs for minutes.
 */
import { z } from 'zod';

/** The shape of storage/pool.ts's PoolTimeouts, in milliseconds. */
interface PoolLimits {
  connectMs: number;
  statementMs: number;
  queryMs: number;
  idleInTransactionMs: number;
}

const DAY_MS = 86_400_000;

/** Milliseconds; 0 turns the limit off. */
const limitMs = z.number().int().min(0).max(DAY_MS);

function poolTimeoutsSchema(defaults: PoolLimits) {
  return z
    .strictObject({
      /** Waiting for a connection: a free one from the pool, or a new one connecting. */
      connectMs: limitMs.default(defaults.connectMs),
      /** PostgreSQL `statement_timeout`: the server cancels slower statements. */
      statementMs: limitMs.default(defaults.statementMs),
      /** No answer after this long: the query fails and its connection is dropped. */
      queryMs: limitMs.default(defaults.queryMs),
      /** PostgreSQL `idle_in_transaction_session_timeout`. */
      idleInTransactionMs: limitMs.default(defaults.idleInTransactionMs),
    })
    .superRefine((timeouts, ctx) => {
      // The server must get the first word on a slow statement: cancelled by
      // statement_timeout, the connection stays usable; cut off by queryMs, it is lost.
      if (timeouts.statementMs > 0 && timeouts.queryMs > 0) {
        if (timeouts.queryMs <= timeouts.statementMs) {
          ctx.addIssue({
            code: 'custom',
            path: ['queryMs'],
            message: `must be greater than statementMs (${timeouts.statementMs})`,
          });
        }
      }
    })
    .prefault({});
}

/** Request pool defaults: a frozen database answers 503 within queryMs (9 s). */
export const REQUEST_POOL_TIMEOUTS: PoolLimits = {
  connectMs: 5_000,
  statementMs: 8_000,
  queryMs: 9_000,
  idleInTransactionMs: 60_000,
};

/** Jobs pool defaults: a check may read for ten minutes. */
export const JOBS_POOL_TIMEOUTS: PoolLimits = {
  connectMs: 60_000,
  statementMs: 600_000,
  queryMs: 660_000,
  idleInTransactionMs: 600_000,
};

export const databaseTimeoutsSchema = z
  .strictObject({
    /** The pool of API requests (ingest, labels, references, reads) and of the scheduler's lease. */
    requests: poolTimeoutsSchema(REQUEST_POOL_TIMEOUTS),
    /** The pool of checks, retention, webhook delivery and migrations. */
    jobs: poolTimeoutsSchema(JOBS_POOL_TIMEOUTS),
  })
  .prefault({});
