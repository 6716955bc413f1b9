/**
 * Follows NDJSON prediction logs on a shared volume (`logs.files`), the
 * sidecar alternative to POSTing records.
 *
 * Each poll expands the patterns and identifies every file by (dev, ino), so a
 * file renamed by rotation keeps its read offset. Complete lines are ingested
 * in batches through `IngestService.ingestRecords`; a partial last line waits
 * for its newline. The new offset is saved in `tail_checkpoints` inside the
 * same transaction as the batch's rows, so a restart neither loses nor
 * re-stores a line (request ids would turn a re-read into duplicates, not
 * double rows, in any case).
 *
 * Rotation: a file no longer matched (renamed away or deleted) stays open and
 * is read to its end — before the files still matched, so a path's old file
 * is finished before its new one — and closed once it has not grown for
 * `rotatedIdlePolls` polls. Truncation (copytruncate): a size below the offset,
 * or a start that no longer hashes as read, restarts the file at 0.
 *
 * A batch the database keeps failing on (not an outage: `isolateAfterFailures`
 * failures in a row at the same offset, none of them a connection loss or
 * another transient error) is bisected to find the failing line(s)
 * (failureIsolation.ts); the other lines are stored, each failing line is
 * logged, counted as `rejected` with reason `poisoned` and skipped, so one
 * line never holds back the file. During an outage the same lines are simply
 * retried at each poll, and nothing is skipped.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { AppError } from '../core/errors.js';
import { isConnectionError } from '../storage/pool.js';
import {
  TAIL_HEAD_BYTES,
  type TailCheckpoint,
  type TailCheckpoints,
} from '../storage/tailCheckpoints.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { isolateFailingRecords } from './failureIsolation.js';
import { expandFilePatterns } from './fileGlob.js';
import type { IngestService } from './ingestService.js';
import type { RawRecord } from './recordSplitter.js';
import type { Rejection } from './validateRecord.js';

export interface FileTailerOptions {
  /** `logs.files`: paths whose file name may hold `*` and `?`. */
  patterns: readonly string[];
  pollIntervalMs: number;
  /** Most records per transaction. */
  batchRecords: number;
  ingest: Pick<IngestService, 'ingestRecords'>;
  checkpoints: TailCheckpoints;
  metrics: Metrics;
  logger: Logger;
  /** Polls a rotated-away file stays open without growing before it is closed (default 5). */
  rotatedIdlePolls?: number;
  /** Longest line read; a longer one is rejected as `line_too_long` (default 16 MiB). */
  maxLineBytes?: number;
  /**
   * Failures in a row of the batch at one offset (not outages) before its
   * failing lines are isolated and skipped; also the tries of a single line
   * before it is skipped (default 3).
   */
  isolateAfterFailures?: number;
}

interface TrackedFile {
  fileId: string;
  path: string;
  handle: FileHandle;
  offset: number;
  lines: number;
  headSha256: string;
  /** Consecutive polls this file was not matched and did not grow. */
  idlePolls: number;
  /** Consecutive non-transient failures of the batch starting at `failedOffset`. */
  failures: number;
  failedOffset: number;
}

/** Complete lines read together, stored in one transaction when all goes well. */
interface LineBatch {
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
 * PostgreSQL error classes that say nothing about the rows: 40 transaction
 * rollback (serialisation, deadlock), 53 insufficient resources (disk full,
 * out of memory), 57 operator intervention (shutdown, cancel), 58 system
 * error (I/O). Appendix A of the PostgreSQL manual.
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['40', '53', '57', '58']);
/** lock_not_available, read_only_sql_transaction (a standby after a failover). */
const TRANSIENT_SQLSTATES = new Set(['55P03', '25006']);

/**
 * True when a failure to store lines is no line's fault: the database is
 * unreachable or unwell, or a schema changed mid-batch. Such a batch is
 * retried whole, never bisected, and no line is skipped.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof AppError) {
    return error.code === 'database_unavailable' || error.code === 'schema_changed';
  }
  if (isConnectionError(error)) return true;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2)) || TRANSIENT_SQLSTATES.has(code);
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const READ_BYTES = 1024 * 1024;
const EMPTY_SHA256 = createHash('sha256').digest('hex');

export class FileTailer {
  private readonly files = new Map<string, TrackedFile>();
  private readonly log: Logger;
  private readonly rotatedIdlePolls: number;
  private readonly maxLineBytes: number;
  private readonly isolateAfterFailures: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly options: FileTailerOptions) {
    this.log = options.logger.child({ component: 'file-tailer' });
    this.rotatedIdlePolls = options.rotatedIdlePolls ?? 5;
    this.maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
    this.isolateAfterFailures = options.isolateAfterFailures ?? 3;
    if (!Number.isInteger(this.isolateAfterFailures) || this.isolateAfterFailures < 1) {
      throw new RangeError(
        `isolateAfterFailures must be a positive integer, got ${String(options.isolateAfterFailures)}`,
      );
    }
  }

  /** Polls now and then every `pollIntervalMs`; a poll still running skips the next. */
  start(): void {
    if (this.timer || this.stopping) return;
    this.log.info({ patterns: this.options.patterns }, 'following prediction log files');
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.pollIntervalMs);
    this.timer.unref();
  }

  /** Stops polling, waits for the running poll (it stops between batches) and closes files. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    for (const file of this.files.values()) await file.handle.close().catch(() => undefined);
    this.files.clear();
  }

  private tick(): void {
    if (this.running || this.stopping) return;
    this.running = this.pollOnce()
      .catch((error: unknown) => this.log.error({ err: error }, 'polling log files failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** One pass over every file; a file's failure is logged and retried at the next poll. */
  async pollOnce(): Promise<void> {
    const matched = await this.matchedFiles();
    const gone = [...this.files.values()].filter((file) => !matched.has(file.fileId));
    for (const file of gone) {
      if (this.stopping) return;
      await this.guard(file.path, () => this.finishRotated(file));
    }
    for (const [fileId, path] of matched) {
      if (this.stopping) return;
      await this.guard(path, async () => {
        let file = this.files.get(fileId);
        if (!file) {
          file = (await this.openFile(fileId, path)) ?? undefined;
          if (!file) return;
          this.files.set(fileId, file);
        }
        if (file.path !== path) this.log.info({ from: file.path, to: path }, 'log file renamed');
        file.path = path;
        file.idlePolls = 0;
        await this.drain(file, false);
      });
    }
  }

  private async guard(path: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.log.error({ err: error, path }, 'reading a log file failed; retrying at the next poll');
    }
  }

  /** Matched files by id (`dev:ino`), oldest modification first, so rotated files go first. */
  private async matchedFiles(): Promise<Map<string, string>> {
    const found: { fileId: string; path: string; mtimeNs: bigint }[] = [];
    for (const path of await expandFilePatterns(this.options.patterns)) {
      try {
        const info = await stat(path, { bigint: true });
        found.push({ fileId: `${info.dev}:${info.ino}`, path, mtimeNs: info.mtimeNs });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    found.sort((a, b) =>
      a.mtimeNs === b.mtimeNs ? a.path.localeCompare(b.path) : a.mtimeNs < b.mtimeNs ? -1 : 1,
    );
    const byId = new Map<string, string>();
    for (const { fileId, path } of found) if (!byId.has(fileId)) byId.set(fileId, path);
    return byId;
  }

  private async openFile(fileId: string, path: string): Promise<TrackedFile | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const info = await handle.stat({ bigint: true });
      // Replaced between the listing and the open: the next poll sees the new file.
      if (`${info.dev}:${info.ino}` !== fileId) {
        await handle.close();
        return null;
      }
      const file: TrackedFile = {
        fileId,
        path,
        handle,
        offset: 0,
        lines: 0,
        headSha256: EMPTY_SHA256,
        idlePolls: 0,
        failures: 0,
        failedOffset: -1,
      };
      const saved = await this.options.checkpoints.load(fileId);
      if (saved && (await this.headSha256(file, saved.offsetBytes)) === saved.headSha256) {
        file.offset = saved.offsetBytes;
        file.lines = saved.lines;
        file.headSha256 = saved.headSha256;
      }
      this.log.info({ path, offset: file.offset, line: file.lines }, 'following log file');
      return file;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Reads a file no longer matched to its end; closes it once it has stopped growing. */
  private async finishRotated(file: TrackedFile): Promise<void> {
    const grew = await this.drain(file, false);
    file.idlePolls = grew ? 0 : file.idlePolls + 1;
    if (file.idlePolls < this.rotatedIdlePolls) return;
    // Its writer has moved on: an unterminated last line is all there will be.
    await this.drain(file, true);
    await file.handle.close();
    this.files.delete(file.fileId);
    this.log.info({ path: file.path, line: file.lines }, 'finished a rotated log file');
  }

  /**
   * Ingests the complete lines past the offset (with `final`, the unterminated
   * rest too). True when the offset moved.
   */
  private async drain(file: TrackedFile, final: boolean): Promise<boolean> {
    const { size } = await file.handle.stat();
    if (size < file.offset) {
      this.log.info({ path: file.path, offset: file.offset, size }, 'log file truncated');
      this.restart(file);
    } else if (file.offset > 0 && (await this.headSha256(file, file.offset)) !== file.headSha256) {
      this.log.info({ path: file.path, offset: file.offset }, 'log file rewritten');
      this.restart(file);
    }
    const start = file.offset;
    while (file.offset < size && !this.stopping) {
      const length = Math.min(size - file.offset, READ_BYTES);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.handle.read(buffer, 0, length, file.offset);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const last = chunk.lastIndexOf(NEWLINE);
      if (last !== -1) {
        await this.ingestLines(file, chunk.subarray(0, last + 1));
      } else if (!(await this.partialLine(file, size, final))) {
        break;
      }
    }
    return file.offset !== start;
  }

  /**
   * A read without a newline: the rest of the file is one unfinished line.
   * Ingests it when `final`; rejects it once it exceeds `maxLineBytes`
   * (skipping to its newline when one has arrived). True when the offset moved.
   */
  private async partialLine(file: TrackedFile, size: number, final: boolean): Promise<boolean> {
    const length = size - file.offset;
    if (length <= this.maxLineBytes) {
      if (!final) return false;
      const rest = Buffer.alloc(length);
      const { bytesRead } = await file.handle.read(rest, 0, length, file.offset);
      await this.ingestLines(file, rest.subarray(0, bytesRead));
      return bytesRead > 0;
    }
    const end = await this.findNewline(file, file.offset + this.maxLineBytes, size);
    if (end === -1 && !final) return false;
    const next = end === -1 ? size : end + 1;
    const line = file.lines + 1;
    this.log.warn(
      { path: file.path, line, code: 'line_too_long', bytes: next - file.offset },
      'bad line in a log file',
    );
    this.options.metrics.ingestRecordsTotal.inc({
      source: 'file',
      outcome: 'rejected',
      reason: 'line_too_long',
    });
    await this.commit(file, [], [], next, line);
    return true;
  }

  private async findNewline(file: TrackedFile, from: number, size: number): Promise<number> {
    const buffer = Buffer.alloc(READ_BYTES);
    for (let position = from; position < size; position += READ_BYTES) {
      const { bytesRead } = await file.handle.read(buffer, 0, READ_BYTES, position);
      const at = buffer.subarray(0, bytesRead).indexOf(NEWLINE);
      if (at !== -1) return position + at;
      if (bytesRead === 0) break;
    }
    return -1;
  }

  /** Ingests `bytes` (starting at the file's offset) line by line, in batches. */
  private async ingestLines(file: TrackedFile, bytes: Buffer): Promise<void> {
    const base = file.offset;
    let batch = emptyBatch();
    let line = file.lines;
    let start = 0;
    while (start < bytes.length && !this.stopping) {
      const newline = bytes.indexOf(NEWLINE, start);
      const next = newline === -1 ? bytes.length : newline + 1;
      let end = newline === -1 ? bytes.length : newline;
      if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end -= 1;
      line += 1;
      const lineBytes = bytes.subarray(start, end);
      const text = lineBytes.toString('utf8');
      start = next;
      if (text.trim().length > 0) {
        // Bytes that are not UTF-8 are flagged (and rejected), never stored as U+FFFD.
        const index = batch.records.length;
        batch.records.push(
          isUtf8(lineBytes) ? { index, text } : { index, text, invalidUtf8: true },
        );
        batch.lineNumbers.push(line);
        batch.ends.push(base + start);
      }
      if (batch.records.length >= this.options.batchRecords) {
        batch.offset = base + start;
        batch.lines = line;
        await this.store(file, batch);
        batch = emptyBatch();
      }
    }
    // Blank lines alone still move the offset; a stop leaves the uncommitted rest for later.
    if (!this.stopping && base + start > file.offset) {
      batch.offset = base + start;
      batch.lines = line;
      await this.store(file, batch);
    }
  }

  /**
   * Commits a batch. When it fails for the `isolateAfterFailures`-th time in
   * a row at this offset, and not because of an outage, its failing lines are
   * isolated and skipped and the rest is stored; before that, the error goes
   * up and the batch is retried at the next poll.
   */
  private async store(file: TrackedFile, batch: LineBatch): Promise<void> {
    const { records, lineNumbers } = batch;
    let failure: unknown;
    try {
      await this.commit(file, records, lineNumbers, batch.offset, batch.lines);
      file.failures = 0;
      return;
    } catch (error) {
      if (records.length === 0 || isTransientStoreError(error)) throw error;
      file.failures = file.failedOffset === file.offset ? file.failures + 1 : 1;
      file.failedOffset = file.offset;
      if (file.failures < this.isolateAfterFailures) throw error;
      failure = error;
    }
    this.log.warn(
      {
        path: file.path,
        fromLine: lineNumbers[0],
        toLine: lineNumbers[lineNumbers.length - 1],
        failures: file.failures,
        err: failure,
      },
      'storing these lines keeps failing; isolating the failing line(s)',
    );
    file.failures = 0;
    /** Offset and line count past record `to - 1` (past the whole batch for the last). */
    const endOf = (to: number): { offset: number; lines: number } =>
      to === records.length
        ? { offset: batch.offset, lines: batch.lines }
        : { offset: batch.ends[to - 1]!, lines: lineNumbers[to - 1]! };
    await isolateFailingRecords(
      records.length,
      failure,
      {
        store: (from, to) => {
          const end = endOf(to);
          return this.commit(file, records.slice(from, to), lineNumbers, end.offset, end.lines);
        },
        setAside: (index, error) =>
          this.setAside(file, lineNumbers[index]!, endOf(index + 1), error),
        isTransient: isTransientStoreError,
      },
      { attemptsPerRecord: this.isolateAfterFailures },
    );
  }

  /** Skips a line the database keeps failing on: offset saved past it, then logged and counted. */
  private async setAside(
    file: TrackedFile,
    line: number,
    end: { offset: number; lines: number },
    error: unknown,
  ): Promise<void> {
    await this.commit(file, [], [], end.offset, end.lines);
    this.log.warn(
      { path: file.path, line, code: 'poisoned', reason: errorMessage(error) },
      'bad line in a log file',
    );
    this.options.metrics.ingestRecordsTotal.inc({
      source: 'file',
      outcome: 'rejected',
      reason: 'poisoned',
    });
  }

  /**
   * Stores one batch and, in the same transaction, the offset after it. A
   * batch without a valid record stores nothing: its offset is saved alone.
   * `lineNumbers` is indexed by the records' `index`.
   */
  private async commit(
    file: TrackedFile,
    records: readonly RawRecord[],
    lineNumbers: readonly number[],
    offset: number,
    lines: number,
  ): Promise<void> {
    const checkpoint: TailCheckpoint = {
      fileId: file.fileId,
      path: file.path,
      offsetBytes: offset,
      lines,
      headSha256:
        Math.min(offset, TAIL_HEAD_BYTES) === Math.min(file.offset, TAIL_HEAD_BYTES)
          ? file.headSha256
          : await this.headSha256(file, offset),
    };
    if (records.length === 0) {
      await this.options.checkpoints.save(checkpoint);
    } else {
      try {
        const result = await this.options.ingest.ingestRecords(
          records,
          {},
          {
            source: 'file',
            // Every bad line gets its log line; a batch is at most
            // `batchRecords` lines, so the list stays bounded.
            maxRejectionsListed: this.options.batchRecords,
            inTransaction: (client) => this.options.checkpoints.save(checkpoint, client),
          },
        );
        this.reportRejected(file, result.rejected, lineNumbers);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
        const details = error.details as { rejected?: Rejection[] } | undefined;
        this.reportRejected(file, details?.rejected ?? [], lineNumbers);
        await this.options.checkpoints.save(checkpoint);
      }
    }
    file.offset = checkpoint.offsetBytes;
    file.lines = checkpoint.lines;
    file.headSha256 = checkpoint.headSha256;
  }

  /** Bad lines are logged by line number and code, like the HTTP endpoint's `rejected`. */
  private reportRejected(
    file: TrackedFile,
    rejected: readonly Rejection[],
    lineNumbers: readonly number[],
  ): void {
    for (const rejection of rejected) {
      this.log.warn(
        {
          path: file.path,
          line: lineNumbers[rejection.index],
          code: rejection.code,
          reason: rejection.message,
        },
        'bad line in a log file',
      );
    }
  }

  private restart(file: TrackedFile): void {
    file.offset = 0;
    file.lines = 0;
    file.headSha256 = EMPTY_SHA256;
  }

  /** sha256 of the file's first `min(offset, TAIL_HEAD_BYTES)` bytes. */
  private async headSha256(file: TrackedFile, offset: number): Promise<string> {
    const length = Math.min(offset, TAIL_HEAD_BYTES);
    if (length === 0) return EMPTY_SHA256;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.handle.read(buffer, 0, length, 0);
    return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex');
  }
}

function emptyBatch(): LineBatch {
  return { records: [], lineNumbers: [], ends: [], offset: 0, lines: 0 };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
