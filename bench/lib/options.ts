/** Command-line options and printing shared by the benchmarks. */

/** `value` as an integer > 0 (≥ 0 with `allowZero`), else an error naming `--name`. */
export function positiveInt(name: string, value: string | undefined, allowZero = false): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || (parsed === 0 && !allowZero)) {
    throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
  return parsed;
}

/** 1234567.8 → "1,234,568". */
export const fmtInt = (value: number): string => Math.round(value).toLocaleString('en');
