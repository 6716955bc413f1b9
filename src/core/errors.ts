/**
 * Errors with stable codes. Callers match on `code`, never on message text;
 * the HTTP layer maps codes to statuses in one place (src/http/errorMapping.ts).
 */

export type ErrorCode =
  | 'config_invalid'
  | 'validation_failed'
  | 'bad_request'
  | 'body_unparseable'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'database_unavailable'
  | 'schema_changed'
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable detail returned to API clients. */
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', message, { details });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, { details });
  }
}

export class DatabaseUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('database_unavailable', message, { cause });
  }
}

export class ConfigError extends AppError {
  /** Every problem found, one line each, so start-up lists them all at once. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super('config_invalid', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}
