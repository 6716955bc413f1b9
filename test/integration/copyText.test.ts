import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyNumber, copyNumberArray, copyText, copyTextArray } from '../../src/ingest/copyText.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// Each value would break a COPY line or an array literal if it were not escaped.
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
];

const TRICKY_NUMBERS: readonly number[] = [
  0,
  1,
  -1,
  0.1 + 0.2,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  Number.MAX_SAFE_INTEGER,
  123456789.12345679,
  1 / 3,
  1e21,
  1e-7,
];

describe('COPY text encoding, read back from PostgreSQL', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      'CREATE TABLE copied (id integer PRIMARY KEY, t text, ta text[], f float8, fa float8[])',
    );
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  /** COPYs the lines into `copied` (emptied first), then reads the rows back in id order. */
  async function roundTrip(lines: readonly string[]): Promise<
    {
      id: number;
      t: string | null;
      ta: (string | null)[];
      f: number | null;
      fa: (number | null)[];
    }[]
  > {
    await client.query('TRUNCATE copied');
    const stream = client.query(copyFrom('COPY copied (id, t, ta, f, fa) FROM STDIN'));
    await pipeline(Readable.from(lines.map((line) => `${line}\n`)), stream);
    const { rows } = await client.query<{
      id: number;
      t: string | null;
      ta: (string | null)[];
      f: number | null;
      fa: (number | null)[];
    }>('SELECT id, t, ta, f, fa FROM copied ORDER BY id');
    return rows;
  }

  it('reads back every tricky string exactly, as text and inside a text array', async () => {
    const lines = TRICKY_STRINGS.map((value, id) =>
      [
        String(id),
        copyText(value),
        copyTextArray([value, null, value, 'x']),
        copyNumber(null),
        copyNumberArray([]),
      ].join('\t'),
    );
    const rows = await roundTrip(lines);
    expect(rows).toHaveLength(TRICKY_STRINGS.length);
    rows.forEach((row, id) => {
      const value = TRICKY_STRINGS[id]!;
      expect(row.t, JSON.stringify(value)).toBe(value);
      expect(row.ta, JSON.stringify(value)).toEqual([value, null, value, 'x']);
    });
  });

  it('reads back a text array holding every tricky string at once', async () => {
    const line = ['0', copyText(null), copyTextArray(TRICKY_STRINGS), '\\N', '{}'].join('\t');
    const [row] = await roundTrip([line]);
    expect(row!.t).toBeNull();
    expect(row!.ta).toEqual(TRICKY_STRINGS);
  });

  it('tells a NULL element from the string "NULL" and from the empty string', async () => {
    const line = ['0', copyText(''), copyTextArray([null, 'NULL', '', 'null']), '\\N', '{}'].join(
      '\t',
    );
    const [row] = await roundTrip([line]);
    expect(row!.t).toBe('');
    expect(row!.ta).toEqual([null, 'NULL', '', 'null']);
  });

  it('reads back every number bit for bit, as float8 and inside a float8 array', async () => {
    const lines = TRICKY_NUMBERS.map((value, id) =>
      [
        String(id),
        copyText(null),
        copyTextArray([]),
        copyNumber(value),
        copyNumberArray([value, null, value]),
      ].join('\t'),
    );
    const rows = await roundTrip(lines);
    expect(rows).toHaveLength(TRICKY_NUMBERS.length);
    rows.forEach((row, id) => {
      const value = TRICKY_NUMBERS[id]!;
      expect(row.f, String(value)).toBe(value);
      expect(row.fa, String(value)).toEqual([value, null, value]);
    });
  });

  it('reads back a float8 array with NULLs at both ends and in the middle', async () => {
    const values = [null, ...TRICKY_NUMBERS, null, null, 0.1 + 0.2, null];
    const line = ['0', '\\N', '{}', '\\N', copyNumberArray(values)].join('\t');
    const [row] = await roundTrip([line]);
    expect(row!.fa).toEqual(values);
    expect(row!.fa[4]).toBe(0.30000000000000004);
  });

  it('reads back a float8 array of only NULLs and an empty one', async () => {
    const rows = await roundTrip([
      ['0', '\\N', '{}', '\\N', copyNumberArray([null, null])].join('\t'),
      ['1', '\\N', '{}', '\\N', copyNumberArray([])].join('\t'),
    ]);
    expect(rows.map((row) => row.fa)).toEqual([[null, null], []]);
  });

  // String(-0) is "0": the sign of negative zero is lost on the way in.
  it('keeps the sign of negative zero', async () => {
    const line = ['0', '\\N', '{}', copyNumber(-0), copyNumberArray([-0])].join('\t');
    const [row] = await roundTrip([line]);
    expect(Object.is(row!.f, -0)).toBe(true);
    expect(Object.is(row!.fa[0], -0)).toBe(true);
  });
});
