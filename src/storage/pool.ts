/**
 * The PostgreSQL pool and the one place that decides whether a driver error
 * means "the database is unavailable" (→ 503 with Retry-After upstream).
 */
import pg from 'pg';
import { DatabaseUnavailableError } from '../core/errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  url: string;
  max: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  onError?: (error: Error) => void;
}

// Timestamps are stored as timestamptz and read back as Date (the pg default);
// bigint counts (OID 20) are parsed to numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName ?? 'driftwatch',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits on the pool; without a handler
  // Node would crash the process.
  pool.on('error', (error) => options.onError?.(error));
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

/** True when the error says the database cannot be reached, not that a query was wrong. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08')) return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** Rethrows connection failures as DatabaseUnavailableError; other errors unchanged. */
export function translateDatabaseError(error: unknown): unknown {
  if (isConnectionError(error)) {
    return new DatabaseUnavailableError('the database is unavailable', error);
  }
  return error;
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
    broken = isConnectionError(error);
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
    throw translateDatabaseError(error);
  } finally {
    // A client whose connection broke must not go back to the pool.
    client.release(broken ? true : undefined);
  }
}
