import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BinaryTupleWriter,
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
} from '../../src/storage/binaryCopyWriter.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// Strings that would break a text COPY line or an array literal, and non-ASCII
// text of every UTF-8 length (2-, 3- and 4-byte sequences).
const TRICKY_STRINGS: readonly string[] = [
  'plain',
  'with\ttab',
  'with\nnewline',
  'with\rcarriage return',
  'crlf\r\nend',
  'back\\slash',
  'ends with backslash\\',
  '\\N',
  '\\\\N',
  'double "quotes"',
  "single 'quotes'",
  '{braces}',
  '{}',
  'a,b,c',
  ' leading and trailing spaces ',
  ' ',
  'NULL',
  'null',
  'Null',
  '',
  '"',
  '\\',
  'naïve café',
  '日本語',
  '🙂 emoji',
  'עברית',
  'e\u0301 combining',
  '\u00a0non-breaking space',
  '\u000bvertical tab\u000c form feed',
  'mixed\t{"x":[1,2]}\\n\n',
  'x'.repeat(47) + 'é', // non-ASCII at the end of the short-string loop
  'é'.repeat(100), // long non-ASCII text
  'a'.repeat(5000), // longer than the writer's initial buffer
];

const TRICKY_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.1 + 0.2,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  2.225073858507201e-308, // largest subnormal
  1.7976931348623157e308,
  -1.7976931348623157e308,
  Number.MAX_SAFE_INTEGER,
  123456789.12345679,
  1 / 3,
  1e21,
  1e-7,
];

const TIMESTAMPS_MS: readonly number[] = [
  Date.UTC(2000, 0, 1),
  Date.UTC(2000, 0, 1) - 1,
  Date.UTC(1970, 0, 1),
  Date.UTC(1969, 11, 31, 23, 59, 59, 999),
  Date.UTC(2026, 0, 31, 11, 59, 59, 123),
  Date.UTC(2038, 0, 19, 3, 14, 8),
  Date.UTC(9999, 11, 31, 23, 59, 59, 999),
];

interface CopiedRow {
  id: number;
  t: string | null;
  ta: (string | null)[] | null;
  f: number | null;
  fa: (number | null)[] | null;
  ts: Date | null;
}

const writer = new BinaryTupleWriter(64);

function tuple(
  id: number,
  fields: {
    t?: string | null;
    ta?: (string | null)[];
    f?: number | null;
    fa?: (number | null)[];
    ts?: number;
  },
): Buffer {
  writer.begin(6).int4(id).text(fields.t);
  if (fields.ta) writer.textArray(fields.ta);
  else writer.null();
  writer.float8(fields.f);
  if (fields.fa) writer.float8Array(fields.fa);
  else writer.null();
  if (fields.ts !== undefined) writer.timestamptz(fields.ts);
  else writer.null();
  return writer.finish();
}

describe('binary COPY encoding, read back from PostgreSQL', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Read timestamps in UTC so the text form below is unambiguous.
    await client.query("SET TIME ZONE 'UTC'");
    await client.query(
      'CREATE TABLE copied (id integer PRIMARY KEY, t text, ta text[], f float8, fa float8[], ts timestamptz)',
    );
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  /** COPYs the tuples into `copied` (emptied first), then reads the rows back in id order. */
  async function roundTrip(tuples: readonly Buffer[]): Promise<CopiedRow[]> {
    await client.query('TRUNCATE copied');
    const stream = client.query(
      copyFrom('COPY copied (id, t, ta, f, fa, ts) FROM STDIN (FORMAT binary)'),
    );
    await pipeline(Readable.from([COPY_BINARY_HEADER, ...tuples, COPY_BINARY_TRAILER]), stream);
    const { rows } = await client.query<CopiedRow>(
      'SELECT id, t, ta, f, fa, ts FROM copied ORDER BY id',
    );
    return rows;
  }

  it('reads back every tricky string exactly, as text and inside a text array', async () => {
    const rows = await roundTrip(
      TRICKY_STRINGS.map((value, id) => tuple(id, { t: value, ta: [value, null, value, 'x'] })),
    );
    expect(rows).toHaveLength(TRICKY_STRINGS.length);
    rows.forEach((row, id) => {
      const value = TRICKY_STRINGS[id]!;
      expect(row.t, JSON.stringify(value)).toBe(value);
      expect(row.ta, JSON.stringify(value)).toEqual([value, null, value, 'x']);
    });
  });

  it('reads back a text array holding every tricky string at once', async () => {
    const [row] = await roundTrip([tuple(0, { ta: [...TRICKY_STRINGS] })]);
    expect(row!.t).toBeNull();
    expect(row!.ta).toEqual(TRICKY_STRINGS);
  });

  it('tells a NULL element from the string "NULL" and from the empty string', async () => {
    const [row] = await roundTrip([tuple(0, { t: '', ta: [null, 'NULL', '', 'null'] })]);
    expect(row!.t).toBe('');
    expect(row!.ta).toEqual([null, 'NULL', '', 'null']);
  });

  it('reads back every number bit for bit, as float8 and inside a float8 array', async () => {
    const rows = await roundTrip(
      TRICKY_NUMBERS.map((value, id) => tuple(id, { f: value, fa: [value, null, value] })),
    );
    expect(rows).toHaveLength(TRICKY_NUMBERS.length);
    rows.forEach((row, id) => {
      const value = TRICKY_NUMBERS[id]!;
      expect(Object.is(row.f, value), String(value)).toBe(true);
      expect(Object.is(row.fa![0], value), String(value)).toBe(true);
      expect(row.fa, String(value)).toEqual([value, null, value]);
    });
  });

  it('keeps the sign of negative zero', async () => {
    const [row] = await roundTrip([tuple(0, { f: -0, fa: [-0, 0] })]);
    expect(Object.is(row!.f, -0)).toBe(true);
    expect(Object.is(row!.fa![0], -0)).toBe(true);
    expect(Object.is(row!.fa![1], 0)).toBe(true);
    // And on the server side, not only after pg's parsing:
    const { rows } = await client.query<{ text: string }>(
      "SELECT f::text || ' ' || fa::text AS text FROM copied",
    );
    expect(rows[0]!.text).toBe('-0 {-0,0}');
  });

  it('reads back a float8 array with NULLs at both ends and in the middle', async () => {
    const values = [null, ...TRICKY_NUMBERS, null, null, 0.1 + 0.2, null];
    const [row] = await roundTrip([tuple(0, { fa: values })]);
    expect(row!.fa).toEqual(values);
  });

  it('reads back arrays of only NULLs and empty arrays, and NULL fields', async () => {
    const rows = await roundTrip([
      tuple(0, { fa: [null, null], ta: [null] }),
      tuple(1, { fa: [], ta: [] }),
      tuple(2, {}),
    ]);
    expect(rows.map((row) => [row.fa, row.ta])).toEqual([
      [[null, null], [null]],
      [[], []],
      [null, null],
    ]);
    expect([rows[2]!.t, rows[2]!.f, rows[2]!.ts]).toEqual([null, null, null]);
    const { rows: dims } = await client.query<{ dims: string | null }>(
      'SELECT array_dims(fa) AS dims FROM copied WHERE id = 1',
    );
    expect(dims[0]!.dims).toBeNull(); // a true empty array, not one of length 0
  });

  it('reads back timestamps to the millisecond, before and after 2000 and 1970', async () => {
    const rows = await roundTrip(TIMESTAMPS_MS.map((ms, id) => tuple(id, { ts: ms })));
    expect(rows.map((row) => row.ts!.getTime())).toEqual(TIMESTAMPS_MS);
    const { rows: text } = await client.query<{ text: string }>(
      'SELECT ts::text AS text FROM copied ORDER BY id LIMIT 2',
    );
    expect(text.map((row) => row.text)).toEqual([
      '2000-01-01 00:00:00+00',
      '1999-12-31 23:59:59.999+00',
    ]);
  });

  it('truncates a fractional millisecond as new Date() does', async () => {
    const ms = Date.UTC(2026, 0, 31, 12) + 0.987;
    const [row] = await roundTrip([tuple(0, { ts: ms })]);
    expect(row!.ts!.getTime()).toBe(new Date(ms).getTime());
  });
});
