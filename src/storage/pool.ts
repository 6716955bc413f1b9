/**
 * The PostgreSQL pools and the one place that decides whether a driver error
 * means "the database is unavailable" (→ 503 with Retry-After upstream).
 *
 * Every pool has limits, so a database that hangs (frozen, partitioned away,
 * overloaded) fails a caller in bounded time instead of holding it: waiting
 * for a connection (`connectMs`), PostgreSQL's own `statement_timeout`
 * (`statementMs`), and a client-side limit on the answer (`queryMs`) for when
 * the server cannot even cancel — a frozen server runs no timer. `queryMs`
 * should exceed `statementMs`: a slow statement is then cancelled by the
 * server and its connection stays usable, and only a server that does not
 * answer at all costs the connection.
 */
import pg from 'pg';
import { AppError, DatabaseUnavailableError } from '../core/errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Limits of one pool, in milliseconds; 0 turns a limit off. */
export interface PoolTimeouts {
  /** Waiting for a connection: a free one from the pool, or a new one connecting. */
  connectMs: number;
  /** PostgreSQL `statement_timeout` of the pool's sessions: the server cancels slower statements. */
  statementMs: number;
  /**
   * Client-side: a query without an answer after this long fails, and the
   * connection it ran on is destroyed (a late answer must not reach the next query).
   */
  queryMs: number;
  /** PostgreSQL `idle_in_transaction_session_timeout`: a session idle inside a transaction is ended. */
  idleInTransactionMs: number;
}

/** What a pool gets when its creator names no limits: only the connect wait. */
export const DEFAULT_POOL_TIMEOUTS: PoolTimeouts = {
  connectMs: 5_000,
  statementMs: 0,
  queryMs: 0,
  idleInTransactionMs: 0,
};

export interface PoolOptions {
  url: string;
  max: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** Default: DEFAULT_POOL_TIMEOUTS. */
  timeouts?: PoolTimeouts;
  onError?: (error: Error) => void;
}

/**
 * TCP keepalive probes start after this much silence, so a connection to a
 * host that vanished (no FIN, no RST) is noticed by the kernel, not only by a
 * query's timeout.
 */
const KEEPALIVE_IDLE_MS = 10_000;

// Timestamps are stored as timestamptz and read back as Date (the pg default);
// bigint counts (OID 20) are parsed to numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function createPool(options: PoolOptions): Pool {
  const timeouts = options.timeouts ?? DEFAULT_POOL_TIMEOUTS;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName ?? 'driftwatch',
    connectionTimeoutMillis: timeouts.connectMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    // Sent in the startup packet: no extra round trip per connection.
    ...(timeouts.statementMs > 0 ? { statement_timeout: timeouts.statementMs } : {}),
    ...(timeouts.queryMs > 0 ? { query_timeout: timeouts.queryMs } : {}),
    ...(timeouts.idleInTransactionMs > 0
      ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionMs }
      : {}),
  });
  // An idle client losing its connection emits on the pool; without a handler
  // Node would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  // The pool listens to a client only while it is idle. A checked-out client
  // whose connection the server ends between two queries (a shutdown, a
  // terminated backend), or one being closed by pool.end() when that
  // happens, emits 'error' with no listener: an uncaught exception that takes
  // the process down. Every client gets a listener of its own; a checked-out
  // client's error is reported (its next query fails and releases it), an
  // idle one's is left to the pool's handler above.
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      if (checkedOut.has(client)) options.onError?.(error);
    });
  });
  return pool;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** query_canceled: statement_timeout (or pg_cancel_backend) stopped the statement. */
const QUERY_CANCELED = '57014';

/** pg's message when `query_timeout` passes without an answer. */
const QUERY_READ_TIMEOUT = /Query read timeout/;

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The error and the causes it chains (DatabaseUnavailableError wraps the driver's). */
function* causeChain(error: unknown): Generator<Error> {
  for (let at = error, depth = 0; at instanceof Error && depth < 5; depth += 1) {
    yield at;
    at = at.cause;
  }
}

/** One error (not its causes) says the link broke or went unanswered. */
function isBrokenLink(error: Error): boolean {
  const code = codeOf(error);
  if (code !== undefined && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) {
    return true;
  }
  return (
    QUERY_READ_TIMEOUT.test(error.message) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      error.message,
    )
  );
}

/**
 * True when the connection an error came from cannot be trusted again: the
 * link broke, or a query got no answer in time (its answer may still come,
 * and would be read as the next query's). Such a client is released with an
 * error, which destroys it. Looks through `cause`, so a driver error already
 * wrapped in DatabaseUnavailableError counts.
 */
export function isBrokenConnection(error: unknown): boolean {
  for (const at of causeChain(error)) if (isBrokenLink(at)) return true;
  return false;
}

/** True when PostgreSQL cancelled the statement (`statement_timeout`, an operator's cancel). */
export function isQueryCanceled(error: unknown): boolean {
  for (const at of causeChain(error)) if (codeOf(at) === QUERY_CANCELED) return true;
  return false;
}

/**
 * True when the error says the database cannot serve the request now — it
 * cannot be reached, did not answer in time, or cancelled the statement at
 * its timeout — rather than that the query was wrong. These become 503 with
 * Retry-After for API callers: on the request pool, a statement cut at its
 * limit means the database is too busy for the request, and a retry is the
 * caller's move.
 */
export function isConnectionError(error: unknown): boolean {
  return isBrokenConnection(error) || isQueryCanceled(error) || isTransientServerError(error);
}

/**
 * Conditions of the server, not of the request, that pass by themselves: out
 * of resources (class 53: disk full, out of memory, too many connections),
 * operator intervention (57), system errors (58), a deadlock or serialization
 * failure (40001, 40P01) and a lock not obtained in time (55P03). The request
 * should be retried later (503 + Retry-After), never split by a producer
 * looking for a poisoned record. The connection itself stays usable.
 */
function isTransientServerError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (code === undefined || code.length !== 5) return false;
  return (
    code.startsWith('53') ||
    code.startsWith('57') ||
    code.startsWith('58') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  );
}

/** isConnectionError, or an AppError that already says so. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return (
    (error instanceof AppError && error.code === 'database_unavailable') || isConnectionError(error)
  );
}

/**
 * Rethrows connection failures and timeouts as DatabaseUnavailableError;
 * other errors, and errors that are AppErrors already, unchanged.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof AppError || !isConnectionError(error)) return error;
  const message = isQueryCanceled(error)
    ? `the database cancelled the statement (${(error as Error).message})`
    : QUERY_READ_TIMEOUT.test((error as Error).message)
      ? 'the database did not answer in time'
      : 'the database is unavailable';
  return new DatabaseUnavailableError(message, error);
}

/** Runs `work` in a transaction on one client, rolling back on any error. */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translateDatabaseError(error);
  }
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = isBrokenConnection(error);
    if (!broken) {
      // A ROLLBACK that fails (or times out) leaves the session in an unknown state.
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
    }
    throw translateDatabaseError(error);
  } finally {
    // A client whose connection broke, or whose query went unanswered, must
    // not go back to the pool.
    client.release(broken ? true : undefined);
  }
}
