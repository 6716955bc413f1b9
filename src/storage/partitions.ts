/**
 * Daily partitions of `predictions`. Partitions are created ahead of need
 * (today and the next few days) and, for back-filled records, on demand for
 * the days a batch touches. Known days are cached so the hot path issues no
 * DDL once a day's partition exists.
 */
import { withTransaction, type Pool } from './pool.js';

const DAY_MS = 86_400_000;
// Serialises partition DDL across replicas (CREATE TABLE IF NOT EXISTS alone
// can still race on the catalog).
const PARTITION_LOCK_KEY = 7_301_905_118;

/** UTC day number (days since 1970-01-01) of an epoch-milliseconds instant. */
export function dayOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

export function partitionName(day: number): string {
  const date = new Date(day * DAY_MS);
  const y = date.getUTCFullYear();
  const m = String(date.getUTCMonth() + 1).padStart(2, '0');
  const d = String(date.getUTCDate()).padStart(2, '0');
  return `predictions_p${y}${m}${d}`;
}

export function partitionDay(name: string): number | null {
  const match = /^predictions_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!match) return null;
  return dayOf(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

export class PartitionManager {
  private readonly known = new Set<number>();

  constructor(private readonly pool: Pool) {}

  /** Loads the existing partitions into the cache. */
  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'predictions'`,
    );
    this.known.clear();
    for (const row of rows) {
      const day = partitionDay(row.name);
      if (day !== null) this.known.add(day);
    }
  }

  /** Creates partitions from yesterday to `aheadDays` after today. */
  async createAhead(nowMs: number, aheadDays: number): Promise<void> {
    const today = dayOf(nowMs);
    const days: number[] = [];
    for (let day = today - 1; day <= today + aheadDays; day += 1) days.push(day);
    await this.ensureDays(days);
  }

  /**
   * Makes sure a partition exists for each day. Runs in its own transaction,
   * never inside the caller's, so the cache only ever holds committed partitions.
   */
  async ensureDays(days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((day) => !this.known.has(day)).sort((a, b) => a - b);
    if (missing.length === 0) return;
    await withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
      for (const day of missing) {
        const from = new Date(day * DAY_MS).toISOString();
        const to = new Date((day + 1) * DAY_MS).toISOString();
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF predictions
             FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      }
    });
    for (const day of missing) this.known.add(day);
  }

  forget(days: Iterable<number>): void {
    for (const day of days) this.known.delete(day);
  }
}
