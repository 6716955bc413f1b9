/**
 * Encoding of values for PostgreSQL's COPY text format: tab-separated fields,
 * `\N` for NULL, and backslash escapes for the characters that would break a
 * line. Arrays use PostgreSQL's array literal syntax inside the field.
 */

const NULL_FIELD = '\\N';

/** Escapes a text value for a COPY text-format field. */
export function copyEscape(value: string): string {
  // Fast path: most values (ids, category names) need no escaping.
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

export function copyText(value: string | null | undefined): string {
  return value === null || value === undefined ? NULL_FIELD : copyEscape(value);
}

/**
 * String() of a finite double is its shortest round-trip form, which float8
 * reads back exactly — except for -0, which String() writes as "0".
 */
function numberText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

export function copyNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? NULL_FIELD : numberText(value);
}

/** float8[] literal; missing values as NULL elements. */
export function copyNumberArray(values: readonly (number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) out += ',';
    const value = values[i];
    out += value === null || value === undefined ? 'NULL' : numberText(value);
  }
  return `${out}}`;
}

function quoteArrayElement(value: string): string {
  // Inside an array literal, quote anything that is not a plain token:
  // empty strings, the word NULL, and values with delimiters, quotes,
  // backslashes or white space.
  if (value.length > 0 && !/[{}",\\\s]/.test(value) && value.toUpperCase() !== 'NULL') {
    return value;
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** text[] literal, escaped for a COPY field; missing values as NULL elements. */
export function copyTextArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) out += ',';
    const value = values[i];
    out += value === null || value === undefined ? 'NULL' : quoteArrayElement(value);
  }
  return copyEscape(`${out}}`);
}
