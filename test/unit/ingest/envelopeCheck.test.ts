/**
 * The hand-written envelope check (isValidEnvelope) must accept exactly what
 * the zod schema accepts, and parseEnvelope must answer exactly as the
 * zod-only path does: same value for a valid record, same code and message
 * for a rejected one. Checked on generated records, valid and broken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT_LIMITS } from '../../../src/core/textLimits.js';
import { predictionRecordSchema } from '../../../src/ingest/recordSchema.js';
import {
  checkEnvelopeText,
  checkEnvelopeWithSchema,
  isValidEnvelope,
  parseEnvelope,
} from '../../../src/ingest/recordEnvelope.js';

const SEED = 20260131;

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

const traceparent = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(hex(2), hex(32), hex(16), hex(2)).map((p) => p.join('-')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01', // upper case: not W3C
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1',
      '',
      'not-a-traceparent',
    ),
  },
);

/** Strings around each length limit (1..128, 1..256, 1..64), some non-ASCII. */
const nearLimit = (max: number) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'é', '🙂', '\ud800') },
    { weight: 1, arbitrary: fc.integer({ min: max - 2, max: max + 2 }).map((n) => 'x'.repeat(n)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: max - 2, max: max + 2 }).map((n) => '🙂'.repeat(n)),
    },
  );

const finiteNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 5e-324, 1.7976931348623157e308, -1),
);

/** Any JSON value, shallow: what a wrong field may hold. */
const anyJson = fc.oneof(
  finiteNumber,
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([1, 'a']),
  fc.constant({ a: 1 }),
  fc.constant([]),
  fc.constant({}),
);

const featureValue = fc.oneof(
  { weight: 60, arbitrary: fc.oneof(finiteNumber, fc.string({ maxLength: 8 }), fc.boolean()) },
  { weight: 20, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: anyJson },
);

const OPTIONAL_ABSENT = Symbol('absent');

const optional = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant(OPTIONAL_ABSENT) },
    { weight: 25, arbitrary },
    { weight: 1, arbitrary: anyJson },
  );

const record = fc
  .record({
    model: fc.oneof({ weight: 30, arbitrary: nearLimit(128) }, { weight: 1, arbitrary: anyJson }),
    model_version: fc.oneof(
      { weight: 30, arbitrary: nearLimit(128) },
      { weight: 1, arbitrary: anyJson },
    ),
    request_id: fc.oneof(
      { weight: 30, arbitrary: nearLimit(256) },
      { weight: 1, arbitrary: anyJson },
    ),
    timestamp: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('2026-01-31T11:00:00Z', 'whenever', '') },
      { weight: 10, arbitrary: finiteNumber },
      { weight: 1, arbitrary: anyJson },
    ),
    features: fc.oneof(
      { weight: 30, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), featureValue) },
      { weight: 1, arbitrary: anyJson },
    ),
    score: optional(fc.oneof(finiteNumber, fc.constant(null))),
    prediction: optional(
      fc.oneof(finiteNumber, fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)),
    ),
    latency_ms: optional(fc.oneof(finiteNumber, fc.constant(null))),
    status: optional(nearLimit(64)),
    label: optional(fc.oneof(finiteNumber, fc.boolean(), fc.constant(null))),
    traceparent: optional(traceparent),
    tags: optional(
      fc.dictionary(
        fc.oneof(
          { weight: 20, arbitrary: fc.constantFrom('pod', '_x', 'a.b-c', 'k'.repeat(64)) },
          { weight: 1, arbitrary: fc.constantFrom('1pod', 'a b', '', 'k'.repeat(65), 'é') },
        ),
        fc.oneof({ weight: 10, arbitrary: nearLimit(256) }, { weight: 1, arbitrary: anyJson }),
        { maxKeys: 5 },
      ),
    ),
    extra: fc.oneof(
      { weight: 30, arbitrary: fc.constant(OPTIONAL_ABSENT) },
      { weight: 1, arbitrary: fc.constantFrom('sccore', 'Model', '__proto__', 'constructor') },
    ),
    missing: fc.oneof(
      { weight: 30, arbitrary: fc.constant(OPTIONAL_ABSENT) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('model', 'model_version', 'request_id', 'timestamp', 'features'),
      },
    ),
  })
  .map(({ extra, missing, ...fields }) => {
    const value: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      if (field !== OPTIONAL_ABSENT && key !== missing) value[key] = field;
    }
    if (typeof extra === 'string') value[extra] = 1;
    return value;
  });

/** The JSON text of a record, sometimes with a number that overflows to Infinity. */
const recordText = fc
  .tuple(
    record,
    fc.oneof(
      { weight: 30, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('score', 'latency_ms', 'timestamp', 'label', 'prediction'),
      },
    ),
  )
  .map(([value, overflow]) => {
    if (overflow === null) return JSON.stringify(value);
    return JSON.stringify({ ...value, [overflow]: 12345 }).replace(
      `"${overflow}":12345`,
      `"${overflow}":1e999`,
    );
  });

describe('isValidEnvelope', () => {
  it('accepts exactly the records the zod schema accepts', () => {
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(recordText, (text) => {
        const value = JSON.parse(text) as Record<string, unknown>;
        const zodAccepts = predictionRecordSchema.safeParse(value).success;
        expect(isValidEnvelope(value), text).toBe(zodAccepts);
        total += 1;
        if (zodAccepts) accepted += 1;
      }),
      { seed: SEED, numRuns: 20_000 },
    );
    // Both kinds are well represented.
    expect(accepted / total).toBeGreaterThan(0.1);
    expect(accepted / total).toBeLessThan(0.9);
  });

  it('accepts the common valid record', () => {
    expect(
      isValidEnvelope({
        model: 'churn',
        model_version: '1',
        request_id: 'req-1',
        timestamp: '2026-01-31T11:00:00Z',
        features: { tenure: 12, plan: 'pro', flag: true, gone: null },
        score: 0.75,
        prediction: 1,
        latency_ms: 0,
        status: 'success',
        label: false,
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }),
    ).toBe(true);
  });
});

describe('parseEnvelope', () => {
  it('answers exactly as the zod schema alone does, value or rejection', () => {
    fc.assert(
      fc.property(recordText, fc.nat(5000), (text, index) => {
        const value = JSON.parse(text) as Record<string, unknown>;
        // Text limits come first (configurable, so not in the schema); past
        // them the fast path must agree with zod.
        const expected =
          checkEnvelopeText(index, value, DEFAULT_TEXT_LIMITS) ??
          checkEnvelopeWithSchema(index, value);
        expect(parseEnvelope({ index, text }), text).toEqual(expected);
      }),
      { seed: SEED + 1, numRuns: 20_000 },
    );
  });
});
