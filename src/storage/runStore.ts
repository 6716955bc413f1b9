/** Check runs and their per-feature results. A run and its results are written in one transaction. */
import type { CheckKind, CheckRun, NewRun, RunResult } from '../core/run.js';
import { translateDatabaseError, withTransaction, type Pool, type PoolClient } from './pool.js';

interface RunRow {
  id: number;
  model: string;
  model_version: string;
  kind: CheckKind;
  trigger: NewRun['trigger'];
  window_start: Date;
  window_end: Date;
  status: NewRun['status'];
  path: string | null;
  rows: number | null;
  started_at: Date;
  finished_at: Date;
  summary: Record<string, unknown>;
  error: string | null;
}

const RUN_COLUMNS =
  'id, model, model_version, kind, trigger, window_start, window_end, status, path, rows, started_at, finished_at, summary, error';

/** The columns of `check_results` as the fields of a RunResult, in its order. */
const RESULT_COLUMNS = `feature, test, status, statistic, p_value AS "pValue",
  adjusted_p_value AS "adjustedPValue", effect_size AS "effectSize", drifted,
  n_reference AS "nReference", n_current AS "nCurrent", missing_current AS "missingCurrent",
  segment`;

function toRun(row: RunRow, results: RunResult[]): CheckRun {
  return {
    id: Number(row.id),
    model: row.model,
    version: row.model_version,
    kind: row.kind,
    trigger: row.trigger,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    status: row.status,
    path: row.path,
    rows: row.rows,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    summary: row.summary,
    error: row.error,
    results,
  };
}

/** JSON cannot carry NaN or Infinity; a statistic that is not finite is stored as NULL. */
function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

export interface ListRunsQuery {
  model: string;
  /** Only runs of this version. */
  version?: string | undefined;
  kind?: CheckKind | undefined;
  limit: number;
  /** Only runs with an id below this (pagination cursor). */
  beforeId?: number | undefined;
}

export class RunStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Writes the run and its results. `within` runs in the same transaction
   * afterwards (the webhook outbox of a later release uses it).
   */
  async insert(
    run: NewRun,
    within?: (client: PoolClient, run: CheckRun) => Promise<void>,
  ): Promise<CheckRun> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<RunRow>(
        `INSERT INTO check_runs (model, model_version, kind, trigger, window_start, window_end, status, path, rows,
                                 started_at, finished_at, summary, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${RUN_COLUMNS}`,
        [
          run.model,
          run.version,
          run.kind,
          run.trigger,
          run.windowStart,
          run.windowEnd,
          run.status,
          run.path,
          run.rows,
          run.startedAt,
          run.finishedAt,
          JSON.stringify(run.summary),
          run.error,
        ],
      );
      const stored = rows[0]!;
      if (run.results.length > 0) {
        const r = run.results;
        await client.query(
          `INSERT INTO check_results (run_id, position, feature, test, status, statistic, p_value, adjusted_p_value,
                                      effect_size, drifted, n_reference, n_current, missing_current, segment)
           SELECT $1, t.* FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[],
                                      $8::float8[], $9::float8[], $10::bool[], $11::int[], $12::int[], $13::int[],
                                      $14::text[]) AS t`,
          [
            stored.id,
            r.map((_, i) => i),
            r.map((x) => x.feature),
            r.map((x) => x.test),
            r.map((x) => x.status),
            r.map((x) => finiteOrNull(x.statistic)),
            r.map((x) => finiteOrNull(x.pValue)),
            r.map((x) => finiteOrNull(x.adjustedPValue)),
            r.map((x) => finiteOrNull(x.effectSize)),
            r.map((x) => x.drifted),
            r.map((x) => x.nReference),
            r.map((x) => x.nCurrent),
            r.map((x) => x.missingCurrent),
            r.map((x) => x.segment ?? null),
          ],
        );
      }
      const created = toRun(stored, run.results);
      if (within) await within(client, created);
      return created;
    });
  }

  async get(id: number): Promise<CheckRun | null> {
    try {
      const { rows } = await this.pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM check_runs WHERE id = $1`,
        [id],
      );
      if (!rows[0]) return null;
      const results = await this.pool.query<RunResult>(
        `SELECT ${RESULT_COLUMNS} FROM check_results WHERE run_id = $1 ORDER BY position`,
        [id],
      );
      return toRun(rows[0], results.rows);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Newest first, without results. */
  async list(query: ListRunsQuery): Promise<CheckRun[]> {
    const params: unknown[] = [query.model];
    let where = 'model = $1';
    if (query.version !== undefined) {
      params.push(query.version);
      where += ` AND model_version = $${params.length}`;
    }
    if (query.kind) {
      params.push(query.kind);
      where += ` AND kind = $${params.length}`;
    }
    if (query.beforeId !== undefined) {
      params.push(query.beforeId);
      where += ` AND id < $${params.length}`;
    }
    params.push(query.limit);
    try {
      const { rows } = await this.pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM check_runs WHERE ${where} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map((row) => toRun(row, []));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** The latest run of every (model, version, kind), with results: what the gauges show after a restart. */
  async latestRuns(): Promise<CheckRun[]> {
    try {
      const { rows } = await this.pool.query<RunRow>(
        `SELECT DISTINCT ON (model, model_version, kind) ${RUN_COLUMNS}
           FROM check_runs ORDER BY model, model_version, kind, id DESC`,
      );
      if (rows.length === 0) return [];
      const results = await this.pool.query<RunResult & { run_id: number }>(
        `SELECT run_id, ${RESULT_COLUMNS} FROM check_results
          WHERE run_id = ANY($1::bigint[]) ORDER BY run_id, position`,
        [rows.map((row) => row.id)],
      );
      const byRun = new Map<number, RunResult[]>();
      for (const { run_id: runId, ...result } of results.rows) {
        const list = byRun.get(Number(runId)) ?? [];
        list.push(result);
        byRun.set(Number(runId), list);
      }
      return rows.map((row) => toRun(row, byRun.get(Number(row.id)) ?? []));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** When each (model, version, kind) last finished a run that was not an error. */
  async lastSuccesses(): Promise<
    { model: string; version: string; kind: CheckKind; finishedAt: Date }[]
  > {
    const { rows } = await this.pool.query<{
      model: string;
      model_version: string;
      kind: CheckKind;
      finished_at: Date;
    }>(
      `SELECT model, model_version, kind, max(finished_at) AS finished_at
         FROM check_runs WHERE status <> 'error' GROUP BY model, model_version, kind`,
    );
    return rows.map((row) => ({
      model: row.model,
      version: row.model_version,
      kind: row.kind,
      finishedAt: row.finished_at,
    }));
  }
}
