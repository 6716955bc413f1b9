import { AppError } from '../core/errors.js';

/**
 * A check that cannot run for a reason on-call can act on (no reference
 * imported, a configured feature not in the schema…). It is recorded as a
 * run with status `error` and this message.
 */
export class CheckCannotRun extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}
