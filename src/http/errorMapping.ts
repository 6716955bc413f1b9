/**
 * The one place where errors become HTTP responses. Codes are stable; the
 * status for each is decided here and nowhere else.
 */
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../core/errors.js';
import { isConnectionError } from '../storage/pool.js';

const STATUS: Record<ErrorCode, number> = {
  config_invalid: 500,
  validation_failed: 400,
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

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Errors thrown by express's own body parser carry `type` and `status`. */
function fromBodyParser(error: unknown): AppError | null {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.parse.failed') {
    return new AppError(
      'body_unparseable',
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (type === 'entity.too.large') return new AppError('body_too_large', 'the body is too large');
  if (type === 'encoding.unsupported') {
    return new AppError('unsupported_media_type', (error as Error).message);
  }
  return null;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const parsed = fromBodyParser(error);
  if (parsed) return parsed;
  if (isConnectionError(error))
    return new AppError('database_unavailable', 'the database is unavailable', { cause: error });
  return new AppError('internal', 'internal error', { cause: error });
}

export function sendError(res: Response, error: AppError): void {
  const status = STATUS[error.code];
  const retryAfter = RETRY_AFTER_SECONDS[error.code];
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  if (error.code === 'body_too_large') {
    // The rest of the upload is not read: close the connection after replying.
    res.setHeader('Connection', 'close');
  }
  if (error.code === 'unauthenticated') res.setHeader('WWW-Authenticate', 'Bearer');
  const details =
    error.details !== null && typeof error.details === 'object' && !Array.isArray(error.details)
      ? (error.details as Record<string, unknown>)
      : {};
  res.status(status).json({ ...details, error: { code: error.code, message: error.message } });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
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
    sendError(res, appError);
  };
}
