/** How the tailer cuts what it read into lines and batches. */
import { describe, expect, it } from 'vitest';
import { lineBatches } from '../../../src/ingest/lineReader.js';

describe('lineBatches', () => {
  it('batches records by count; blank lines and \\r\\n move the offsets only', () => {
    const bytes = Buffer.from('{"a":1}\r\n\n{"a":2}\n{"a":3}\n\n');
    const batches = [...lineBatches(bytes, 100, 7, 2)];
    expect(batches).toEqual([
      {
        records: [
          { index: 0, text: '{"a":1}' },
          { index: 1, text: '{"a":2}' },
        ],
        lineNumbers: [8, 10],
        ends: [109, 118],
        offset: 118,
        lines: 10,
      },
      {
        records: [{ index: 0, text: '{"a":3}' }],
        lineNumbers: [11],
        ends: [126],
        offset: 127,
        lines: 12,
      },
    ]);
  });

  it('hands out no empty rest after a full batch, and a rest of blank lines alone', () => {
    expect([...lineBatches(Buffer.from('{}\n'), 0, 0, 1)]).toHaveLength(1);
    expect([...lineBatches(Buffer.from('\n\n'), 5, 0, 10)]).toEqual([
      { records: [], lineNumbers: [], ends: [], offset: 7, lines: 2 },
    ]);
    expect([...lineBatches(Buffer.alloc(0), 0, 0, 10)]).toEqual([]);
  });

  it('flags a line that is not UTF-8', () => {
    const [batch] = [...lineBatches(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 0, 0, 10)];
    expect(batch?.records[0]).toMatchObject({ index: 0, invalidUtf8: true });
  });
});
