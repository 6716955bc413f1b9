/**
 * The raw-sample fraction of each model version (`raw_sampling`,
 * sql/006_raw_sample.sql): one row per change, the latest `since` is current.
 * Rates come from the minute summaries, which count every accepted record of
 * every replica — sampled out or not — so the rate does not fall when rows
 * are dropped.
 */
import { translateDatabaseError, withTransaction, type Pool } from './pool.js';

// Names "driftwatch raw-sample recompute" among advisory locks: one replica
// recomputes at a time, the others skip that round.
const RECOMPUTE_LOCK_KEY = 7_301_905_118;

export interface VersionRef {
  model: string;
  version: string;
}

export interface VersionRate extends VersionRef {
  /** Accepted records per second over the measured window. */
  ratePerSecond: number;
}

export interface FractionChange extends VersionRef {
  fraction: number;
  ratePerSecond: number;
}

const CURRENT_SQL = `
  SELECT DISTINCT ON (model, model_version) model, model_version, fraction
    FROM raw_sampling
   ORDER BY model, model_version, since DESC`;

const RATES_SQL = `
  SELECT v.model, v.model_version,
         coalesce(sum((s.summary->>'rows')::bigint), 0)::float8 AS rows
    FROM unnest($1::text[], $2::text[]) AS v (model, model_version)
    LEFT JOIN minute_summaries s
      ON s.model = v.model AND s.model_version = v.model_version
     AND s.minute >= $3 AND s.minute < $4
   GROUP BY v.model, v.model_version`;

const INSERT_SQL = `
  INSERT INTO raw_sampling (model, model_version, since, fraction, rate_per_second)
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::float8[])
  ON CONFLICT (model, model_version, since) DO UPDATE
     SET fraction = excluded.fraction, rate_per_second = excluded.rate_per_second,
         updated_at = now()`;

const FRACTIONS_IN_WINDOW_SQL = `
  SELECT min(fraction) AS min, max(fraction) AS max FROM raw_sampling
   WHERE model = $1 AND model_version = $2 AND since < $4
     AND since >= coalesce(
       (SELECT max(since) FROM raw_sampling
         WHERE model = $1 AND model_version = $2 AND since <= $3), '-infinity')`;

export function versionKey(model: string, version: string): string {
  return `${model}\u0000${version}`;
}

export class RawSamplingStore {
  constructor(private readonly pool: Pool) {}

  /** The current fraction of every version that has one (absent: 1, every row kept). */
  async current(): Promise<Map<string, number>> {
    try {
      const { rows } = await this.pool.query<{
        model: string;
        model_version: string;
        fraction: number;
      }>(CURRENT_SQL);
      return new Map(rows.map((row) => [versionKey(row.model, row.model_version), row.fraction]));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /**
   * Recomputes fractions in one transaction under a try-lock (another
   * replica already at it: returns null and this round is skipped). `decide`
   * maps each version's rate over [fromMs, toMs) to its fraction; a row is
   * added only where the fraction changes, stamped `sinceMs`, so replicas
   * recomputing from the same summaries add nothing twice.
   */
  async recompute(
    versions: readonly VersionRef[],
    fromMs: number,
    toMs: number,
    sinceMs: number,
    decide: (rate: VersionRate) => number,
  ): Promise<FractionChange[] | null> {
    if (versions.length === 0) return [];
    return withTransaction(this.pool, async (client) => {
      const { rows: locked } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_xact_lock($1) AS ok',
        [RECOMPUTE_LOCK_KEY],
      );
      if (!locked[0]?.ok) return null;
      const seconds = (toMs - fromMs) / 1000;
      const { rows } = await client.query<{ model: string; model_version: string; rows: number }>(
        RATES_SQL,
        [
          versions.map((v) => v.model),
          versions.map((v) => v.version),
          new Date(fromMs),
          new Date(toMs),
        ],
      );
      const { rows: currentRows } = await client.query<{
        model: string;
        model_version: string;
        fraction: number;
      }>(CURRENT_SQL);
      const current = new Map(
        currentRows.map((row) => [versionKey(row.model, row.model_version), row.fraction]),
      );
      const changes: FractionChange[] = [];
      for (const row of rows) {
        const rate = {
          model: row.model,
          version: row.model_version,
          ratePerSecond: row.rows / seconds,
        };
        const fraction = decide(rate);
        if ((current.get(versionKey(row.model, row.model_version)) ?? 1) !== fraction) {
          changes.push({ ...rate, fraction });
        }
      }
      if (changes.length > 0) await this.insert(client, changes, sinceMs);
      return changes;
    });
  }

  /** Sets fractions directly (tests, and an operator's manual override). */
  async set(changes: readonly FractionChange[], sinceMs: number): Promise<void> {
    await withTransaction(this.pool, (client) => this.insert(client, changes, sinceMs));
  }

  /**
   * The smallest and largest fraction in force for a version during
   * [fromMs, toMs): what a check's window of raw rows was sampled at
   * (null: never sampled, every row kept).
   */
  async fractionsDuring(
    model: string,
    version: string,
    fromMs: number,
    toMs: number,
  ): Promise<{ min: number; max: number } | null> {
    try {
      const { rows } = await this.pool.query<{ min: number | null; max: number | null }>(
        FRACTIONS_IN_WINDOW_SQL,
        [model, version, new Date(fromMs), new Date(toMs)],
      );
      const row = rows[0];
      if (!row || row.min === null || row.max === null) return null;
      return { min: row.min, max: row.max };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  private async insert(
    client: { query: Pool['query'] },
    changes: readonly FractionChange[],
    sinceMs: number,
  ): Promise<void> {
    const since = new Date(sinceMs).toISOString();
    await client.query(INSERT_SQL, [
      changes.map((c) => c.model),
      changes.map((c) => c.version),
      changes.map(() => since),
      changes.map((c) => c.fraction),
      changes.map((c) => c.ratePerSecond),
    ]);
  }
}
