/**
 * Why a record was rejected: the fixed set of codes (also metric label
 * values), the rejection shape, and the mapping of a zod issue to it.
 */
import type { z } from 'zod';
import { issueWhere } from '../core/schemaIssues.js';

/** Why a record was rejected. A fixed set: these are also metric label values. */
export const REJECT_CODES = [
  'invalid_json',
  'not_an_object',
  'missing_field',
  'unknown_field',
  'wrong_type',
  'non_finite',
  'bad_value',
  'too_long',
  'bad_timestamp',
  'unknown_model',
  'unknown_version',
  'unknown_feature',
] as const;

export type RejectCode = (typeof REJECT_CODES)[number];

export interface Rejection {
  index: number;
  code: RejectCode;
  message: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function reject(
  index: number,
  code: RejectCode,
  message: string,
): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { index, code, message } };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function issueToRejection(
  index: number,
  issue: z.core.$ZodIssue,
  value: unknown,
): { ok: false; rejection: Rejection } {
  const field = issueWhere(issue.path, '');
  if (issue.code === 'unrecognized_keys') {
    return reject(
      index,
      'unknown_field',
      `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`,
    );
  }
  if (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
    valueAt(value, issue.path) === undefined
  ) {
    return reject(index, 'missing_field', `missing required field "${field}"`);
  }
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    return reject(index, 'wrong_type', `${field}: ${issue.message}`);
  }
  return reject(index, 'bad_value', `${field}: ${issue.message}`);
}
