/**
 * A followed log file and its identity. A file is known by (dev, ino), not by
 * path, so a file renamed by rotation keeps its read offset; the sha256 of its
 * first `TAIL_HEAD_BYTES` bytes, saved with the offset, tells a file rewritten
 * in place (copytruncate) from the one that was read.
 */
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { TAIL_HEAD_BYTES, type TailCheckpoints } from '../storage/tailCheckpoints.js';
import { expandFilePatterns } from './fileGlob.js';

export interface TrackedFile {
  /** `dev:ino`. */
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

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Files the patterns match, by id (`dev:ino`), oldest modification first, so rotated files go first. */
export async function listMatchedFiles(patterns: readonly string[]): Promise<Map<string, string>> {
  const found: { fileId: string; path: string; mtimeNs: bigint }[] = [];
  for (const path of await expandFilePatterns(patterns)) {
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

/**
 * Opens the file `fileId` at `path`, resuming at its saved checkpoint when the
 * file still starts as it did. Null when it is gone or was replaced since it
 * was listed (the next poll sees the new file).
 */
export async function openTrackedFile(
  fileId: string,
  path: string,
  checkpoints: Pick<TailCheckpoints, 'load'>,
): Promise<TrackedFile | null> {
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
    const saved = await checkpoints.load(fileId);
    if (saved && (await headSha256(file, saved.offsetBytes)) === saved.headSha256) {
      file.offset = saved.offsetBytes;
      file.lines = saved.lines;
      file.headSha256 = saved.headSha256;
    }
    return file;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Reads the file from its start again (it was truncated or rewritten). */
export function restartFile(file: TrackedFile): void {
  file.offset = 0;
  file.lines = 0;
  file.headSha256 = EMPTY_SHA256;
}

/** sha256 of the file's first `min(offset, TAIL_HEAD_BYTES)` bytes. */
export async function headSha256(file: TrackedFile, offset: number): Promise<string> {
  const length = Math.min(offset, TAIL_HEAD_BYTES);
  if (length === 0) return EMPTY_SHA256;
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.handle.read(buffer, 0, length, 0);
  return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex');
}
