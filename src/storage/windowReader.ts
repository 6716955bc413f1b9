/**
 * Reads the predictions of one model version in a time window, with only the
 * columns a check needs, through binary COPY, and hands every value to a sink
 * as it streams in — so a window is never held as text or as row objects.
 */
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import { BinaryCopyDecoder, forEachFloat8, forEachText } from './binaryCopy.js';
import { translateDatabaseError, type Pool } from './pool.js';

export interface WindowQuery {
  model: string;
  version: string;
  startMs: number;
  endMs: number;
  /** Which columns to read. */
  numeric: boolean;
  categorical: boolean;
  score: boolean;
}

export interface WindowRowSink {
  /** `slot` is the position among the version's numeric features. */
  numeric(slot: number, value: number | null): void;
  /** `slot` is the position among the version's categorical features. */
  categorical(slot: number, value: string | null): void;
  score(value: number | null): void;
  endRow(): void;
}

const WHERE = 'model = $1 AND model_version = $2 AND ts >= $3 AND ts < $4';

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

/** Streams the window's rows into `sink`; returns the number of rows read. */
export async function readWindow(
  pool: Pool,
  query: WindowQuery,
  sink: WindowRowSink,
): Promise<number> {
  const columns: string[] = [];
  if (query.numeric) columns.push('num_values');
  if (query.categorical) columns.push('cat_values');
  if (query.score) columns.push('score');
  if (columns.length === 0) columns.push('1::float8');
  // One handler per selected column; the arrays are NOT NULL in the schema.
  const handlers: ((bytes: Buffer | null) => void)[] = columns.map((column) => {
    if (column === 'num_values') {
      return (bytes) => bytes && forEachFloat8(bytes, (i, v) => sink.numeric(i, v));
    }
    if (column === 'cat_values') {
      return (bytes) => bytes && forEachText(bytes, (i, v) => sink.categorical(i, v));
    }
    if (column === 'score')
      return (bytes) => sink.score(bytes === null ? null : bytes.readDoubleBE(0));
    return () => undefined;
  });
  let rows = 0;
  const decoder = new BinaryCopyDecoder({
    field(index, bytes) {
      handlers[index]?.(bytes);
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
  try {
    // COPY takes no bind parameters, so the values are quoted by the driver.
    const sql =
      `COPY (SELECT ${columns.join(', ')} FROM predictions WHERE ` +
      `model = ${client.escapeLiteral(query.model)} AND model_version = ${client.escapeLiteral(query.version)} ` +
      `AND ts >= ${client.escapeLiteral(new Date(query.startMs).toISOString())}::timestamptz ` +
      `AND ts < ${client.escapeLiteral(new Date(query.endMs).toISOString())}::timestamptz) ` +
      'TO STDOUT (FORMAT binary)';
    const source = client.query(copyTo(sql));
    await pipeline(
      source,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          try {
            decoder.push(chunk);
            done();
          } catch (error) {
            done(error as Error);
          }
        },
      }),
    );
    decoder.end();
    return rows;
  } catch (error) {
    throw translateDatabaseError(error);
  } finally {
    client.release();
  }
}
