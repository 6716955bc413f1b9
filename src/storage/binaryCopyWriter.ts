/**
 * Encoding of rows for PostgreSQL's binary COPY format (`COPY … FROM STDIN
 * (FORMAT binary)`). Binary COPY moves doubles as their eight IEEE 754 bytes,
 * so nothing is formatted in Node or parsed by `float8in` on the server, and
 * -0, subnormals and the largest doubles arrive bit for bit.
 *
 * Format (PostgreSQL docs, "COPY — File Formats — Binary Format"):
 *   header   the 11-byte signature `PGCOPY\n\377\r\n\0`, an int32 flags word
 *            (0: no OIDs) and an int32 header-extension length (0);
 *   tuple    an int16 field count, then per field an int32 byte length (-1 for
 *            NULL) followed by the value in the type's binary send format;
 *   trailer  an int16 -1.
 * All integers are big-endian (network order). The send formats used here:
 *   text          the UTF-8 bytes, no terminator;
 *   float8        IEEE 754 binary64, big-endian;
 *   int4          big-endian two's complement;
 *   timestamptz   int64 microseconds since 2000-01-01 00:00:00 UTC;
 *   jsonb         a version byte (1), then the JSON text in UTF-8;
 *   arrays        int32 ndim, int32 has-nulls flag, int32 element type OID,
 *                 per dimension int32 size and int32 lower bound (1), then per
 *                 element int32 length (-1 for NULL) and the element's bytes.
 *                 An empty array is ndim 0 with no dimensions.
 * The decoder of the same format, for window reads, is ./binaryCopy.ts.
 */

export const COPY_BINARY_HEADER: Buffer = Buffer.concat([
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), // signature
  Buffer.alloc(8), // int32 flags 0, int32 header extension length 0
]);

export const COPY_BINARY_TRAILER: Buffer = Buffer.from([0xff, 0xff]);

const FLOAT8_OID = 701;
const TEXT_OID = 25;
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
const TWO_POW_32 = 4_294_967_296;

/**
 * Builds binary COPY data in a reusable scratch buffer. Either one tuple at a
 * time — `begin(fields)`, one call per field, then `finish()` copies the tuple
 * out — or a whole COPY stream: `raw(COPY_BINARY_HEADER)`, any number of
 * `begin(…)…` tuples, `raw(COPY_BINARY_TRAILER)`, then `take()`.
 * Not reentrant: all calls are synchronous, and nothing else may write
 * between `begin` and `finish`/`take`.
 */
export class BinaryTupleWriter {
  private buffer: Buffer;
  private offset = 0;
  private tupleStart = 0;

  constructor(initialBytes = 4096) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a tuple of `fields` fields after whatever was written since the last finish/take. */
  begin(fields: number): this {
    this.ensure(2);
    this.tupleStart = this.offset;
    this.offset = this.buffer.writeInt16BE(fields, this.offset);
    return this;
  }

  /** The tuple built since `begin`, as a buffer of its own; the writer starts afresh. */
  finish(): Buffer {
    const tuple = Buffer.allocUnsafe(this.offset - this.tupleStart);
    this.buffer.copy(tuple, 0, this.tupleStart, this.offset);
    this.offset = 0;
    return tuple;
  }

  /** Everything written since the last finish/take, as a buffer of its own; the writer starts afresh. */
  take(): Buffer {
    const data = Buffer.allocUnsafe(this.offset);
    this.buffer.copy(data, 0, 0, this.offset);
    this.offset = 0;
    return data;
  }

  /**
   * Everything written since the last finish/take, without a copy: valid only
   * until the writer is used again. The writer then starts afresh.
   */
  takeView(): Buffer {
    const view = this.buffer.subarray(0, this.offset);
    this.offset = 0;
    return view;
  }

  /** Bytes of scratch space the writer holds. */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Appends bytes as they are (the COPY header or trailer, or finished tuples). */
  raw(bytes: Buffer): this {
    this.ensure(bytes.length);
    this.offset += bytes.copy(this.buffer, this.offset);
    return this;
  }

  null(): this {
    this.ensure(4);
    this.offset = this.buffer.writeInt32BE(-1, this.offset);
    return this;
  }

  text(value: string | null | undefined): this {
    if (value === null || value === undefined) return this.null();
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.ensure(4 + 3 * value.length);
    const start = this.offset + 4;
    const length = writeUtf8(this.buffer, value, start);
    this.buffer.writeInt32BE(length, this.offset);
    this.offset = start + length;
    return this;
  }

  /** jsonb from JSON text (the server parses and normalises it). */
  jsonb(json: string | null | undefined): this {
    if (json === null || json === undefined) return this.null();
    this.ensure(5 + 3 * json.length);
    const start = this.offset + 5;
    this.buffer[this.offset + 4] = 1; // jsonb binary format version
    const length = writeUtf8(this.buffer, json, start);
    this.buffer.writeInt32BE(length + 1, this.offset);
    this.offset = start + length;
    return this;
  }

  float8(value: number | null | undefined): this {
    if (value === null || value === undefined) return this.null();
    this.ensure(12);
    this.buffer.writeInt32BE(8, this.offset);
    this.offset = this.buffer.writeDoubleBE(value, this.offset + 4);
    return this;
  }

  int4(value: number): this {
    this.ensure(8);
    this.buffer.writeInt32BE(4, this.offset);
    this.offset = this.buffer.writeInt32BE(value, this.offset + 4);
    return this;
  }

  /**
   * A timestamptz from Unix epoch milliseconds; a fractional millisecond is
   * truncated, as `new Date(ms)` does.
   */
  timestamptz(epochMs: number): this {
    const micros = (Math.trunc(epochMs) - POSTGRES_EPOCH_MS) * 1000;
    // Exact while |ms| × 125 < 2^53 (about 2284 years either side of 2000): ms × 1000 = ms × 125 × 8.
    // Written as two 32-bit halves, so that no BigInt is needed.
    const high = Math.floor(micros / TWO_POW_32);
    this.ensure(12);
    this.buffer.writeInt32BE(8, this.offset);
    this.buffer.writeInt32BE(high, this.offset + 4);
    this.offset = this.buffer.writeUInt32BE(micros - high * TWO_POW_32, this.offset + 8);
    return this;
  }

  /** A one-dimensional float8[]; null elements are SQL NULL. */
  float8Array(values: readonly (number | null)[]): this {
    const count = values.length;
    this.ensure(4 + 20 + 12 * count);
    const lengthAt = this.offset;
    const flagsAt = this.arrayHeader(count, FLOAT8_OID);
    let hasNulls = 0;
    const buffer = this.buffer;
    let offset = this.offset;
    for (let i = 0; i < count; i += 1) {
      const value = values[i];
      if (value === null || value === undefined) {
        offset = buffer.writeInt32BE(-1, offset);
        hasNulls = 1;
      } else {
        buffer.writeInt32BE(8, offset);
        offset = buffer.writeDoubleBE(value, offset + 4);
      }
    }
    this.offset = offset;
    this.endArray(lengthAt, flagsAt, hasNulls);
    return this;
  }

  /** A one-dimensional text[]; null elements are SQL NULL. */
  textArray(values: readonly (string | null)[]): this {
    const count = values.length;
    let bound = 4 + 20 + 4 * count;
    for (let i = 0; i < count; i += 1) bound += 3 * (values[i]?.length ?? 0);
    this.ensure(bound);
    const lengthAt = this.offset;
    const flagsAt = this.arrayHeader(count, TEXT_OID);
    let hasNulls = 0;
    const buffer = this.buffer;
    let offset = this.offset;
    for (let i = 0; i < count; i += 1) {
      const value = values[i];
      if (value === null || value === undefined) {
        offset = buffer.writeInt32BE(-1, offset);
        hasNulls = 1;
      } else {
        const length = writeUtf8(buffer, value, offset + 4);
        buffer.writeInt32BE(length, offset);
        offset += 4 + length;
      }
    }
    this.offset = offset;
    this.endArray(lengthAt, flagsAt, hasNulls);
    return this;
  }

  /** Writes the array header after a placeholder field length; returns where the has-nulls flag is. */
  private arrayHeader(count: number, elementOid: number): number {
    const buffer = this.buffer;
    let offset = this.offset + 4; // the field length, filled in by endArray
    if (count === 0) {
      offset = buffer.writeInt32BE(0, offset); // ndim 0: an empty array
      offset = buffer.writeInt32BE(0, offset);
      offset = buffer.writeInt32BE(elementOid, offset);
      this.offset = offset;
      return -1;
    }
    offset = buffer.writeInt32BE(1, offset);
    const flagsAt = offset;
    offset = buffer.writeInt32BE(0, offset);
    offset = buffer.writeInt32BE(elementOid, offset);
    offset = buffer.writeInt32BE(count, offset);
    offset = buffer.writeInt32BE(1, offset); // lower bound
    this.offset = offset;
    return flagsAt;
  }

  private endArray(lengthAt: number, flagsAt: number, hasNulls: number): void {
    this.buffer.writeInt32BE(this.offset - lengthAt - 4, lengthAt);
    if (flagsAt >= 0) this.buffer.writeInt32BE(hasNulls, flagsAt);
  }

  private ensure(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}

/**
 * Writes `value` as UTF-8 at `offset` and returns the byte count. Short ASCII
 * strings (ids, category names) are copied in a loop, which is cheaper than a
 * call into the native encoder; anything else goes through Buffer#write, which
 * like every other path into PostgreSQL replaces a lone surrogate with U+FFFD.
 */
function writeUtf8(buffer: Buffer, value: string, offset: number): number {
  const length = value.length;
  if (length <= 48) {
    let i = 0;
    for (; i < length; i += 1) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) break;
      buffer[offset + i] = code;
    }
    if (i === length) return length;
  }
  return buffer.write(value, offset, 'utf8');
}
