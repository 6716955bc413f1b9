/**
 * The two ways a registered model fails to score: it cannot be used as
 * registered ({@link ModelLoadError}, configuration), or onnxruntime fails on
 * inputs that passed every check ({@link ModelRunError}, a runtime fault).
 */
import { AppError } from '../core/errors.js';

export type ModelLoadFailure =
  | 'path_outside_models_dir'
  | 'missing_file'
  | 'unreadable_file'
  | 'sha256_mismatch'
  | 'invalid_graph'
  | 'unknown_input'
  | 'unknown_output'
  | 'unsupported_output'
  | 'input_mismatch'
  | 'closed';

/**
 * A model version's artifact cannot be used as registered. `reason` is stable
 * for callers and metrics; the message names the model, the file and the fix.
 */
export class ModelLoadError extends AppError {
  readonly reason: ModelLoadFailure;

  constructor(
    reason: ModelLoadFailure,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('conflict', message, { cause: options.cause, details: { reason, ...options.details } });
    this.reason = reason;
  }
}

/** `session.run` failed on inputs that passed every check (a runtime fault, not configuration). */
export class ModelRunError extends AppError {
  constructor(message: string, cause: unknown) {
    super('internal', message, { cause });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
