/**
 * Writes validated prediction rows. One request is one transaction:
 *
 * 1. one query looks up which (model, request_id) pairs of the batch
 *    `prediction_keys` already holds — those, and any repeat of a pair within
 *    the batch (the first occurrence wins), are duplicates;
 * 2. the keys of the fresh rows are COPYed into `prediction_keys`, then the
 *    rows themselves into `predictions`, both in binary COPY format;
 * 3. labels carried by fresh rows are inserted (`ON CONFLICT DO NOTHING`);
 * 4. `afterInsert` runs with the fresh rows (the ingest service writes their
 *    minute summaries there), so whatever it writes commits or rolls back
 *    with the rows and, like them, never counts a retried record twice.
 *
 * With a raw sample (docs/scaling.md, "Raw sample") only the rows `keep`
 * accepts go through steps 1–3; the others skip the key table and the raw
 * table and are only summarised (step 4). A batch idempotency key, when
 * given, is claimed first (ingestBatchStore.ts): a batch already stored under
 * it stores nothing and answers a replay.
 *
 * The primary key of `prediction_keys` is what keeps a request id unique per
 * model: a concurrent transaction that stored one of the keys between the
 * lookup and the COPY makes the key COPY fail with unique_violation (after
 * waiting for that transaction to commit). The whole write is then rolled
 * back and run once more, when the lookup sees those keys as duplicates. If
 * anything fails, nothing of the batch is kept.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { BinaryTupleWriter, COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from './binaryCopyWriter.js';
import { dayOf, type PartitionManager } from './partitions.js';
import { withTransaction, type Pool, type PoolClient } from './pool.js';
import { PREDICTION_COLUMNS } from './predictionRow.js';
import {
  claimBatchKey,
  completeBatchKey,
  type BatchKey,
  type StoredBatch,
} from './ingestBatchStore.js';

export interface RowToWrite {
  model: string;
  version: string;
  requestId: string;
  epochMs: number;
  status: string;
  label: number | null;
  /** A binary COPY tuple of PREDICTION_COLUMNS, from `encodePredictionRow`. */
  tuple: Buffer;
}

export interface InsertedCount {
  model: string;
  modelVersion: string;
  status: string;
  count: number;
}

export interface WriteResult<R extends RowToWrite = RowToWrite> {
  /** Records counted for the first time: kept as raw rows or sampled out. */
  inserted: number;
  duplicates: number;
  /** Of `inserted`, the records not kept as raw rows (outside the raw sample). */
  sampledOut: number;
  /** Newly counted records by model, version and status (for metrics). */
  byStatus: InsertedCount[];
  /** The records counted (not duplicates), kept or sampled out, in batch order. */
  fresh: readonly R[];
  /** The sampled-out records among `fresh` (for metrics). */
  sampledOutRows: readonly R[];
  /** Set when the batch key was already stored: nothing was written. */
  replayOf?: StoredBatch;
}

/** Raw sampling and the batch key of one write (none: every row kept, no key). */
export interface WriteOptions<R extends RowToWrite> {
  /** Whether a record is kept as a raw row (with its per-record key). */
  keep?: (row: R) => boolean;
  batch?: BatchKey;
}

const COPY_PREDICTIONS = `COPY predictions (${PREDICTION_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
const COPY_KEYS = 'COPY prediction_keys (model, request_id, ts) FROM STDIN (FORMAT binary)';

// One primary-key probe per row of the batch. A plain join lets the planner
// hash the whole key table while it is small (measured: 15 µs/row at 50,000
// keys, 33 µs/row at 100,000, growing with the table); LIMIT in a LATERAL
// subquery keeps the plan a nested loop over the index (3 µs/row).
const EXISTING_KEYS_SQL = `
  SELECT b.model, b.request_id
    FROM unnest($1::text[], $2::text[]) AS b (model, request_id)
   CROSS JOIN LATERAL (
     SELECT 1 FROM prediction_keys k
      WHERE k.model = b.model AND k.request_id = b.request_id
      LIMIT 1) AS stored`;

const INSERT_LABELS_SQL = `
  INSERT INTO labels (model, request_id, label, ts)
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::timestamptz[])
  ON CONFLICT (model, request_id) DO NOTHING`;

const UNIQUE_VIOLATION = '23505';

function keyOf(model: string, requestId: string): string {
  return `${model}\u0000${requestId}`;
}

/** The first row of each (model, request_id) pair, in batch order. */
function firstOccurrences<T extends RowToWrite>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  const firsts: T[] = [];
  for (const row of rows) {
    const key = keyOf(row.model, row.requestId);
    if (seen.has(key)) continue;
    seen.add(key);
    firsts.push(row);
  }
  return firsts;
}

// Scratch buffers for COPY data, reused across batches: allocating a fresh
// buffer of a batch's size every time costs more than filling it, as the
// memory is new to the process (measured: 2.4 µs/row to concatenate the rows
// into new buffers, against 0.4 µs/row into reused memory).
const idleWriters: BinaryTupleWriter[] = [];
const MAX_IDLE_WRITERS = 16;
const MAX_KEPT_WRITER_BYTES = 8 * 1024 * 1024;

/**
 * COPYs the data `encode` writes between the binary header and trailer, sent
 * as one CopyData message. The scratch buffer goes back to the pool only after
 * the COPY completed, when PostgreSQL has consumed every byte of it.
 */
async function copyIn(
  client: PoolClient,
  sql: string,
  encode: (writer: BinaryTupleWriter) => void,
): Promise<void> {
  const writer = idleWriters.pop() ?? new BinaryTupleWriter(65_536);
  writer.raw(COPY_BINARY_HEADER);
  encode(writer);
  const data = writer.raw(COPY_BINARY_TRAILER).takeView();
  // On failure the writer is dropped, not reused: the socket might still hold the bytes.
  await pipeline(Readable.from([data]), client.query(copyFrom(sql)));
  if (idleWriters.length < MAX_IDLE_WRITERS && writer.capacity <= MAX_KEPT_WRITER_BYTES) {
    idleWriters.push(writer);
  }
}

function encodeKeys(writer: BinaryTupleWriter, rows: readonly RowToWrite[]): void {
  for (const row of rows) {
    writer.begin(3).text(row.model).text(row.requestId).timestamptz(row.epochMs);
  }
}

function encodeRows(writer: BinaryTupleWriter, rows: readonly RowToWrite[]): void {
  for (const row of rows) writer.raw(row.tuple);
}

/**
 * Keys in one fixed order, so that two transactions inserting overlapping
 * keys wait for each other in the same order and never deadlock.
 */
function byKey(a: RowToWrite, b: RowToWrite): number {
  if (a.model !== b.model) return a.model < b.model ? -1 : 1;
  if (a.requestId === b.requestId) return 0;
  return a.requestId < b.requestId ? -1 : 1;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}

function countByStatus(rows: readonly RowToWrite[]): InsertedCount[] {
  const counts = new Map<string, InsertedCount>();
  for (const row of rows) {
    const key = `${row.model}\u0000${row.version}\u0000${row.status}`;
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else
      counts.set(key, {
        model: row.model,
        modelVersion: row.version,
        status: row.status,
        count: 1,
      });
  }
  return [...counts.values()];
}

/** float8 text that keeps the sign of -0 (String(-0) is "0"). */
function float8Text(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * The batch's first occurrences that count: the kept ones not stored before,
 * and every sampled-out one, in batch order (the minute summaries' sketch
 * seeds follow the batch's order).
 */
function inBatchOrder<R extends RowToWrite>(
  firsts: readonly R[],
  freshKept: readonly R[],
  sampledOut: readonly R[],
): R[] {
  const counted = new Set<R>(freshKept);
  for (const row of sampledOut) counted.add(row);
  return firsts.filter((row) => counted.has(row));
}

export class PredictionStore {
  constructor(
    private readonly pool: Pool,
    private readonly partitions: PartitionManager,
  ) {}

  /**
   * Stores the rows. `beforeCopy` runs inside the transaction first: the
   * ingest service uses it to confirm that the schemas it validated against
   * are still current. `afterInsert` runs last in the same transaction with
   * the rows actually stored (none: not called); it may run twice when the
   * transaction is retried after a key race, each time with that attempt's
   * fresh rows.
   */
  async write<R extends RowToWrite>(
    rows: readonly R[],
    beforeCopy?: (client: PoolClient) => Promise<void>,
    afterInsert?: (client: PoolClient, fresh: readonly R[]) => Promise<void>,
    options: WriteOptions<R> = {},
  ): Promise<WriteResult<R>> {
    const empty = { inserted: 0, duplicates: 0, sampledOut: 0, byStatus: [], fresh: [] };
    if (rows.length === 0) return { ...empty, sampledOutRows: [] };
    const firsts = firstOccurrences(rows);
    const { keep, batch } = options;
    const sampledOut = keep ? firsts.filter((row) => !keep(row)) : [];
    const kept = sampledOut.length === 0 ? firsts : firsts.filter((row) => keep!(row));
    if (kept.length > 0) await this.partitions.ensureDays(kept.map((row) => dayOf(row.epochMs)));
    const attempt = (): Promise<{ fresh: R[]; replayOf?: StoredBatch }> =>
      withTransaction(this.pool, async (client) => {
        const replayOf = batch ? await claimBatchKey(client, batch) : null;
        if (beforeCopy) await beforeCopy(client);
        if (replayOf) return { fresh: [], replayOf };
        const freshKept = kept.length > 0 ? await this.withoutStoredKeys(client, kept) : [];
        if (freshKept.length > 0) await this.insert(client, freshKept);
        const fresh =
          sampledOut.length === 0 ? freshKept : inBatchOrder(firsts, freshKept, sampledOut);
        if (fresh.length > 0 && afterInsert) await afterInsert(client, fresh);
        if (batch) {
          await completeBatchKey(client, batch.key, {
            accepted: fresh.length,
            duplicates: rows.length - fresh.length,
            sampledOut: sampledOut.length,
          });
        }
        return { fresh };
      });
    let outcome: { fresh: R[]; replayOf?: StoredBatch };
    try {
      outcome = await attempt();
    } catch (error) {
      // Another request stored one of these ids after our lookup: the retry's
      // lookup sees it. A second failure is not a race to absorb.
      if (!isUniqueViolation(error)) throw error;
      outcome = await attempt();
    }
    if (outcome.replayOf) {
      return { ...empty, duplicates: rows.length, sampledOutRows: [], replayOf: outcome.replayOf };
    }
    const { fresh } = outcome;
    return {
      inserted: fresh.length,
      duplicates: rows.length - fresh.length,
      sampledOut: sampledOut.length,
      byStatus: countByStatus(fresh),
      fresh,
      sampledOutRows: sampledOut,
    };
  }

  /** The rows whose (model, request_id) `prediction_keys` does not hold yet. */
  private async withoutStoredKeys<R extends RowToWrite>(
    client: PoolClient,
    rows: readonly R[],
  ): Promise<R[]> {
    const { rows: stored } = await client.query<{ model: string; request_id: string }>(
      EXISTING_KEYS_SQL,
      [rows.map((row) => row.model), rows.map((row) => row.requestId)],
    );
    if (stored.length === 0) return [...rows];
    const known = new Set(stored.map((key) => keyOf(key.model, key.request_id)));
    return rows.filter((row) => !known.has(keyOf(row.model, row.requestId)));
  }

  private async insert(client: PoolClient, rows: readonly RowToWrite[]): Promise<void> {
    // Keys first: a race with another request fails here, before any row is sent.
    const sorted = [...rows].sort(byKey);
    await copyIn(client, COPY_KEYS, (writer) => encodeKeys(writer, sorted));
    await copyIn(client, COPY_PREDICTIONS, (writer) => encodeRows(writer, rows));
    const labelled = rows.filter((row) => row.label !== null);
    if (labelled.length > 0) {
      await client.query(INSERT_LABELS_SQL, [
        labelled.map((row) => row.model),
        labelled.map((row) => row.requestId),
        labelled.map((row) => float8Text(row.label!)),
        labelled.map((row) => new Date(row.epochMs).toISOString()),
      ]);
    }
  }

  async countRows(model: string, version?: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>(
      version === undefined
        ? 'SELECT count(*)::int AS count FROM predictions WHERE model = $1'
        : 'SELECT count(*)::int AS count FROM predictions WHERE model = $1 AND model_version = $2',
      version === undefined ? [model] : [model, version],
    );
    return rows[0]?.count ?? 0;
  }
}
