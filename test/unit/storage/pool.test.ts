import { describe, expect, it } from 'vitest';
import { AppError, DatabaseUnavailableError } from '../../../src/core/errors.js';
import {
  isBrokenConnection,
  isConnectionError,
  isDatabaseUnavailable,
  isQueryCanceled,
  translateDatabaseError,
} from '../../../src/storage/pool.js';

function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

const refused = pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
const readTimeout = pgError('Query read timeout');
const connectTimeout = pgError('timeout exceeded when trying to connect');
const statementTimeout = pgError('canceling statement due to statement timeout', '57014');
const syntax = pgError('syntax error at or near "SELEC"', '42601');

describe('database error classification', () => {
  it('destroys the connection after a broken link or an unanswered query, not after a cancel', () => {
    expect(isBrokenConnection(refused)).toBe(true);
    expect(isBrokenConnection(readTimeout)).toBe(true);
    expect(isBrokenConnection(connectTimeout)).toBe(true);
    expect(isBrokenConnection(pgError('terminating connection', '57P01'))).toBe(true);
    expect(isBrokenConnection(pgError('connection failure', '08006'))).toBe(true);
    expect(isBrokenConnection(statementTimeout)).toBe(false);
    expect(isBrokenConnection(syntax)).toBe(false);
    expect(isBrokenConnection('ECONNREFUSED')).toBe(false);
  });

  it('calls the database unavailable for those and for a cancelled statement', () => {
    for (const error of [refused, readTimeout, connectTimeout, statementTimeout]) {
      expect(isConnectionError(error), error.message).toBe(true);
    }
    expect(isConnectionError(syntax)).toBe(false);
    expect(isQueryCanceled(statementTimeout)).toBe(true);
    expect(isQueryCanceled(readTimeout)).toBe(false);
  });

  it('translates into DatabaseUnavailableError with the cause, saying which limit', () => {
    const timedOut = translateDatabaseError(readTimeout);
    expect(timedOut).toBeInstanceOf(DatabaseUnavailableError);
    expect(timedOut).toMatchObject({
      code: 'database_unavailable',
      message: 'the database did not answer in time',
      cause: readTimeout,
    });
    expect(translateDatabaseError(statementTimeout)).toMatchObject({
      message:
        'the database cancelled the statement (canceling statement due to statement timeout)',
    });
    expect(translateDatabaseError(refused)).toMatchObject({
      message: 'the database is unavailable',
    });
    expect(translateDatabaseError(syntax)).toBe(syntax);
  });

  it('sees through a translated error, and leaves AppErrors as they are', () => {
    const wrapped = translateDatabaseError(readTimeout);
    expect(isBrokenConnection(wrapped)).toBe(true);
    expect(isQueryCanceled(translateDatabaseError(statementTimeout))).toBe(true);
    expect(translateDatabaseError(wrapped)).toBe(wrapped);
    expect(isDatabaseUnavailable(new AppError('database_unavailable', 'down'))).toBe(true);
    expect(isDatabaseUnavailable(new AppError('not_found', 'nope'))).toBe(false);
  });
});
