import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/model.js';
import { evaluateDriftFromColumns } from '../../../src/drift/evaluate.js';
import { buildReferenceProfile, DriftInputError, evaluateDrift } from '../../../src/drift/index.js';
import type { CollectedWindow } from '../../../src/drift/types.js';
import { DriftColumnError } from '../../../src/drift/values.js';
import { categoricalSample, createRandom, normalSample } from './helpers.js';

const spec: FeatureSpec[] = [
  { name: 'income', type: 'numeric' },
  { name: 'age', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];

type Raw = (number | string | null)[];

/** Raw columns with missing values, and the same window collected ahead. */
function fixture(seed: number, incomeShift = 0) {
  const random = createRandom(seed);
  const reference = buildReferenceProfile(
    spec,
    {
      income: Array.from(normalSample(random, 3000, 50, 10)),
      age: Array.from(normalSample(random, 3000, 40, 12)),
      country: categoricalSample(random, 3000, { fr: 5, de: 3, it: 2 }),
    },
    Array.from(normalSample(random, 3000, 0.3, 0.1)),
  );
  const rows = 5000; // above the radix sort's threshold
  const income: Raw = Array.from(normalSample(random, rows, 50 + 10 * incomeShift, 10));
  const age: Raw = Array.from(normalSample(random, rows, 40, 12));
  const country: Raw = categoricalSample(random, rows, { fr: 5, de: 3, it: 2, es: 0.2 });
  const score: (number | null)[] = Array.from(normalSample(random, rows, 0.3, 0.1));
  for (let i = 0; i < rows; i += 9) income[i] = null;
  for (let i = 3; i < rows; i += 17) country[i] = null;
  for (let i = 5; i < rows; i += 23) score[i] = null;
  const raw = { features: { income, age, country }, score };
  return { reference, raw, collected: () => collect(raw, rows) };
}

function numeric(values: readonly (number | string | null)[]) {
  const present = values.filter((v): v is number => v !== null);
  return {
    kind: 'numeric' as const,
    values: Float64Array.from(present),
    missing: values.length - present.length,
  };
}

function collect(
  raw: { features: Record<string, Raw>; score: (number | null)[] },
  rows: number,
): CollectedWindow {
  const counts: Record<string, number> = {};
  let n = 0;
  for (const v of raw.features.country!) {
    if (v === null) continue;
    counts[v as string] = (counts[v as string] ?? 0) + 1;
    n++;
  }
  return {
    rows,
    features: {
      income: numeric(raw.features.income!),
      age: numeric(raw.features.age!),
      country: { kind: 'categorical', counts, n, missing: rows - n },
    },
    score: numeric(raw.score),
  };
}

describe('evaluateDriftFromColumns', () => {
  it('gives the report evaluateDrift gives on the raw columns, missing values included', () => {
    for (const shift of [0, 0.3]) {
      const { reference, raw, collected } = fixture(1 + shift * 10, shift);
      const fromRaw = evaluateDrift({ reference, current: raw });
      const fromColumns = evaluateDriftFromColumns({ reference, current: collected() });
      expect(fromColumns).toEqual(fromRaw);
      expect(fromColumns.results.find((r) => r.test === 'missing_rate')).toMatchObject({
        feature: 'income',
        missingCurrent: Math.ceil(5000 / 9),
      });
    }
  });

  it('sorts the numeric values it is handed in place', () => {
    const { reference, collected } = fixture(2);
    const current = collected();
    const income = current.features.income!;
    if (income.kind !== 'numeric') throw new Error('income is numeric');
    const before = income.values.slice().sort();
    evaluateDriftFromColumns({ reference, current });
    expect(income.values).toEqual(before);
  });

  it('treats a feature absent from the window as missing in every row', () => {
    const { reference, raw, collected } = fixture(3);
    const current = collected();
    const rest = { ...current.features };
    delete rest.income;
    const report = evaluateDriftFromColumns({ reference, current: { ...current, features: rest } });
    const expected = evaluateDrift({
      reference,
      current: { ...raw, features: { age: raw.features.age, country: raw.features.country } },
    });
    expect(report).toEqual(expected);
    expect(report.results.find((r) => r.feature === 'income')).toMatchObject({
      status: 'insufficient_data',
      missingCurrent: 5000,
    });
  });

  it('rejects a value that is not finite, naming feature and index', () => {
    const { reference, collected } = fixture(4);
    const current = collected();
    const age = current.features.age!;
    if (age.kind !== 'numeric') throw new Error('age is numeric');
    age.values[12] = Number.POSITIVE_INFINITY;
    expect(() => evaluateDriftFromColumns({ reference, current })).toThrow(DriftInputError);
    expect(() => evaluateDriftFromColumns({ reference, current })).toThrow(
      /feature "age": value \[12\] is Infinity/,
    );
  });

  it('rejects a column of the wrong kind and counts that do not add up', () => {
    const { reference, collected } = fixture(5);
    const current = collected();
    const swapped = {
      ...current,
      features: {
        ...current.features,
        age: { kind: 'categorical' as const, counts: {}, n: 0, missing: 0 },
      },
    };
    expect(() => evaluateDriftFromColumns({ reference, current: swapped })).toThrow(
      DriftColumnError,
    );
    const country = current.features.country!;
    if (country.kind !== 'categorical') throw new Error('country is categorical');
    const miscounted = {
      ...current,
      features: { ...current.features, country: { ...country, n: country.n + 1 } },
    };
    expect(() => evaluateDriftFromColumns({ reference, current: miscounted })).toThrow(
      /feature "country": category counts sum to \d+, not n = \d+/,
    );
    const negative = {
      ...current,
      features: { ...current.features, country: { ...country, counts: { fr: -1 }, n: 0 } },
    };
    expect(() => evaluateDriftFromColumns({ reference, current: negative })).toThrow(
      /category "fr" has count -1/,
    );
  });
});
