/**
 * The JSON form of a minute summary (stored as jsonb) and its validating
 * reader. Names and categories are kept in arrays of entries, never as object
 * keys, so no value (`__proto__`, say) can collide with an object's own keys.
 *
 *     { "format": 1, "rows": 3, "seed": 123, "k": 200, "maxCategories": 1000,
 *       "score": { "count": 3, "missing": 0, "min": 0.1, "max": 0.9, "sum": 1.5,
 *                  "sumSquares": 0.91, "sketch": { "k": 200, "n": 3, "min": 0.1,
 *                  "max": 0.9, "compactions": [0], "levels": ["<base64, float64 LE>"] } },
 *       "numeric": [{ "name": "tenure", …same fields as score }],
 *       "categorical": [{ "name": "plan", "count": 3, "missing": 0,
 *                         "counts": [["basic", 2], ["pro", 1]], "other": 0 }] }
 */
import { KllSketch } from '../../stats/kll.js';
import { KLL_JSON_VERSION } from '../../stats/kllJson.js';
import { featureSeed, fnv1a32 } from './seed.js';
import {
  MINUTE_SUMMARY_FORMAT,
  MinuteSummaryError,
  type CategoricalMinute,
  type MinuteSummary,
  type NumericMinute,
} from './types.js';

/**
 * A KLL sketch as stored: `KllSketchJson` (stats/kllJson.ts) with each level
 * as the base64 of its float64 items (little-endian: the byte order of every
 * platform Node supports here). Exact, and cheaper for
 * PostgreSQL, which parses every JSON number of a jsonb value into `numeric`
 * (bench/minuteSummaries.ts --database: 2.1–2.7 against 3.5–4.9 µs of
 * backend CPU per ingested record for bench-shaped batches).
 */
export interface StoredSketchJson {
  k: number;
  n: number;
  min: number | null;
  max: number | null;
  compactions: number[];
  levels: string[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// One scratch view for encoding (synchronous, so never shared mid-use), grown
// as needed: a new buffer per level cost more than the encoding itself.
let scratchItems = new Float64Array(1_024);
let scratchBytes = Buffer.from(scratchItems.buffer);

function levelBase64(items: readonly number[]): string {
  if (scratchItems.length < items.length) {
    scratchItems = new Float64Array(items.length * 2);
    scratchBytes = Buffer.from(scratchItems.buffer);
  }
  for (let i = 0; i < items.length; i++) scratchItems[i] = items[i]!;
  return scratchBytes.toString('base64', 0, items.length * 8);
}

function sketchJson(sketch: KllSketch): StoredSketchJson {
  const json = sketch.toJSON();
  return {
    k: json.k,
    n: json.n,
    min: json.min,
    max: json.max,
    compactions: json.compactions,
    levels: json.levels.map(levelBase64),
  };
}

export interface NumericMinuteJson {
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  sum: number;
  sumSquares: number;
  sketch: StoredSketchJson;
}

export interface MinuteSummaryJson {
  format: typeof MINUTE_SUMMARY_FORMAT;
  rows: number;
  seed: number;
  k: number;
  maxCategories: number;
  score: NumericMinuteJson;
  numeric: (NumericMinuteJson & { name: string })[];
  categorical: {
    name: string;
    count: number;
    missing: number;
    counts: [string, number][];
    other: number;
  }[];
}

function numericJson(minute: NumericMinute): NumericMinuteJson {
  const empty = minute.count === 0;
  return {
    count: minute.count,
    missing: minute.missing,
    min: empty ? null : minute.min,
    max: empty ? null : minute.max,
    sum: minute.sum,
    sumSquares: minute.sumSquares,
    sketch: sketchJson(minute.sketch),
  };
}

export function encodeMinuteSummary(summary: MinuteSummary): MinuteSummaryJson {
  return {
    format: MINUTE_SUMMARY_FORMAT,
    rows: summary.rows,
    seed: summary.seed,
    k: summary.k,
    maxCategories: summary.maxCategories,
    score: numericJson(summary.score),
    numeric: [...summary.numeric].map(([name, minute]) => ({ name, ...numericJson(minute) })),
    categorical: [...summary.categorical].map(([name, minute]) => ({
      name,
      count: minute.count,
      missing: minute.missing,
      counts: [...minute.counts],
      other: minute.other,
    })),
  };
}

function fail(path: string, message: string): never {
  throw new MinuteSummaryError(`minute summary ${path}: ${message}`);
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path, 'must be an object');
  }
  return value as Record<string, unknown>;
}

function countAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(path, `must be an integer >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function finiteAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(path, `must be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nameAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string');
  return value;
}

function arrayAt(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value;
}

function levelItems(text: unknown, path: string): number[] {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) {
    fail(path, 'must be base64 text');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) fail(path, `decodes to ${bytes.length} bytes, not whole float64s`);
  const items = new Float64Array(bytes.length / 8);
  new Uint8Array(items.buffer).set(bytes);
  return Array.from(items);
}

/** The sketch back from its stored form; KllSketch.fromJSON checks the rest. */
function decodeSketch(value: unknown, path: string, seed: number): KllSketch {
  const json = objectAt(value, path);
  const levels = arrayAt(json.levels, `${path}.levels`).map((level, h) =>
    levelItems(level, `${path}.levels[${h}]`),
  );
  try {
    return KllSketch.fromJSON(
      {
        version: KLL_JSON_VERSION,
        k: json.k,
        n: json.n,
        min: json.min,
        max: json.max,
        levels,
        compactions: json.compactions,
      },
      { seed },
    );
  } catch (error) {
    fail(path, error instanceof Error ? error.message : String(error));
  }
}

function decodeNumeric(value: unknown, path: string, rows: number, seed: number): NumericMinute {
  const json = objectAt(value, path);
  const count = countAt(json.count, `${path}.count`);
  const missing = countAt(json.missing, `${path}.missing`);
  if (count + missing !== rows)
    fail(path, `count + missing = ${count + missing}, not rows = ${rows}`);
  const sum = finiteAt(json.sum, `${path}.sum`);
  const sumSquares = finiteAt(json.sumSquares, `${path}.sumSquares`);
  if (sumSquares < 0) fail(`${path}.sumSquares`, 'must be >= 0');
  const sketch = decodeSketch(json.sketch, `${path}.sketch`, seed);
  if (sketch.n !== count) fail(`${path}.sketch`, `holds ${sketch.n} values, not count = ${count}`);
  if (count === 0) {
    if (json.min !== null || json.max !== null)
      fail(path, 'min and max must be null when count = 0');
    return { count, missing, min: Infinity, max: -Infinity, sum, sumSquares, sketch };
  }
  const min = finiteAt(json.min, `${path}.min`);
  const max = finiteAt(json.max, `${path}.max`);
  if (min !== sketch.min || max !== sketch.max) fail(path, 'min and max differ from the sketch');
  return { count, missing, min, max, sum, sumSquares, sketch };
}

function decodeCategorical(
  value: unknown,
  path: string,
  rows: number,
  maxCategories: number,
): {
  name: string;
  minute: CategoricalMinute;
} {
  const json = objectAt(value, path);
  const name = nameAt(json.name, `${path}.name`);
  const count = countAt(json.count, `${path}.count`);
  const missing = countAt(json.missing, `${path}.missing`);
  if (count + missing !== rows)
    fail(path, `count + missing = ${count + missing}, not rows = ${rows}`);
  const other = countAt(json.other, `${path}.other`);
  const entries = arrayAt(json.counts, `${path}.counts`);
  if (entries.length > maxCategories) {
    fail(`${path}.counts`, `holds ${entries.length} categories, more than maxCategories`);
  }
  const counts = new Map<string, number>();
  let total = other;
  entries.forEach((entry, i) => {
    const at = `${path}.counts[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      fail(at, 'must be a [category, count] pair');
    }
    const category = entry[0];
    const n = countAt(entry[1], `${at}[1]`);
    if (n === 0) fail(`${at}[1]`, 'must be >= 1');
    if (counts.has(category)) fail(at, `repeats category ${JSON.stringify(category)}`);
    counts.set(category, n);
    total += n;
  });
  if (total !== count) fail(path, `category counts + other = ${total}, not count = ${count}`);
  return { name, minute: { count, missing, counts, other } };
}

/**
 * Reads a summary back from {@link encodeMinuteSummary}'s form, checking
 * every field and the sums that tie them together.
 * @throws MinuteSummaryError naming the first bad field.
 */
export function decodeMinuteSummary(value: unknown): MinuteSummary {
  const json = objectAt(value, '');
  if (json.format !== MINUTE_SUMMARY_FORMAT) {
    fail('.format', `must be ${MINUTE_SUMMARY_FORMAT}, got ${JSON.stringify(json.format)}`);
  }
  const rows = countAt(json.rows, '.rows');
  const seed = countAt(json.seed, '.seed');
  if (seed > 0xffffffff) fail('.seed', 'must be a 32-bit unsigned integer');
  const k = countAt(json.k, '.k');
  const maxCategories = countAt(json.maxCategories, '.maxCategories');
  if (maxCategories < 1) fail('.maxCategories', 'must be >= 1');
  const score = decodeNumeric(json.score, '.score', rows, featureSeed(seed, 0));
  if (score.sketch.k !== k) fail('.score.sketch', `k = ${score.sketch.k}, not ${k}`);
  const numeric = new Map<string, NumericMinute>();
  arrayAt(json.numeric, '.numeric').forEach((entry, i) => {
    const path = `.numeric[${i}]`;
    const name = nameAt(objectAt(entry, path).name, `${path}.name`);
    if (numeric.has(name)) fail(path, `repeats feature ${JSON.stringify(name)}`);
    const minute = decodeNumeric(entry, path, rows, featureSeed(seed, fnv1a32(name)));
    if (minute.sketch.k !== k) fail(`${path}.sketch`, `k = ${minute.sketch.k}, not ${k}`);
    numeric.set(name, minute);
  });
  const categorical = new Map<string, CategoricalMinute>();
  arrayAt(json.categorical, '.categorical').forEach((entry, i) => {
    const { name, minute } = decodeCategorical(entry, `.categorical[${i}]`, rows, maxCategories);
    if (categorical.has(name))
      fail(`.categorical[${i}]`, `repeats feature ${JSON.stringify(name)}`);
    categorical.set(name, minute);
  });
  return { rows, seed, k, maxCategories, score, numeric, categorical };
}
