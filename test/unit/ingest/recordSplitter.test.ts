import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import {
  JsonArraySplitter,
  NdjsonSplitter,
  type RawRecord,
  type RecordSplitter,
} from '../../../src/ingest/recordSplitter.js';

/** mulberry32: a tiny seeded PRNG, so that the chunkings are the same at every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feeds `chunks` to `splitter` and returns every record it produced, `end()` included. */
function run(splitter: RecordSplitter, chunks: readonly Buffer[]): RawRecord[] {
  const out: RawRecord[] = [];
  for (const chunk of chunks) out.push(...splitter.push(chunk));
  out.push(...splitter.end());
  return out;
}

function whole(body: string): Buffer[] {
  return [Buffer.from(body, 'utf8')];
}

function byteByByte(body: string): Buffer[] {
  const bytes = Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 1) chunks.push(bytes.subarray(i, i + 1));
  return chunks;
}

/** Random chunk sizes from 1 to `maxSize` bytes, cut anywhere (inside UTF-8 characters too). */
function randomChunks(body: string, seed: number, maxSize = 9): Buffer[] {
  const random = mulberry32(seed);
  const bytes = Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const size = 1 + Math.floor(random() * maxSize);
    chunks.push(bytes.subarray(start, start + size));
    start += size;
  }
  return chunks;
}

/** Every chunking of `body` that the tests compare: whole, byte by byte, and 20 seeded random ones. */
function chunkings(body: string): Buffer[][] {
  const all = [whole(body), byteByByte(body)];
  for (let seed = 1; seed <= 20; seed += 1) all.push(randomChunks(body, seed));
  return all;
}

/** The error that `action` throws, or a test failure when it throws nothing. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function expectUnparseable(action: () => unknown): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('body_unparseable');
}

// Strings that a naive splitter would cut in the wrong place.
const TRICKY = {
  model: 'm,]}',
  note: 'say "hi", then ] and } and { and [',
  path: 'C:\\dir\\',
  quoteAtEnd: 'ends with a quote "',
  unicode: 'naïve café – 日本語 🙂',
};

const NESTED = { a: { b: [1, { c: '],}' }, [2, [3]]] }, d: [] };

describe('NdjsonSplitter', () => {
  const lines = [
    JSON.stringify({ i: 0, ...TRICKY }),
    JSON.stringify({ i: 1, nested: NESTED }),
    JSON.stringify({ i: 2, text: 'ü'.repeat(50) }),
  ];

  it('gives one record per line with its index', () => {
    const records = run(new NdjsonSplitter(), whole(lines.join('\n') + '\n'));
    expect(records).toEqual(lines.map((text, index) => ({ index, text })));
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const body = lines.join('\n') + '\n';
    const expected = lines.map((text, index) => ({ index, text }));
    for (const chunks of chunkings(body)) {
      expect(run(new NdjsonSplitter(), chunks)).toEqual(expected);
    }
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const body = '{"c":"🙂"}\n';
    const bytes = Buffer.from(body, 'utf8');
    const emoji = bytes.indexOf(0xf0);
    // Cut inside the 4-byte emoji, at each of its three inner boundaries.
    for (let cut = emoji + 1; cut < emoji + 4; cut += 1) {
      const records = run(new NdjsonSplitter(), [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(records).toEqual([{ index: 0, text: '{"c":"🙂"}' }]);
    }
  });

  it('strips the carriage return of CRLF lines, even when the CR ends a chunk', () => {
    const body = '{"a":1}\r\n{"a":2}\r\n';
    const expected = [
      { index: 0, text: '{"a":1}' },
      { index: 1, text: '{"a":2}' },
    ];
    for (const chunks of chunkings(body)) {
      expect(run(new NdjsonSplitter(), chunks)).toEqual(expected);
    }
  });

  it('gives blank lines no index', () => {
    const body = '\n{"a":1}\n\n   \n\r\n{"a":2}\n\n';
    expect(run(new NdjsonSplitter(), whole(body))).toEqual([
      { index: 0, text: '{"a":1}' },
      { index: 1, text: '{"a":2}' },
    ]);
  });

  it('emits a last line that has no newline at the end', () => {
    expect(run(new NdjsonSplitter(), whole('{"a":1}\n{"a":2}'))).toEqual([
      { index: 0, text: '{"a":1}' },
      { index: 1, text: '{"a":2}' },
    ]);
  });

  it('passes a malformed line through as text, for the validator to reject by index', () => {
    expect(run(new NdjsonSplitter(), whole('{"a":1}\n{"a":NaN}\n'))).toEqual([
      { index: 0, text: '{"a":1}' },
      { index: 1, text: '{"a":NaN}' },
    ]);
  });

  it('gives no records for an empty body', () => {
    expect(run(new NdjsonSplitter(), [])).toEqual([]);
    expect(run(new NdjsonSplitter(), whole('\n\n'))).toEqual([]);
  });
});

describe('JsonArraySplitter', () => {
  const elements = [
    { i: 0, ...TRICKY },
    { i: 1, nested: NESTED },
    { i: 2, escapes: '\\"\\\\', tab: '\t', newline: '\n' },
    { i: 3, empty: {}, list: [[], [{}]] },
  ];

  function parsedRecords(chunks: readonly Buffer[]): { index: number; value: unknown }[] {
    return run(new JsonArraySplitter(), chunks).map((record) => ({
      index: record.index,
      value: JSON.parse(record.text) as unknown,
    }));
  }

  it('gives each element of the array as a record with its index', () => {
    const records = run(new JsonArraySplitter(), whole(JSON.stringify(elements)));
    expect(records).toEqual(
      elements.map((element, index) => ({ index, text: JSON.stringify(element) })),
    );
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const expected = elements.map((value, index) => ({ index, value }));
    for (const body of [JSON.stringify(elements), JSON.stringify(elements, null, 2)]) {
      for (const chunks of chunkings(body)) {
        expect(parsedRecords(chunks)).toEqual(expected);
      }
    }
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const bytes = Buffer.from('[{"c":"日🙂"}]', 'utf8');
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const records = run(new JsonArraySplitter(), [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(records).toEqual([{ index: 0, text: '{"c":"日🙂"}' }]);
    }
  });

  it('ignores white space around elements, CRLF included', () => {
    const body = '\r\n [ \r\n {"a":1} \r\n , \t{"a":2}\r\n ] \r\n';
    for (const chunks of chunkings(body)) {
      expect(run(new JsonArraySplitter(), chunks)).toEqual([
        { index: 0, text: '{"a":1}' },
        { index: 1, text: '{"a":2}' },
      ]);
    }
  });

  it('does not end a string at an escaped quote nor at the quote after an escaped backslash', () => {
    // Element texts: {"s":"a\"],"} and {"s":"b\\"}, then a third element.
    const body = '[{"s":"a\\"],"},{"s":"b\\\\"},{"s":"c"}]';
    for (const chunks of chunkings(body)) {
      expect(parsedRecords(chunks)).toEqual([
        { index: 0, value: { s: 'a"],' } },
        { index: 1, value: { s: 'b\\' } },
        { index: 2, value: { s: 'c' } },
      ]);
    }
  });

  it('passes scalar and array elements through as text, for the validator to reject', () => {
    expect(run(new JsonArraySplitter(), whole('[1, "x,]", [2,3], null]'))).toEqual([
      { index: 0, text: '1' },
      { index: 1, text: '"x,]"' },
      { index: 2, text: '[2,3]' },
      { index: 3, text: 'null' },
    ]);
  });

  it('passes a malformed element through as text, keeping the others', () => {
    expect(run(new JsonArraySplitter(), whole('[{"a":1},{"a":NaN},{"a":3}]'))).toEqual([
      { index: 0, text: '{"a":1}' },
      { index: 1, text: '{"a":NaN}' },
      { index: 2, text: '{"a":3}' },
    ]);
  });

  it('takes a lone object as a batch of one', () => {
    const body = ' {"model":"m","features":{"a":[1,{"b":"}"}]}} \n';
    for (const chunks of chunkings(body)) {
      expect(run(new JsonArraySplitter(), chunks)).toEqual([
        { index: 0, text: '{"model":"m","features":{"a":[1,{"b":"}"}]}}' },
      ]);
    }
  });

  it('gives zero records for an empty array', () => {
    expect(run(new JsonArraySplitter(), whole('[]'))).toEqual([]);
    expect(run(new JsonArraySplitter(), byteByByte(' [ \n ] '))).toEqual([]);
  });

  it('refuses a truncated array', () => {
    for (const body of ['[{"a":1}', '[{"a":1},', '[{"a":1', '[{"a":"1', '[']) {
      expectUnparseable(() => run(new JsonArraySplitter(), whole(body)));
    }
  });

  it('refuses a closing brace that does not match an opening one', () => {
    for (const body of ['[{"a":1}}', '[1}', '[}', '[{"a":1},}]']) {
      expectUnparseable(() => run(new JsonArraySplitter(), whole(body)));
    }
  });

  it('refuses a truncated lone object', () => {
    expectUnparseable(() => run(new JsonArraySplitter(), whole('{"a":{"b":1}')));
  });

  it('refuses data after the end of the array', () => {
    expectUnparseable(() => run(new JsonArraySplitter(), whole('[{"a":1}] x')));
    expectUnparseable(() => run(new JsonArraySplitter(), whole('[{"a":1}][{"a":2}]')));
    expectUnparseable(() => run(new JsonArraySplitter(), whole('{"a":1}{"a":2}')));
  });

  it('refuses data after the array that arrives in a later chunk', () => {
    const splitter = new JsonArraySplitter();
    expect(splitter.push(Buffer.from('[{"a":1}]'))).toEqual([{ index: 0, text: '{"a":1}' }]);
    expectUnparseable(() => splitter.push(Buffer.from('\n,')));
  });

  it('refuses an empty body', () => {
    expectUnparseable(() => run(new JsonArraySplitter(), []));
    expectUnparseable(() => run(new JsonArraySplitter(), whole('')));
    expectUnparseable(() => run(new JsonArraySplitter(), whole(' \r\n\t ')));
  });

  it('refuses a top level that is neither an array nor an object', () => {
    for (const body of ['"x"', '42', 'null', 'true', 'NaN']) {
      expectUnparseable(() => run(new JsonArraySplitter(), whole(body)));
    }
  });

  it('refuses empty elements: a leading comma, a double comma, a trailing comma', () => {
    for (const body of ['[,{"a":1}]', '[{"a":1},,{"a":2}]', '[{"a":1},]']) {
      expectUnparseable(() => run(new JsonArraySplitter(), whole(body)));
    }
  });

  it('names the byte offset of a structural error across chunks', () => {
    const splitter = new JsonArraySplitter();
    splitter.push(Buffer.from('[{"a":1}]  '));
    const error = thrownBy(() => splitter.push(Buffer.from('  x')));
    expect((error as Error).message).toContain('byte 13');
  });
});
