/**
 * Follows NDJSON prediction logs on a shared volume (`logs.files`), the
 * sidecar alternative to POSTing records.
 *
 * Each poll expands the patterns and identifies every file by (dev, ino), so a
 * file renamed by rotation keeps its read offset (trackedFile.ts). Complete
 * lines (lineReader.ts) are ingested in batches through
 * `IngestService.ingestRecords`; a partial last line waits for its newline.
 * The new offset is saved in `tail_checkpoints` inside the same transaction
 * as the batch's rows (tailBatchCommit.ts), so a restart neither loses nor
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
import type { TailCheckpoints } from '../storage/tailCheckpoints.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { IngestService } from './ingestService.js';
import { findNewline, lineBatches, NEWLINE, READ_BYTES } from './lineReader.js';
import { TailBatchCommitter } from './tailBatchCommit.js';
import {
  headSha256,
  listMatchedFiles,
  openTrackedFile,
  restartFile,
  type TrackedFile,
} from './trackedFile.js';

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

export class FileTailer {
  private readonly files = new Map<string, TrackedFile>();
  private readonly log: Logger;
  private readonly rotatedIdlePolls: number;
  private readonly maxLineBytes: number;
  private readonly commits: TailBatchCommitter;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly options: FileTailerOptions) {
    this.log = options.logger.child({ component: 'file-tailer' });
    this.rotatedIdlePolls = options.rotatedIdlePolls ?? 5;
    this.maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
    const isolateAfterFailures = options.isolateAfterFailures ?? 3;
    if (!Number.isInteger(isolateAfterFailures) || isolateAfterFailures < 1) {
      throw new RangeError(
        `isolateAfterFailures must be a positive integer, got ${String(options.isolateAfterFailures)}`,
      );
    }
    this.commits = new TailBatchCommitter({
      batchRecords: options.batchRecords,
      ingest: options.ingest,
      checkpoints: options.checkpoints,
      metrics: options.metrics,
      log: this.log,
      isolateAfterFailures,
    });
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
    const matched = await listMatchedFiles(this.options.patterns);
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
          file = (await openTrackedFile(fileId, path, this.options.checkpoints)) ?? undefined;
          if (!file) return;
          this.log.info({ path, offset: file.offset, line: file.lines }, 'following log file');
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
      restartFile(file);
    } else if (file.offset > 0 && (await headSha256(file, file.offset)) !== file.headSha256) {
      this.log.info({ path: file.path, offset: file.offset }, 'log file rewritten');
      restartFile(file);
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
    const end = await findNewline(file.handle, file.offset + this.maxLineBytes, size);
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
    await this.commits.commit(file, [], [], next, line);
    return true;
  }

  /** Ingests `bytes` (starting at the file's offset) line by line, in batches. */
  private async ingestLines(file: TrackedFile, bytes: Buffer): Promise<void> {
    const batches = lineBatches(bytes, file.offset, file.lines, this.options.batchRecords);
    for (const batch of batches) {
      // A stop leaves the uncommitted rest for later.
      if (this.stopping) return;
      await this.commits.store(file, batch);
    }
  }
}
