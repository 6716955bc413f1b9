/** The seeded 100k-row reference and the windows shared by the window-summary tests. */
import type { FeatureSpec } from '../../../../src/core/model.js';
import type { ReferenceProfile } from '../../../../src/core/referenceProfile.js';
import {
  buildReferenceProfile,
  WindowSummaryBuilder,
  type WindowSummary,
} from '../../../../src/drift/index.js';
import { categoricalSample, createRandom, normalSample } from '../helpers.js';

const spec: FeatureSpec[] = [
  { name: 'income', type: 'numeric' },
  { name: 'rooms', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];
export const names = spec.map((s) => s.name);
const REFERENCE_ROWS = 100_000;
const countries = { fr: 5, de: 3, it: 2 };

/** A 100k-row reference: income ~ N(50, 10), rooms = round(N(3, 1.5)) (heavy ties), country. */
export function buildReference(seed: number): ReferenceProfile {
  const random = createRandom(seed);
  const income = normalSample(random, REFERENCE_ROWS, 50, 10);
  const rooms = Array.from(normalSample(random, REFERENCE_ROWS, 3, 1.5), (v) => Math.round(v));
  return buildReferenceProfile(
    spec,
    {
      income: Array.from(income),
      rooms,
      country: categoricalSample(random, REFERENCE_ROWS, countries),
    },
    Array.from(normalSample(random, REFERENCE_ROWS, 0.3, 0.1)),
  );
}

export const reference = buildReference(1);

export interface Window {
  income: (number | null)[];
  rooms: (number | null)[];
  country: (string | null)[];
  score: (number | null)[];
}

/** A window of `rows` rows; `income` draws one income value from a standard normal deviate. */
export function buildWindow(
  seed: number,
  rows: number,
  income: (z: number, u: number) => number,
  options: { roomsShift?: number; countryWeights?: Record<string, number> } = {},
): Window {
  const random = createRandom(seed);
  const window: Window = { income: [], rooms: [], country: [], score: [] };
  const country = categoricalSample(random, rows, options.countryWeights ?? countries);
  for (let i = 0; i < rows; i++) {
    // A few missing values and a few out-of-range ones, so those rows are not trivially 0.
    window.income.push(i % 997 === 0 ? null : income(random.normal(), random.next()));
    window.rooms.push(Math.round(3 + (options.roomsShift ?? 0) + 1.5 * random.normal()));
    window.country.push(i % 1009 === 0 ? 'xx' : i % 499 === 0 ? null : country[i]!);
    window.score.push(0.3 + 0.1 * random.normal());
  }
  return window;
}

export function summarise(
  window: Window,
  from = 0,
  to = window.income.length,
  bins?: number,
): WindowSummary {
  const builder = new WindowSummaryBuilder(reference, names, bins === undefined ? {} : { bins });
  const income = builder.featureIndex('income');
  for (let i = from; i < to; i++) {
    builder.addNumeric(income, window.income[i]);
    builder.addNumeric('rooms', window.rooms[i]);
    builder.addCategorical(2, window.country[i]);
    builder.addScore(window.score[i]);
  }
  return builder.finish();
}
