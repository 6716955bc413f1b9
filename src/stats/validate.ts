/**
 * Input checks shared by every statistic. A NaN or an Infinity that slipped
 * into a sample would silently turn a p-value into NaN (or worse, into a
 * plausible-looking number), so every public function checks its inputs and
 * says which argument, which index and which value was wrong.
 */
import { sortFloat64InPlace } from './sort.js';

/** Thrown when a statistic is given an input it cannot be computed from. */
export class StatisticsInputError extends RangeError {
  /** Name of the offending argument, e.g. `a` or `referenceCounts`. */
  readonly argument: string;
  /** Index (or key) of the offending element, when one element is to blame. */
  readonly index: number | string | undefined;
  /** The offending value, when one element is to blame. */
  readonly value: unknown;

  constructor(argument: string, message: string, index?: number | string, value?: unknown) {
    super(message);
    this.name = 'StatisticsInputError';
    this.argument = argument;
    this.index = index;
    this.value = value;
  }
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : `${typeof value} ${JSON.stringify(value)}`;
}

/** Throws unless `value` is a finite number. */
export function assertFiniteNumber(argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatisticsInputError(
      argument,
      `${argument} must be a finite number, got ${describe(value)}`,
      undefined,
      value,
    );
  }
}

/**
 * Copies a sample into a new Float64Array, throwing on the first element that
 * is not a finite number.
 */
export function finiteSample(
  argument: string,
  values: ArrayLike<number>,
  options: { allowEmpty?: boolean } = {},
): Float64Array {
  const n = values.length;
  if (n === 0 && options.allowEmpty !== true) {
    throw new StatisticsInputError(argument, `${argument} must not be empty`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatisticsInputError(
        argument,
        `${argument}[${i}] is ${describe(v)}; every value must be a finite number`,
        i,
        v,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Copies and sorts a sample (ascending), validating it first. */
export function sortedSample(
  argument: string,
  values: ArrayLike<number>,
  options: { allowEmpty?: boolean } = {},
): Float64Array {
  return sortFloat64InPlace(finiteSample(argument, values, options));
}

/**
 * Checks that an already sorted sample is non-empty (unless allowed), finite
 * and ascending: one O(n) pass, much cheaper than sorting again.
 */
export function assertSortedSample(
  argument: string,
  values: Float64Array,
  options: { allowEmpty?: boolean } = {},
): void {
  const n = values.length;
  if (n === 0 && options.allowEmpty !== true) {
    throw new StatisticsInputError(argument, `${argument} must not be empty`);
  }
  let previous = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new StatisticsInputError(
        argument,
        `${argument}[${i}] is ${v}; every value must be a finite number`,
        i,
        v,
      );
    }
    if (v < previous) {
      throw new StatisticsInputError(
        argument,
        `${argument} must be sorted ascending, but ${argument}[${i}] = ${v} < ${argument}[${i - 1}] = ${previous}`,
        i,
        v,
      );
    }
    previous = v;
  }
}

/** Checks a vector of non-negative finite weights (counts or proportions). */
export function nonNegativeVector(argument: string, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new StatisticsInputError(
        argument,
        `${argument}[${i}] is ${describe(v)}; every value must be a finite number >= 0`,
        i,
        v,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Checks a category → count map: finite, non-negative counts. */
export function countMap(argument: string, counts: Readonly<Record<string, number>>): void {
  for (const [key, v] of Object.entries(counts)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new StatisticsInputError(
        argument,
        `${argument}[${JSON.stringify(key)}] is ${describe(v)}; every count must be a finite number >= 0`,
        key,
        v,
      );
    }
  }
}

/** Checks that a probability lies in [0, 1]. */
export function assertProbability(argument: string, value: unknown, index?: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    const where = index === undefined ? argument : `${argument}[${index}]`;
    throw new StatisticsInputError(
      argument,
      `${where} is ${describe(value)}; a probability must lie in [0, 1]`,
      index,
      value,
    );
  }
}
