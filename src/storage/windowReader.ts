/**
 * Reads the predictions of one model version in a time window, with only the
 * columns a check needs, through binary COPY, and hands every value to a sink
 * as it streams in — so a window is never held as text or as row objects.
 */
import type { Duplex } from 'node:stream';
import type { Connection, Submittable } from 'pg';
import { MISSING_SEGMENT } from '../core/segments.js';
import { BinaryCopyDecoder, CopyChunk, forEachFloat8, forEachText } from './binaryCopy.js';
import { isBrokenConnection, translateDatabaseError, type Pool } from './pool.js';

/**
 * A value that slices the window into segments (core/segments.ts): a
 * categorical feature by its slot among the version's categorical features,
 * or a record tag by its key. Read as text, null when the row has none.
 */
export type SegmentColumn = { kind: 'categorical'; slot: number } | { kind: 'tag'; key: string };

export interface WindowQuery {
  model: string;
  version: string;
  startMs: number;
  endMs: number;
  /** Which columns to read. */
  numeric: boolean;
  categorical: boolean;
  score: boolean;
  /** Read request ids too (parity and shadow checks name rows by them). */
  requestId?: boolean | undefined;
  /**
   * Read only about this share of the rows, chosen by a hash of the request
   * id: the same rows for the same window, spread evenly, without sorting.
   */
  sampleFraction?: number | undefined;
  /** Segment values to read too, handed to `sink.segment` before the row's other fields. */
  segments?: readonly SegmentColumn[] | undefined;
}

export interface WindowRowSink {
  /** `slot` is the position among the version's numeric features. */
  numeric(slot: number, value: number | null): void;
  /** `slot` is the position among the version's categorical features. */
  categorical(slot: number, value: string | null): void;
  score(value: number | null): void;
  /** Called before the row's other fields when the query reads request ids. */
  requestId?(value: string): void;
  /** The row's value of `query.segments[index]`; called before the other fields. */
  segment?(index: number, value: string | null): void;
  endRow(): void;
}

type FieldHandler = (chunk: CopyChunk, offset: number, length: number) => void;

const WHERE = 'model = $1 AND model_version = $2 AND ts >= $3 AND ts < $4';

/**
 * A segment column as an SQL expression on `predictions` (aliased `table`
 * when given); a tag key is quoted by `quote` (a bind parameter, or a
 * literal where COPY takes none).
 */
export function segmentExpression(
  column: SegmentColumn,
  quote: (text: string) => string,
  table?: string,
): string {
  const prefix = table === undefined ? '' : `${table}.`;
  if (column.kind === 'categorical') {
    if (!Number.isSafeInteger(column.slot) || column.slot < 0) {
      throw new RangeError(`segment slot ${column.slot} is not a position`);
    }
    return `${prefix}cat_values[${column.slot + 1}]`;
  }
  return `${prefix}tags ->> ${quote(column.key)}`;
}

/**
 * The `limit` most frequent values of a segment column in the window (null:
 * rows without a value), most frequent first, ties by value, and the
 * window's row count: what the segments of a drift run are chosen from.
 */
export async function segmentValueCounts(
  pool: Pool,
  query: Pick<WindowQuery, 'model' | 'version' | 'startMs' | 'endMs'>,
  column: SegmentColumn,
  limit: number,
): Promise<{ values: { value: string | null; rows: number }[]; rows: number }> {
  const params: unknown[] = [
    query.model,
    query.version,
    new Date(query.startMs),
    new Date(query.endMs),
  ];
  const expression = segmentExpression(column, (text) => {
    params.push(text);
    return `$${params.length}::text`;
  });
  try {
    // Ties rank as core/segments.ts rankSegments ranks them (performance
    // segments are ranked there): the missing value as `__missing__`, byte order.
    const { rows } = await pool.query<{ value: string | null; n: number; total: number }>(
      `SELECT value, n, sum(n) OVER ()::int AS total
         FROM (SELECT ${expression} AS value, count(*)::int AS n
                 FROM predictions WHERE ${WHERE} GROUP BY 1) counted
        ORDER BY n DESC, coalesce(value, '${MISSING_SEGMENT}') COLLATE "C" ASC
        LIMIT ${Math.max(1, Math.trunc(limit))}`,
      params,
    );
    // The total is computed over every group before the limit applies.
    return {
      values: rows.map((row) => ({ value: row.value, rows: row.n })),
      rows: rows[0]?.total ?? 0,
    };
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

export async function countWindow(pool: Pool, query: WindowQuery): Promise<number> {
  try {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM predictions WHERE ${WHERE}`,
      [query.model, query.version, new Date(query.startMs), new Date(query.endMs)],
    );
    return rows[0]?.n ?? 0;
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/** The versions, among `versions`, that have at least one prediction in the window (an index probe each). */
export async function versionsWithTraffic(
  pool: Pool,
  model: string,
  versions: readonly string[],
  startMs: number,
  endMs: number,
): Promise<string[]> {
  try {
    const { rows } = await pool.query<{ version: string }>(
      `SELECT v AS version FROM unnest($2::text[]) AS v
        WHERE EXISTS (SELECT 1 FROM predictions
                       WHERE model = $1 AND model_version = v AND ts >= $3 AND ts < $4)`,
      [model, versions, new Date(startMs), new Date(endMs)],
    );
    return rows.map((row) => row.version);
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

// Backend message types of the copy-out flow (PostgreSQL docs, "Message Formats").
const COPY_DATA = 0x64; // 'd'
const ERROR_RESPONSE = 0x45; // 'E'
/** Messages that may come before or between CopyData without ending the copy. */
const COPY_CONTINUES = new Set([
  0x48, // 'H' CopyOutResponse
  COPY_DATA,
  0x53, // 'S' ParameterStatus
  0x4e, // 'N' NoticeResponse
  0x41, // 'A' NotificationResponse
]);

/**
 * `COPY … TO STDOUT (FORMAT binary)` as a pg submittable that decodes the
 * rows in place, straight out of the socket's reads. While the copy runs it
 * takes the connection's byte stream from pg — as pg-copy-streams does — and
 * hands each CopyData payload to the decoder as a range of the read; at
 * CopyDone (or an ErrorResponse) it gives the stream and the unread bytes
 * back, and pg reads CommandComplete and ReadyForQuery (or the error) itself.
 *
 * Why not pg-copy-streams: it slices every row's message out of the read and
 * concatenates the slices into a new chunk, two allocations and a copy per
 * row; for a million-row window that was about 40 % of the read's CPU
 * (bench/check.ts, "readWindow → no-op sink").
 *
 * A sink that throws does not leave the connection mid-copy: the rest of the
 * copy is read and dropped, and `done` rejects with the sink's error once
 * the connection is ready for the next query.
 */
class BinaryCopyOut implements Submittable {
  readonly done: Promise<void>;
  private resolveDone: () => void = () => undefined;
  private rejectDone: (error: unknown) => void = () => undefined;
  private stream: Duplex | null = null;
  private pgDataHandler: ((data: Buffer) => void) | null = null;
  /** The current message's 5-byte header (type, int32 length) as it arrives. */
  private readonly header = Buffer.alloc(5);
  private headerBytes = 0;
  private inPayload = false;
  private messageType = 0;
  private payloadLeft = 0;
  private failure: unknown = null;
  private readonly onReadable = (): void => this.forward();
  /**
   * Set by pg when the pool has a `query_timeout`: its wrapper clears the
   * timer. pg calls it only for its own queries, so the copy calls it when it
   * ends; otherwise the timer would fire long after a finished copy.
   */
  callback: ((error?: unknown) => void) | undefined = undefined;

  constructor(
    private readonly text: string,
    private readonly decoder: BinaryCopyDecoder,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
  }

  submit(connection: Connection): void {
    const stream = connection.stream;
    const listeners = stream.listeners('data');
    if (listeners.length !== 1) {
      throw new Error(`expected one data listener on the connection, found ${listeners.length}`);
    }
    this.pgDataHandler = listeners[0] as (data: Buffer) => void;
    stream.removeListener('data', this.pgDataHandler);
    stream.pause();
    this.stream = stream;
    stream.on('readable', this.onReadable);
    connection.query(this.text);
    this.forward();
  }

  private forward(): void {
    while (this.stream !== null) {
      const data = this.stream.read() as Buffer | null;
      if (data === null) return;
      this.parse(data);
    }
  }

  private parse(data: Buffer): void {
    const end = data.length;
    let chunk: CopyChunk | null = null;
    let at = 0;
    while (at < end) {
      if (!this.inPayload) {
        if (this.headerBytes === 0 && data[at] === ERROR_RESPONSE) {
          this.detach(data.subarray(at));
          return;
        }
        while (this.headerBytes < 5 && at < end) this.header[this.headerBytes++] = data[at++]!;
        if (this.headerBytes < 5) return;
        this.headerBytes = 0;
        this.messageType = this.header[0]!;
        this.payloadLeft = this.header.readUInt32BE(1) - 4;
        this.inPayload = true;
      }
      const length = Math.min(this.payloadLeft, end - at);
      if (length > 0 && this.messageType === COPY_DATA && this.failure === null) {
        chunk ??= new CopyChunk(data);
        try {
          this.decoder.pushRange(chunk, at, at + length);
        } catch (error) {
          this.failure = error;
        }
      }
      at += length;
      this.payloadLeft -= length;
      if (this.payloadLeft > 0) return;
      this.inPayload = false;
      // CopyDone (or anything unexpected): the rest is pg's to read.
      if (!COPY_CONTINUES.has(this.messageType)) {
        this.detach(data.subarray(at));
        return;
      }
    }
  }

  /** Gives the connection's stream back to pg, with the bytes not read yet. */
  private detach(unread: Buffer | null): void {
    const stream = this.stream;
    if (stream === null || this.pgDataHandler === null) return;
    this.stream = null;
    stream.removeListener('readable', this.onReadable);
    stream.on('data', this.pgDataHandler);
    if (unread !== null) this.pgDataHandler(unread);
    // Resumed on the next tick, as pg-copy-streams does: the handler may have paused it.
    process.nextTick(() => stream.resume());
  }

  handleError(error: unknown): void {
    this.callback?.(error);
    this.detach(null);
    this.rejectDone(error);
  }

  handleCommandComplete(): void {}

  /**
   * pg's own CopyData dispatch, should rows reach pg after a timeout handed
   * the stream back mid-copy (pg destroys the socket of a client released
   * with a query active, so they should not): dropped, never a TypeError.
   */
  handleCopyData(): void {}

  handleReadyForQuery(): void {
    this.callback?.();
    if (this.failure !== null) {
      this.rejectDone(this.failure);
      return;
    }
    try {
      this.decoder.end();
      this.resolveDone();
    } catch (error) {
      this.rejectDone(error);
    }
  }
}

const HASH_SPACE = 2 ** 32;

/**
 * `hashtext` spreads request ids uniformly over int32; keeping the ids whose
 * hash falls below a cut keeps a share of the rows with no sort and no
 * randomness, so the same window gives the same sample.
 */
export function sampleCondition(fraction: number | undefined): string {
  if (fraction === undefined || fraction >= 1) return '';
  if (!(fraction > 0)) return ' AND false';
  const cut = Math.floor(fraction * HASH_SPACE) - 2 ** 31;
  return ` AND hashtext(request_id) < ${cut}`;
}

/** Streams the window's rows into `sink`; returns the number of rows read. */
export async function readWindow(
  pool: Pool,
  query: WindowQuery,
  sink: WindowRowSink,
): Promise<number> {
  const columns: string[] = [];
  const segments = query.segments ?? [];
  for (let i = 0; i < segments.length; i += 1) columns.push(`segment:${i}`);
  if (query.requestId) columns.push('request_id');
  if (query.numeric) columns.push('num_values');
  if (query.categorical) columns.push('cat_values');
  if (query.score) columns.push('score');
  if (columns.length === 0) columns.push('1::float8');
  // One handler per selected column, made once per read (not per row); the
  // arrays are NOT NULL in the schema.
  const eachNumeric = (position: number, value: number | null): void =>
    sink.numeric(position, value);
  const eachCategorical = (position: number, value: string | null): void =>
    sink.categorical(position, value);
  const handlers: FieldHandler[] = columns.map((column, index): FieldHandler => {
    if (column.startsWith('segment:')) {
      return (chunk, offset, length) =>
        sink.segment?.(
          index,
          length < 0 ? null : chunk.bytes.toString('utf8', offset, offset + length),
        );
    }
    if (column === 'num_values') {
      return (chunk, offset, length) => {
        if (length >= 0) forEachFloat8(chunk, offset, eachNumeric);
      };
    }
    if (column === 'cat_values') {
      return (chunk, offset, length) => {
        if (length >= 0) forEachText(chunk, offset, eachCategorical);
      };
    }
    if (column === 'request_id') {
      return (chunk, offset, length) =>
        sink.requestId?.(chunk.bytes.toString('utf8', offset, offset + length));
    }
    if (column === 'score') {
      return (chunk, offset, length) =>
        sink.score(length < 0 ? null : chunk.view.getFloat64(offset));
    }
    return () => undefined;
  });
  let rows = 0;
  const decoder = new BinaryCopyDecoder({
    field(index, chunk, offset, length) {
      handlers[index]?.(chunk, offset, length);
    },
    endTuple() {
      rows += 1;
      sink.endRow();
    },
  });

  let client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translateDatabaseError(error);
  }
  let broken = false;
  try {
    // COPY takes no bind parameters, so the values are quoted by the driver.
    const selected = columns.map((column, index) =>
      column.startsWith('segment:')
        ? segmentExpression(segments[index]!, (text) => client.escapeLiteral(text))
        : column,
    );
    const sql =
      `COPY (SELECT ${selected.join(', ')} FROM predictions WHERE ` +
      `model = ${client.escapeLiteral(query.model)} AND model_version = ${client.escapeLiteral(query.version)} ` +
      `AND ts >= ${client.escapeLiteral(new Date(query.startMs).toISOString())}::timestamptz ` +
      `AND ts < ${client.escapeLiteral(new Date(query.endMs).toISOString())}::timestamptz` +
      sampleCondition(query.sampleFraction) +
      ') ' +
      'TO STDOUT (FORMAT binary)';
    const copy = new BinaryCopyOut(sql, decoder);
    client.query(copy);
    await copy.done;
    return rows;
  } catch (error) {
    broken = isBrokenConnection(error);
    throw translateDatabaseError(error);
  } finally {
    // A client whose connection broke, or whose copy went unanswered (the
    // rest of it may still arrive), must not go back to the pool.
    client.release(broken ? true : undefined);
  }
}
