/**
 * Whether a failure to store tailed lines is an outage or the lines' fault:
 * the file tailer retries an outage whole and only bisects the other kind
 * (failureIsolation.ts).
 */
import { AppError } from '../core/errors.js';
import { isConnectionError } from '../storage/pool.js';

/**
 * PostgreSQL error classes that say nothing about the rows: 40 transaction
 * rollback (serialisation, deadlock), 53 insufficient resources (disk full,
 * out of memory), 57 operator intervention (shutdown, cancel), 58 system
 * error (I/O). Appendix A of the PostgreSQL manual.
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['40', '53', '57', '58']);
/** lock_not_available, read_only_sql_transaction (a standby after a failover). */
const TRANSIENT_SQLSTATES = new Set(['55P03', '25006']);

/**
 * True when a failure to store lines is no line's fault: the database is
 * unreachable or unwell, or a schema changed mid-batch. Such a batch is
 * retried whole, never bisected, and no line is skipped.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof AppError) {
    return error.code === 'database_unavailable' || error.code === 'schema_changed';
  }
  if (isConnectionError(error)) return true;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2)) || TRANSIENT_SQLSTATES.has(code);
}
