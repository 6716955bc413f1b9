/** Which failures to store tailed lines are outages (retried whole) and which are the lines' fault. */
import { describe, expect, it } from 'vitest';
import { AppError, DatabaseUnavailableError } from '../../../src/core/errors.js';
import { isTransientStoreError } from '../../../src/ingest/transientStoreError.js';

/** A driver error with a SQLSTATE, as pg throws them. */
function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransientStoreError', () => {
  it('holds outages, lost connections and resource errors as transient', () => {
    expect(isTransientStoreError(new DatabaseUnavailableError('down'))).toBe(true);
    expect(isTransientStoreError(new AppError('schema_changed', 'retry'))).toBe(true);
    expect(isTransientStoreError(sqlError('ECONNREFUSED', 'connect ECONNREFUSED'))).toBe(true);
    expect(isTransientStoreError(sqlError('08006', 'connection failure'))).toBe(true);
    expect(isTransientStoreError(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['40001', '40P01', '53100', '53200', '57P01', '58030', '55P03', '25006']) {
      expect(isTransientStoreError(sqlError(code, code))).toBe(true);
    }
  });

  it('holds errors about the rows as not transient', () => {
    expect(isTransientStoreError(sqlError('P0001', 'raised by a trigger'))).toBe(false);
    expect(isTransientStoreError(sqlError('22021', 'invalid byte sequence'))).toBe(false);
    expect(isTransientStoreError(sqlError('23514', 'check constraint'))).toBe(false);
    expect(isTransientStoreError(new TypeError('a bug'))).toBe(false);
    expect(isTransientStoreError(new AppError('internal', 'internal error'))).toBe(false);
    expect(isTransientStoreError('not an error')).toBe(false);
  });
});
