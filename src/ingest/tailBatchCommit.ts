/**
 * Storing what the file tailer read: each batch of lines goes in one
 * transaction with the checkpoint (offset, line count, head hash) past it, so
 * a restart neither loses nor re-stores a line. A batch the database keeps
 * failing on — `isolateAfterFailures` failures in a row at the same offset,
 * none of them transient (transientStoreError.ts) — is bisected
 * (failureIsolation.ts): the other lines are stored, each failing line is
 * logged, counted as `rejected` with reason `poisoned` and skipped.
 */
import { AppError } from '../core/errors.js';
import {
  TAIL_HEAD_BYTES,
  type TailCheckpoint,
  type TailCheckpoints,
} from '../storage/tailCheckpoints.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { isolateFailingRecords } from './failureIsolation.js';
import type { IngestService } from './ingestService.js';
import type { LineBatch } from './lineReader.js';
import type { RawRecord } from './recordSplitter.js';
import { headSha256, type TrackedFile } from './trackedFile.js';
import { isTransientStoreError } from './transientStoreError.js';
import type { Rejection } from './rejection.js';

export interface TailBatchCommitOptions {
  /** Most records per transaction; also the most rejections listed per batch. */
  batchRecords: number;
  ingest: Pick<IngestService, 'ingestRecords'>;
  checkpoints: TailCheckpoints;
  metrics: Metrics;
  /** The tailer's logger: bad lines are logged by path and line number. */
  log: Logger;
  /** Failures in a row at one offset before isolating; tries of a single line before skipping it. */
  isolateAfterFailures: number;
}

/**
 * The idempotency key of the lines [fromOffset, toOffset) of a tailed file:
 * the file's identity (device:inode, and the hash of its first bytes, so a
 * reused inode holding another file gets other keys) and the byte range, so
 * the same lines get the same key in any process. The checkpoint committed
 * with the rows already keeps a restart from sending a stored range again;
 * the key is the second guard, the one that also covers sampled-out records
 * (which have no per-record key).
 */
export function tailBatchKey(
  fileId: string,
  headSha256: string,
  fromOffset: number,
  toOffset: number,
): string {
  return `dw-tail-${fileId}-${headSha256.slice(0, 32)}-${fromOffset}-${toOffset}`;
}

export class TailBatchCommitter {
  constructor(private readonly options: TailBatchCommitOptions) {}

  /**
   * Commits a batch. When it fails for the `isolateAfterFailures`-th time in
   * a row at this offset, and not because of an outage, its failing lines are
   * isolated and skipped and the rest is stored; before that, the error goes
   * up and the batch is retried at the next poll.
   */
  async store(file: TrackedFile, batch: LineBatch): Promise<void> {
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
      if (file.failures < this.options.isolateAfterFailures) throw error;
      failure = error;
    }
    this.options.log.warn(
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
      { attemptsPerRecord: this.options.isolateAfterFailures },
    );
  }

  /**
   * Stores one batch and, in the same transaction, the offset after it. A
   * batch without a valid record stores nothing: its offset is saved alone.
   * `lineNumbers` is indexed by the records' `index`.
   */
  async commit(
    file: TrackedFile,
    records: readonly RawRecord[],
    lineNumbers: readonly number[],
    offset: number,
    lines: number,
  ): Promise<void> {
    const { checkpoints, ingest, batchRecords } = this.options;
    const checkpoint: TailCheckpoint = {
      fileId: file.fileId,
      path: file.path,
      offsetBytes: offset,
      lines,
      headSha256:
        Math.min(offset, TAIL_HEAD_BYTES) === Math.min(file.offset, TAIL_HEAD_BYTES)
          ? file.headSha256
          : await headSha256(file, offset),
    };
    if (records.length === 0) {
      await checkpoints.save(checkpoint);
    } else {
      try {
        const result = await ingest.ingestRecords(
          records,
          {},
          {
            source: 'file',
            // Every bad line gets its log line; a batch is at most
            // `batchRecords` lines, so the list stays bounded.
            maxRejectionsListed: batchRecords,
            inTransaction: (client) => checkpoints.save(checkpoint, client),
            batchKey: tailBatchKey(file.fileId, checkpoint.headSha256, file.offset, offset),
          },
        );
        this.reportRejected(file, result.rejected, lineNumbers);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
        const details = error.details as { rejected?: Rejection[] } | undefined;
        this.reportRejected(file, details?.rejected ?? [], lineNumbers);
        await checkpoints.save(checkpoint);
      }
    }
    file.offset = checkpoint.offsetBytes;
    file.lines = checkpoint.lines;
    file.headSha256 = checkpoint.headSha256;
  }

  /** Skips a line the database keeps failing on: offset saved past it, then logged and counted. */
  private async setAside(
    file: TrackedFile,
    line: number,
    end: { offset: number; lines: number },
    error: unknown,
  ): Promise<void> {
    await this.commit(file, [], [], end.offset, end.lines);
    this.options.log.warn(
      { path: file.path, line, code: 'poisoned', reason: errorMessage(error) },
      'bad line in a log file',
    );
    this.options.metrics.ingestRecordsTotal.inc({
      source: 'file',
      outcome: 'rejected',
      reason: 'poisoned',
    });
  }

  /** Bad lines are logged by line number and code, like the HTTP endpoint's `rejected`. */
  private reportRejected(
    file: TrackedFile,
    rejected: readonly Rejection[],
    lineNumbers: readonly number[],
  ): void {
    for (const rejection of rejected) {
      this.options.log.warn(
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
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
