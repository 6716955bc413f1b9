/**
 * The request body as a stream of decompressed chunks, with the size limit
 * applied to the decompressed bytes (a small gzip body can expand a
 * thousandfold) and only the content types and encodings we understand.
 */
import type { Request } from 'express';
import { createGunzip } from 'node:zlib';
import { AppError } from '../core/errors.js';
import {
  JsonArraySplitter,
  NdjsonSplitter,
  type RecordSplitter,
} from '../ingest/recordSplitter.js';

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
]);

export function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The splitter for a record batch's content type. */
export function recordSplitterFor(req: Request): RecordSplitter {
  const type = mediaType(req);
  if (type === 'application/json') return new JsonArraySplitter();
  if (NDJSON_TYPES.has(type)) return new NdjsonSplitter();
  throw new AppError(
    'unsupported_media_type',
    `content type "${type || '(none)'}" is not supported: send application/json (an array of records) or application/x-ndjson`,
  );
}

export async function* requestBody(req: Request, maxBytes: number): AsyncGenerator<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new AppError(
      'unsupported_media_type',
      `content encoding "${encoding}" is not supported: use gzip or none`,
    );
  }
  const declared = Number(req.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    throw new AppError('body_too_large', `the body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  const gunzip = encoding === 'identity' ? null : createGunzip();
  // Stopping early (a limit, a body that cannot be parsed) must not destroy
  // the request: the error answer still has to go out on its connection,
  // and the rest of the body is drained so the connection can be kept.
  const source: AsyncIterable<unknown> = gunzip
    ? req.pipe(gunzip)
    : req.iterator({ destroyOnReturn: false });
  let total = 0;
  try {
    for await (const chunk of source) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > maxBytes) {
        throw new AppError(
          'body_too_large',
          `the ${encoding === 'identity' ? '' : 'decompressed '}body exceeds the limit of ${maxBytes} bytes`,
        );
      }
      yield buffer;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new AppError(
        'body_unparseable',
        `the gzip body is corrupt: ${(error as Error).message}`,
      );
    }
    throw error;
  } finally {
    if (gunzip) {
      req.unpipe(gunzip);
      gunzip.destroy();
    }
  }
}
