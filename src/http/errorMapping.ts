/**
 * The one place where errors become HTTP responses. Codes are stable; the
 * status for each is decided here and nowhere else. Every error answer is the
 * JSON error shape — also when building it fails — and none carries a stack
 * trace or a file path.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../core/errors.js';
import { isConnectionError } from '../storage/pool.js';
import { isUnstorableTextError } from '../storage/unstorableText.js';

const STATUS: Record<ErrorCode, number> = {
  config_invalid: 500,
  validation_failed: 400,
  bad_request: 400,
  body_unparseable: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  database_unavailable: 503,
  schema_changed: 503,
  internal: 500,
};

/** Seconds a client should wait before retrying, for the retryable statuses. */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = {
  database_unavailable: 5,
  schema_changed: 1,
};

/**
 * Most bytes of an unread request body read and discarded after an early
 * error so that the connection can serve the client's next request; past it
 * (or after DRAIN_TIMEOUT_MS) the connection is closed after the answer.
 */
const DRAIN_LIMIT_BYTES = 1024 * 1024;
const DRAIN_TIMEOUT_MS = 2_000;

/** Written as it is when even the error answer cannot be built. */
const LAST_RESORT_BODY = '{"error":{"code":"internal","message":"internal error"}}';

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Errors thrown by express and its body parser carry `type` and `status`. */
function fromExpress(error: unknown): AppError | null {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.parse.failed') {
    return new AppError(
      'body_unparseable',
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (type === 'entity.too.large') return new AppError('body_too_large', 'the body is too large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', (error as Error).message);
  }
  // Other client errors of express (a path that does not decode, an aborted
  // body…) are marked `expose` with a 4xx status and a message fit to show.
  const status = (error as { status?: unknown }).status;
  const expose = (error as { expose?: unknown }).expose;
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    return new AppError('bad_request', (error as Error).message);
  }
  return null;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fromFramework = fromExpress(error);
  if (fromFramework) return fromFramework;
  if (isConnectionError(error))
    return new AppError('database_unavailable', 'the database is unavailable', { cause: error });
  // Defence in depth: input is checked before it reaches PostgreSQL, so this
  // means a check is missing somewhere — still the client's text, not a fault.
  if (isUnstorableTextError(error)) {
    return new AppError('bad_request', 'the request holds text that cannot be stored', {
      cause: error,
    });
  }
  return new AppError('internal', 'internal error', { cause: error });
}

/**
 * True when the request body has not been read to its end (an error raised
 * before or while reading it). Answering then and keeping the connection
 * would leave the rest of the body to be read as the client's next request.
 */
function bodyUnread(req: Request): boolean {
  return !req.complete && !req.readableEnded && !req.destroyed;
}

/**
 * Reads and discards the rest of the body, up to DRAIN_LIMIT_BYTES and
 * DRAIN_TIMEOUT_MS. Resolves true when the body ended, so that the
 * connection can be kept; false when it must be closed.
 */
function drain(req: Request): Promise<boolean> {
  return new Promise((resolve) => {
    let read = 0;
    const finish = (drained: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onClose);
      if (!drained) req.pause();
      resolve(drained);
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > DRAIN_LIMIT_BYTES) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onFail = (): void => finish(false);
    const onClose = (): void => finish(req.complete);
    const timer = setTimeout(() => finish(false), DRAIN_TIMEOUT_MS);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFail);
    req.once('close', onClose);
    // A body piped elsewhere (gunzip) was unpiped when its reader stopped.
    req.resume();
  });
}

function errorBody(error: AppError): string {
  const details =
    error.details !== null && typeof error.details === 'object' && !Array.isArray(error.details)
      ? (error.details as Record<string, unknown>)
      : {};
  return JSON.stringify({ ...details, error: { code: error.code, message: error.message } });
}

/**
 * Sends the error answer. `keepConnection` false adds `Connection: close`, so
 * that unread body bytes never pose as the next request.
 */
export function sendError(res: Response, error: AppError, keepConnection = true): void {
  const status = STATUS[error.code];
  let body: string;
  try {
    body = errorBody(error);
  } catch {
    // Details that do not serialise (a cycle, a BigInt) are dropped, not fatal.
    body = JSON.stringify({ error: { code: error.code, message: error.message } });
  }
  const retryAfter = RETRY_AFTER_SECONDS[error.code];
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  if (error.code === 'unauthenticated') res.setHeader('WWW-Authenticate', 'Bearer');
  if (!keepConnection || error.code === 'body_too_large') res.setHeader('Connection', 'close');
  res.status(status).type('application/json').send(body);
}

/** The fixed answer when building the real one failed. */
function sendLastResort(res: Response): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = 500;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Connection', 'close');
    res.end(LAST_RESORT_BODY);
  } catch {
    res.destroy();
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  // Never passes the error on: express's own handler answers in HTML, with
  // the stack trace outside production. (Four parameters: express tells an
  // error handler by its arity.)
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      // Part of a success answer went out; all that is left is to cut it.
      logger.error({ err: error, method: req.method, path: req.path }, 'response failed');
      res.destroy();
      return;
    }
    void answer(error, req, res).catch((failure: unknown) => {
      sendLastResort(res);
      try {
        logger.error({ err: failure, method: req.method }, 'error answer failed');
      } catch {
        // Nothing is left to tell it to; the client has its answer.
      }
    });
  };

  async function answer(error: unknown, req: Request, res: Response): Promise<void> {
    const appError = toAppError(error);
    const status = STATUS[appError.code];
    if (status >= 500) {
      logger.error(
        { err: error, method: req.method, path: req.path, code: appError.code },
        'request failed',
      );
    } else {
      logger.debug(
        { method: req.method, path: req.path, code: appError.code, msg: appError.message },
        'request refused',
      );
    }
    const keepConnection =
      appError.code !== 'body_too_large' && (!bodyUnread(req) || (await drain(req)));
    if (res.headersSent || res.destroyed) return;
    sendError(res, appError, keepConnection);
  }
}
