/**
 * Free text of a record (ids, names, categories, status, prediction) must be
 * storable as PostgreSQL `text` and bounded in length. PostgreSQL refuses the
 * NUL character outright, and `pg` encodes a lone UTF-16 surrogate as U+FFFD,
 * so the stored request id would differ from the one the client sent and a
 * retry would no longer be recognised as a duplicate. Both are therefore
 * rejected per record, on every send alike, never stored in an altered form.
 */
export type { TextLimits } from '../core/textLimits.js';

export type TextProblem =
  { code: 'bad_value'; message: string } | { code: 'too_long'; message: string };

// `String.prototype.isWellFormed` (ES2024) is in every Node ≥ 20, but this
// project's TypeScript lib is ES2023.
type WellFormed = { isWellFormed(): boolean };

/** Why `value` cannot be stored as PostgreSQL text, or null when it can. */
export function unstorableReason(value: string): string | null {
  if (value.includes('\u0000')) return 'contains the NUL character (U+0000)';
  if (!(value as unknown as WellFormed).isWellFormed()) {
    return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  }
  return null;
}

/** Code points of a string: a surrogate pair counts once, a lone surrogate once. */
export function codePointLength(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i += 1) {
    if (
      (value.charCodeAt(i) & 0xfc00) === 0xd800 &&
      (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      count -= 1;
      i += 1;
    }
  }
  return count;
}

/**
 * Checks one text field. The length is counted in code points, as zod does,
 * and only computed when the UTF-16 length is over the limit.
 */
export function checkText(field: string, value: string, maxLength: number): TextProblem | null {
  if (value.length > maxLength) {
    const length = codePointLength(value);
    if (length > maxLength) {
      return {
        code: 'too_long',
        message: `${field} is ${length} characters; the limit is ${maxLength}`,
      };
    }
  }
  const reason = unstorableReason(value);
  return reason === null ? null : { code: 'bad_value', message: `${field} ${reason}` };
}

/** Most characters of client-supplied text quoted back in a message. */
const QUOTE_LIMIT = 40;

/**
 * Client text quoted in an error message, shortened so that a response stays
 * small whatever the client sent.
 */
export function quoteForMessage(value: string): string {
  const short =
    value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}… (${value.length} chars)` : value;
  return JSON.stringify(short);
}
