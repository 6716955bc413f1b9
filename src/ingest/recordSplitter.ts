/**
 * Splits a streamed request body into the raw text of each record without
 * holding the whole body: NDJSON by lines, a JSON array by its top-level
 * elements. Each element is later parsed on its own, so one malformed record
 * (say a Python `NaN`) is rejected with its index while the others are kept.
 *
 * Works on bytes: every structural character of JSON is ASCII, and in UTF-8 no
 * byte of a multi-byte character is below 0x80, so scanning bytes is safe.
 */
import { isUtf8 } from 'node:buffer';
import { AppError } from '../core/errors.js';

export interface RawRecord {
  /** Position in the batch, from 0. */
  index: number;
  text: string;
  /**
   * The record's bytes were not valid UTF-8 (`text` then holds U+FFFD in
   * their place). Such a record is rejected, never stored altered.
   */
  invalidUtf8?: true;
}

/** The record at `index` decoded from its bytes, flagged when they are not UTF-8. */
function rawRecord(index: number, bytes: Buffer): RawRecord {
  const text = bytes.toString('utf8');
  return isUtf8(bytes) ? { index, text } : { index, text, invalidUtf8: true };
}

export interface RecordSplitter {
  push(chunk: Buffer): RawRecord[];
  end(): RawRecord[];
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** One record per non-blank line; blank lines are not records and take no index. */
export class NdjsonSplitter implements RecordSplitter {
  private pending: Buffer[] = [];
  private nextIndex = 0;

  push(chunk: Buffer): RawRecord[] {
    const out: RawRecord[] = [];
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const line = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.emit(line, out);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return out;
  }

  end(): RawRecord[] {
    const out: RawRecord[] = [];
    if (this.pending.length > 0) this.emit(Buffer.concat(this.pending), out);
    this.pending = [];
    return out;
  }

  private emit(line: Buffer, out: RawRecord[]): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CARRIAGE_RETURN) end -= 1;
    const bytes = line.subarray(0, end);
    if (isBlank(bytes)) return;
    out.push(rawRecord(this.nextIndex++, bytes));
  }
}

const enum ArrayState {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  Done,
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** The bytes without JSON whitespace at either end. */
function trimWhitespace(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && isWhitespace(bytes[start]!)) start += 1;
  while (end > start && isWhitespace(bytes[end - 1]!)) end -= 1;
  return bytes.subarray(start, end);
}

/** True for a line of nothing but whitespace (not a record, takes no index). */
function isBlank(bytes: Buffer): boolean {
  return trimWhitespace(bytes).length === 0;
}

function unparseable(message: string): AppError {
  return new AppError('body_unparseable', message);
}

/**
 * The elements of a top-level JSON array (a lone object is taken as a batch of
 * one). The array's own structure must be sound — brackets, commas, strings —
 * or the body as a whole is unparseable; an element's content is checked later.
 */
export class JsonArraySplitter implements RecordSplitter {
  private state = ArrayState.BeforeArray;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private element: Buffer[] = [];
  private nextIndex = 0;
  private singleObject = false;
  private offset = 0;

  push(chunk: Buffer): RawRecord[] {
    const out: RawRecord[] = [];
    let elementStart = this.state === ArrayState.InElement ? 0 : -1;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      switch (this.state) {
        case ArrayState.BeforeArray:
          if (isWhitespace(byte)) break;
          if (byte === OPEN_BRACKET) {
            this.state = ArrayState.BeforeElement;
          } else if (byte === OPEN_BRACE) {
            // A single record object: treat it as the only element.
            this.singleObject = true;
            this.state = ArrayState.InElement;
            this.depth = 1;
            elementStart = i;
          } else {
            throw unparseable(`expected a JSON array of records at byte ${this.offset + i}`);
          }
          break;
        case ArrayState.BeforeElement:
          if (isWhitespace(byte)) break;
          if (byte === CLOSE_BRACKET && this.nextIndex === 0) {
            this.state = ArrayState.Done;
            break;
          }
          if (byte === CLOSE_BRACKET || byte === COMMA) {
            throw unparseable(`expected a record at byte ${this.offset + i}`);
          }
          this.state = ArrayState.InElement;
          elementStart = i;
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          i -= 1; // re-read this byte as part of the element
          break;
        case ArrayState.InElement:
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (byte === BACKSLASH) this.escaped = true;
            else if (byte === QUOTE) this.inString = false;
            break;
          }
          if (byte === QUOTE) this.inString = true;
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth += 1;
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            if (this.depth === 0) {
              // Only `]` may close the outer array right after a scalar element.
              if (byte !== CLOSE_BRACKET || this.singleObject) {
                throw unparseable(`unbalanced "}" at byte ${this.offset + i}`);
              }
              this.finishElement(chunk.subarray(elementStart, i), out);
              elementStart = -1;
              this.state = ArrayState.Done;
              break;
            }
            this.depth -= 1;
            if (this.depth === 0 && this.singleObject) {
              this.finishElement(chunk.subarray(elementStart, i + 1), out);
              elementStart = -1;
              this.state = ArrayState.Done;
            }
          } else if (byte === COMMA && this.depth === 0) {
            this.finishElement(chunk.subarray(elementStart, i), out);
            elementStart = -1;
            this.state = ArrayState.BeforeElement;
          }
          break;
        case ArrayState.AfterElement:
        case ArrayState.Done:
          if (!isWhitespace(byte)) {
            throw unparseable(
              `unexpected data after the end of the array at byte ${this.offset + i}`,
            );
          }
          break;
      }
    }
    if (this.state === ArrayState.InElement && elementStart !== -1) {
      this.element.push(chunk.subarray(elementStart));
    }
    this.offset += chunk.length;
    return out;
  }

  end(): RawRecord[] {
    if (this.state === ArrayState.BeforeArray) throw unparseable('the body is empty');
    if (this.state !== ArrayState.Done) {
      throw unparseable('the body ends before the JSON array is closed (truncated?)');
    }
    return [];
  }

  private finishElement(last: Buffer, out: RawRecord[]): void {
    const bytes = this.element.length > 0 ? Buffer.concat([...this.element, last]) : last;
    this.element = [];
    out.push(rawRecord(this.nextIndex++, trimWhitespace(bytes)));
  }
}

/**
 * Hands each record of a streamed body to `add` as it is split off. `add`
 * answers synchronously in the common case and returns a promise only when it
 * must wait (a first lookup), so a batch does not pay a promise per record.
 */
export async function feedRecords(
  body: AsyncIterable<unknown>,
  splitter: RecordSplitter,
  add: (raw: RawRecord) => Promise<void> | undefined,
): Promise<void> {
  for await (const chunk of body) {
    for (const raw of splitter.push(chunk as Buffer)) {
      const pending = add(raw);
      if (pending) await pending;
    }
  }
  for (const raw of splitter.end()) {
    const pending = add(raw);
    if (pending) await pending;
  }
}
