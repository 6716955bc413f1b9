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
 *
 * Speed: a million-row window is ~26 million values, so the decoder hands out
 * fields as (chunk, offset, length) — no Buffer per field — and reads
 * integers and doubles through a DataView over the chunk, which V8 compiles
 * to plain loads (`Buffer#readDoubleBE` assembles bytes in JavaScript).
 * The encoder, for writes, is ./binaryCopyWriter.ts.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const EMPTY = Buffer.alloc(0);

/** The bytes being decoded, with a DataView over the same memory. */
export class CopyChunk {
  readonly bytes: Buffer;
  readonly view: DataView;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

export interface FieldSink {
  /**
   * A field of the current tuple: `length` bytes at `offset` of `chunk`
   * (`length` is -1 for SQL NULL). The chunk is valid only during the call.
   */
  field(index: number, chunk: CopyChunk, offset: number, length: number): void;
  endTuple(): void;
}

export class BinaryCopyDecoder {
  private pending: Buffer = EMPTY;
  private headerDone = false;
  private finished = false;

  constructor(private readonly sink: FieldSink) {}

  /** Decodes the next bytes of the stream. */
  push(data: Buffer): void {
    this.pushRange(new CopyChunk(data), 0, data.length);
  }

  /**
   * Decodes bytes `start` to `end` of `chunk`, the next bytes of the stream
   * (e.g. one CopyData message inside a socket read). A tuple cut at `end`
   * is copied and completed by the next call; nothing else is copied.
   */
  pushRange(chunk: CopyChunk, start: number, end: number): void {
    if (this.finished) return;
    if (this.pending.length === 0 && this.headerDone) {
      const stop = this.decodeTuples(chunk, start, end);
      this.pending = stop < end ? Buffer.from(chunk.bytes.subarray(stop, end)) : EMPTY;
      return;
    }
    const bytes =
      this.pending.length > 0
        ? Buffer.concat([this.pending, chunk.bytes.subarray(start, end)])
        : chunk.bytes.subarray(start, end);
    let offset = 0;
    if (!this.headerDone) {
      if (bytes.length < 19 || bytes.length < 19 + bytes.readInt32BE(15)) {
        this.pending = Buffer.from(bytes);
        return;
      }
      if (!bytes.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      offset = 19 + bytes.readInt32BE(15);
      this.headerDone = true;
    }
    const stop = this.decodeTuples(new CopyChunk(bytes), offset, bytes.length);
    // Copied: the caller may reuse its buffer once this returns.
    this.pending = stop < bytes.length ? Buffer.from(bytes.subarray(stop)) : EMPTY;
  }

  /** Hands out the complete tuples in `offset … end`; returns where the first incomplete one starts. */
  private decodeTuples(chunk: CopyChunk, offset: number, end: number): number {
    const view = chunk.view;
    const sink = this.sink;
    while (!this.finished) {
      if (end - offset < 2) break;
      const fields = view.getInt16(offset);
      if (fields === -1) {
        this.finished = true;
        return end;
      }
      // Make sure the whole tuple is here before handing any field out.
      let scan = offset + 2;
      let complete = true;
      for (let f = 0; f < fields; f += 1) {
        if (end - scan < 4) {
          complete = false;
          break;
        }
        const length = view.getInt32(scan);
        scan += 4;
        if (length > 0) {
          if (end - scan < length) {
            complete = false;
            break;
          }
          scan += length;
        }
      }
      if (!complete) break;
      let at = offset + 2;
      for (let f = 0; f < fields; f += 1) {
        const length = view.getInt32(at);
        at += 4;
        sink.field(f, chunk, at, length);
        if (length > 0) at += length;
      }
      offset = at;
      sink.endTuple();
    }
    return offset;
  }

  end(): void {
    if (!this.finished) throw new Error('binary COPY stream ended before its trailer');
  }
}

/**
 * Calls `each(position, value)` for every element of the one-dimensional
 * float8[] at `offset` of `chunk` (null for NULL elements).
 */
export function forEachFloat8(
  chunk: CopyChunk,
  offset: number,
  each: (position: number, value: number | null) => void,
): void {
  const view = chunk.view;
  const ndim = view.getInt32(offset);
  if (ndim === 0) return;
  const size = view.getInt32(offset + 12);
  let at = offset + 12 + 8 * ndim;
  for (let i = 0; i < size; i += 1) {
    const length = view.getInt32(at);
    at += 4;
    if (length < 0) {
      each(i, null);
    } else {
      each(i, view.getFloat64(at));
      at += length;
    }
  }
}

/**
 * Calls `each(position, value)` for every element of the one-dimensional
 * text[] at `offset` of `chunk` (null for NULL elements).
 */
export function forEachText(
  chunk: CopyChunk,
  offset: number,
  each: (position: number, value: string | null) => void,
): void {
  const view = chunk.view;
  const bytes = chunk.bytes;
  const ndim = view.getInt32(offset);
  if (ndim === 0) return;
  const size = view.getInt32(offset + 12);
  let at = offset + 12 + 8 * ndim;
  for (let i = 0; i < size; i += 1) {
    const length = view.getInt32(at);
    at += 4;
    if (length < 0) {
      each(i, null);
    } else {
      each(i, bytes.toString('utf8', at, at + length));
      at += length;
    }
  }
}
