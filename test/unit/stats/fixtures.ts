/** Loads the SciPy golden values written by test/fixtures/stats/generate.py. */
import { readFileSync } from 'node:fs';

export function loadFixture<T>(name: string): T[] {
  const url = new URL(`../../fixtures/stats/${name}`, import.meta.url);
  const parsed = JSON.parse(readFileSync(url, 'utf8')) as { cases: T[] };
  return parsed.cases;
}

/** |actual − expected| / |expected|, or |actual| when expected is 0. */
export function relativeError(actual: number, expected: number): number {
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual - expected) / Math.abs(expected);
}

/**
 * Asserts `actual` is within `rtol` of `expected` (relative), with an
 * absolute floor `atol` for values SciPy itself reports as (near) zero.
 */
export function expectClose(
  actual: number,
  expected: number,
  rtol: number,
  label: string,
  atol = 0,
): void {
  const ok = Math.abs(actual - expected) <= Math.max(rtol * Math.abs(expected), atol);
  if (!ok) {
    throw new Error(
      `${label}: got ${actual}, SciPy ${expected} (relative error ${relativeError(actual, expected).toExponential(2)}, tolerance ${rtol})`,
    );
  }
}
