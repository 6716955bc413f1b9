/**
 * A streaming decoder of PostgreSQL's binary COPY format, limited to what a
 * window read needs: float8, float8[] and text[] fields. Binary COPY moves
 * feature arrays without any text formatting on the server or parsing here,
 * which is what makes reading a million-row window affordable.
 *
 * Format (PostgreSQL docs, "COPY — Binary Format"): an 11-byte signature, a
 * flags word and a header extension; then per tuple an int16 field count
 * (-1 ends the data) and per field an int32 length (-1 for NULL) and the bytes.
 * Arrays: int32 ndim, int32 has-nulls, int32 element type OID, per dimension
 * int32 size and int32 lower bound, then per element int32 length + bytes.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export interface FieldSink {
  /** A field of the current tuple; `bytes` is null for SQL NULL. Valid only during the call. */
  field(index: number, bytes: Buffer | null): void;
  endTuple(): void;
}

export class BinaryCopyDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private finished = false;

  constructor(private readonly sink: FieldSink) {}

  push(chunk: Buffer): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    if (!this.headerDone) {
      if (buffer.length < 19) {
        this.pending = buffer;
        return;
      }
      if (!buffer.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = buffer.readInt32BE(15);
      if (buffer.length < 19 + extension) {
        this.pending = buffer;
        return;
      }
      offset = 19 + extension;
      this.headerDone = true;
    }
    while (!this.finished) {
      const start = offset;
      if (buffer.length - offset < 2) break;
      const fields = buffer.readInt16BE(offset);
      offset += 2;
      if (fields === -1) {
        this.finished = true;
        break;
      }
      // Make sure the whole tuple is here before handing any field out.
      let scan = offset;
      let complete = true;
      for (let f = 0; f < fields; f += 1) {
        if (buffer.length - scan < 4) {
          complete = false;
          break;
        }
        const length = buffer.readInt32BE(scan);
        scan += 4;
        if (length > 0) {
          if (buffer.length - scan < length) {
            complete = false;
            break;
          }
          scan += length;
        }
      }
      if (!complete) {
        offset = start;
        break;
      }
      for (let f = 0; f < fields; f += 1) {
        const length = buffer.readInt32BE(offset);
        offset += 4;
        if (length < 0) {
          this.sink.field(f, null);
        } else {
          this.sink.field(f, buffer.subarray(offset, offset + length));
          offset += length;
        }
      }
      this.sink.endTuple();
    }
    this.pending = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : Buffer.alloc(0);
    buffer = Buffer.alloc(0);
  }

  end(): void {
    if (!this.finished) throw new Error('binary COPY stream ended before its trailer');
  }
}

/** Calls `each(position, value)` for every element of a one-dimensional float8[] (null for NULL). */
export function forEachFloat8(
  bytes: Buffer,
  each: (position: number, value: number | null) => void,
): void {
  const ndim = bytes.readInt32BE(0);
  if (ndim === 0) return;
  const size = bytes.readInt32BE(12);
  let offset = 12 + 8 * ndim;
  for (let i = 0; i < size; i += 1) {
    const length = bytes.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      each(i, null);
    } else {
      each(i, bytes.readDoubleBE(offset));
      offset += length;
    }
  }
}

/** Calls `each(position, value)` for every element of a one-dimensional text[] (null for NULL). */
export function forEachText(
  bytes: Buffer,
  each: (position: number, value: string | null) => void,
): void {
  const ndim = bytes.readInt32BE(0);
  if (ndim === 0) return;
  const size = bytes.readInt32BE(12);
  let offset = 12 + 8 * ndim;
  for (let i = 0; i < size; i += 1) {
    const length = bytes.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      each(i, null);
    } else {
      each(i, bytes.toString('utf8', offset, offset + length));
      offset += length;
    }
  }
}
