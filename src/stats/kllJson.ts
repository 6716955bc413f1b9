/**
 * The JSON form of a KLL sketch (see `kll.ts`), for a jsonb column, and the
 * check that reads it back: `KllSketch.toJSON` writes {@link KllSketchJson},
 * `KllSketch.fromJSON` passes an unknown value through
 * {@link validateKllSketchJson} and restores the state it returns.
 */
import { KLL_MAX_K, KLL_MIN_K, MAX_LEVELS, maxLevels, totalCapacity } from './kllBounds.js';
import { StatisticsInputError } from './validate.js';

/** Version of {@link KllSketchJson}. */
export const KLL_JSON_VERSION = 1;

/**
 * The plain-object form of a sketch (for a jsonb column), written by
 * `KllSketch.toJSON` and checked by `KllSketch.fromJSON`.
 *
 * ```json
 * { "version": 1, "k": 200, "n": 1000, "min": -3.1, "max": 2.9,
 *   "levels": [[0.4, -1.2], [], [-2.2, 0.1, 1.7]], "compactions": [120, 58, 0] }
 * ```
 */
export interface KllSketchJson {
  version: 1;
  k: number;
  /** Number of values the sketch summarises. */
  n: number;
  /** Exact minimum and maximum; null when n = 0. */
  min: number | null;
  max: number | null;
  /** `levels[h]`: items of weight 2^h; level 0 in arrival order, the others ascending. */
  levels: number[][];
  /** `compactions[h]`: compactions performed at level h (they give the error bound). */
  compactions: number[];
}

/** A sketch's contents as {@link validateKllSketchJson} returns them; -0 is read as 0. */
export interface KllSketchState {
  k: number;
  n: number;
  /** Exact minimum and maximum; NaN when n = 0 (as `KllSketch.min` and `max`). */
  min: number;
  max: number;
  /** `levels[h]`: the items of weight 2^h (fresh arrays); level 0 in arrival order, the others ascending. */
  levels: Float64Array[];
  /** `compactions[h]`: compactions performed at level h (a fresh array). */
  compactions: number[];
}

/**
 * Checks every field of a value read back as a {@link KllSketchJson}: the
 * version, k, n (= Σ |levels[h]|·2^h), min ≤ every item ≤ max (null when
 * n = 0), levels above 0 ascending, one compaction count per level, no more
 * levels than n values can open and no more items than they hold.
 * @throws StatisticsInputError (argument `json`) naming the first bad field.
 */
export function validateKllSketchJson(json: unknown): KllSketchState {
  const fail = (message: string): never => {
    throw new StatisticsInputError('json', `invalid KLL sketch JSON: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(`expected an object, got ${json === null ? 'null' : typeof json}`);
  }
  const record = json as Record<string, unknown>;
  const keys = ['version', 'k', 'n', 'min', 'max', 'levels', 'compactions'];
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) fail(`unknown field ${JSON.stringify(key)}`);
  }
  const { version, k, n, min, max, levels, compactions } = record;
  if (version !== KLL_JSON_VERSION) {
    fail(`version must be ${KLL_JSON_VERSION}, got ${JSON.stringify(version)}`);
  }
  if (typeof k !== 'number' || !Number.isInteger(k) || k < KLL_MIN_K || k > KLL_MAX_K) {
    fail(`k must be an integer in [${KLL_MIN_K}, ${KLL_MAX_K}], got ${JSON.stringify(k)}`);
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    fail(`n must be an integer >= 0, got ${JSON.stringify(n)}`);
  }
  const kk = k as number;
  const nn = n as number;
  if (!Array.isArray(levels) || levels.length < 1 || levels.length > MAX_LEVELS) {
    fail(`levels must be an array of 1 to ${MAX_LEVELS} arrays`);
  }
  const levelArrays = levels as unknown[];
  if (
    !Array.isArray(compactions) ||
    compactions.length !== levelArrays.length ||
    !compactions.every((c) => typeof c === 'number' && Number.isSafeInteger(c) && c >= 0)
  ) {
    fail(`compactions must hold one integer >= 0 per level (${levelArrays.length})`);
  }
  if (nn === 0) {
    if (min !== null || max !== null) fail('min and max must be null when n = 0');
  } else {
    for (const [name, v] of [
      ['min', min],
      ['max', max],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail(`${name} must be a finite number when n > 0, got ${JSON.stringify(v)}`);
      }
    }
    if ((min as number) > (max as number)) fail(`min ${String(min)} > max ${String(max)}`);
  }
  const lowest = nn === 0 ? -Infinity : (min as number);
  const highest = nn === 0 ? Infinity : (max as number);
  let weight = 0;
  let retained = 0;
  const parsed: Float64Array[] = [];
  for (let h = 0; h < levelArrays.length; h++) {
    const level = levelArrays[h];
    if (!Array.isArray(level)) return fail(`levels[${h}] must be an array`);
    const items = new Float64Array(level.length);
    for (let i = 0; i < level.length; i++) {
      const v: unknown = level[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail(`levels[${h}][${i}] must be a finite number, got ${JSON.stringify(v)}`);
      }
      const value = (v as number) === 0 ? 0 : (v as number);
      if (value < lowest || value > highest) {
        fail(`levels[${h}][${i}] = ${value} lies outside [min, max]`);
      }
      if (h > 0 && i > 0 && value < items[i - 1]!) {
        fail(`levels[${h}] must be ascending, but item ${i} (${value}) < item ${i - 1}`);
      }
      items[i] = value;
    }
    parsed.push(items);
    weight += level.length * 2 ** h;
    retained += level.length;
  }
  if (weight !== nn) fail(`the items' total weight Σ|levels[h]|·2^h = ${weight} ≠ n = ${nn}`);
  if (levelArrays.length > maxLevels(kk, nn)) {
    fail(`${levelArrays.length} levels is more than ${nn} values can open with k = ${kk}`);
  }
  if (retained > totalCapacity(kk, levelArrays.length)) {
    fail(`${retained} items exceed the capacity of ${levelArrays.length} levels with k = ${kk}`);
  }
  return {
    k: kk,
    n: nn,
    min: nn === 0 ? Number.NaN : (min as number) === 0 ? 0 : (min as number),
    max: nn === 0 ? Number.NaN : (max as number) === 0 ? 0 : (max as number),
    levels: parsed,
    compactions: (compactions as number[]).slice(),
  };
}
