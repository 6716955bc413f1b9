/**
 * Cutting a tailed file into lines: complete lines grouped into the batches
 * that are stored together, and the search for the end of an overlong line.
 */
import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import type { RawRecord } from './recordSplitter.js';

export const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Bytes read from a file at a time. */
export const READ_BYTES = 1024 * 1024;

/** Complete lines read together, stored in one transaction when all goes well. */
export interface LineBatch {
  records: RawRecord[];
  /** Line number (1-based) of each record, by its index. */
  lineNumbers: number[];
  /** Offset just past each record's line, by its index. */
  ends: number[];
  /** Offset and line count past the whole batch, trailing blank lines included. */
  offset: number;
  lines: number;
}

/**
 * The lines of `bytes` (read at offset `base`, after `linesBefore` lines) in
 * batches of `batchRecords` records, then the rest. Blank lines hold no
 * record but move the batch's offset, so a rest of blank lines alone is a
 * batch too. A `\r` before the newline is dropped; bytes that are not UTF-8
 * are flagged (and rejected later), never stored as U+FFFD. Lazy: a caller
 * that stops asking reads no further.
 */
export function* lineBatches(
  bytes: Buffer,
  base: number,
  linesBefore: number,
  batchRecords: number,
): Generator<LineBatch, void, undefined> {
  let batch = emptyBatch();
  let line = linesBefore;
  let start = 0;
  /** Lines read since the last batch handed out. */
  let unbatched = false;
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    const next = newline === -1 ? bytes.length : newline + 1;
    let end = newline === -1 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end -= 1;
    line += 1;
    const lineBytes = bytes.subarray(start, end);
    const text = lineBytes.toString('utf8');
    start = next;
    unbatched = true;
    if (text.trim().length > 0) {
      const index = batch.records.length;
      batch.records.push(isUtf8(lineBytes) ? { index, text } : { index, text, invalidUtf8: true });
      batch.lineNumbers.push(line);
      batch.ends.push(base + start);
    }
    if (batch.records.length >= batchRecords) {
      batch.offset = base + start;
      batch.lines = line;
      yield batch;
      batch = emptyBatch();
      unbatched = false;
    }
  }
  if (unbatched) {
    batch.offset = base + start;
    batch.lines = line;
    yield batch;
  }
}

/** Offset of the first newline in `[from, size)`, or -1. */
export async function findNewline(handle: FileHandle, from: number, size: number): Promise<number> {
  const buffer = Buffer.alloc(READ_BYTES);
  for (let position = from; position < size; position += READ_BYTES) {
    const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
    const at = buffer.subarray(0, bytesRead).indexOf(NEWLINE);
    if (at !== -1) return position + at;
    if (bytesRead === 0) break;
  }
  return -1;
}

function emptyBatch(): LineBatch {
  return { records: [], lineNumbers: [], ends: [], offset: 0, lines: 0 };
}
