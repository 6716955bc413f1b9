/**
 * Path segments and query values must decode to text PostgreSQL can store:
 * `%00` would reach a query as a NUL character and fail it with a 500. One
 * check before routing covers every path parameter and query value.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.js';
import { unstorableReason } from '../ingest/textCheck.js';

function decodeSegment(segment: string, position: number): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError(
      'bad_request',
      `path segment ${position} is not valid percent-encoded UTF-8`,
    );
  }
}

function checkQueryValue(name: string, value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    if (reason) throw new AppError('bad_request', `query parameter "${name}" ${reason}`);
    return;
  }
  if (depth > 4 || value === null || typeof value !== 'object') return;
  for (const inner of Object.values(value)) checkQueryValue(name, inner, depth + 1);
}

export function rejectUnstorableUrlText(): RequestHandler {
  return (req, _res, next) => {
    const segments = req.path.split('/');
    segments.forEach((segment, i) => {
      if (!segment.includes('%')) return;
      const reason = unstorableReason(decodeSegment(segment, i));
      if (reason) throw new AppError('bad_request', `path segment ${i} ${reason}`);
    });
    for (const [name, value] of Object.entries(req.query)) {
      const nameReason = unstorableReason(name);
      if (nameReason) throw new AppError('bad_request', `a query parameter name ${nameReason}`);
      checkQueryValue(name, value);
    }
    next();
  };
}
