import { describe, expect, it } from 'vitest';
import type { ModelSettings } from '../../../src/config/schema.js';
import type { FeatureSpec } from '../../../src/core/model.js';
import type { PredictionRecord } from '../../../src/ingest/recordSchema.js';
import { buildRow, type RowContext, type ValidRow } from '../../../src/ingest/validateRecord.js';
import { parseEnvelope } from '../../../src/ingest/recordEnvelope.js';
import { type Rejection } from '../../../src/ingest/rejection.js';
import { PREDICTION_COLUMNS } from '../../../src/storage/predictionRow.js';
import { decodeTuple, type FieldKind, type FieldValue } from '../../helpers/binaryTuple.js';

const NOW_MS = Date.parse('2026-01-31T12:00:00Z');

const FEATURES: readonly FeatureSpec[] = [
  { name: 'tenure', type: 'numeric' },
  { name: 'plan', type: 'categorical' },
  { name: 'charges', type: 'numeric' },
  { name: 'region', type: 'categorical' },
];

const REJECT: ModelSettings = { unknownFeatures: 'reject' };
const IGNORE: ModelSettings = { unknownFeatures: 'ignore' };

function context(settings: ModelSettings = REJECT): RowContext {
  return {
    features: FEATURES,
    settings,
    bounds: { nowMs: NOW_MS, maxFutureMs: 3_600_000, maxAgeMs: 90 * 86_400_000 },
  };
}

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'churn',
    model_version: '1',
    request_id: 'req-1',
    timestamp: '2026-01-31T11:00:00Z',
    features: { tenure: 12, plan: 'pro', charges: 40.5, region: 'eu' },
    score: 0.75,
    prediction: 1,
    latency_ms: 3.5,
    status: 'success',
    ...overrides,
  };
}

function envelopeRejection(text: string, index = 7): Rejection {
  const result = parseEnvelope({ index, text });
  if (result.ok) throw new Error(`expected ${text} to be rejected`);
  return result.rejection;
}

function envelope(value: Record<string, unknown>): PredictionRecord {
  const result = parseEnvelope({ index: 0, text: JSON.stringify(value) });
  if (!result.ok) throw new Error(`expected a valid envelope: ${result.rejection.message}`);
  return result.value;
}

function row(value: Record<string, unknown>, settings: ModelSettings = REJECT): ValidRow {
  const result = buildRow(4, envelope(value), context(settings));
  if (!result.ok) throw new Error(`expected a valid row: ${result.rejection.message}`);
  return result.value;
}

function rowRejection(value: Record<string, unknown>, settings: ModelSettings = REJECT): Rejection {
  const result = buildRow(4, envelope(value), context(settings));
  if (result.ok) throw new Error('expected the row to be rejected');
  return result.rejection;
}

const COLUMN_KINDS: Record<(typeof PREDICTION_COLUMNS)[number], FieldKind> = {
  model: 'text',
  model_version: 'text',
  request_id: 'text',
  ts: 'timestamptz',
  num_values: 'float8[]',
  cat_values: 'text[]',
  missing_count: 'int4',
  score: 'float8',
  prediction: 'text',
  latency_ms: 'float8',
  status: 'text',
  traceparent: 'text',
  tags: 'jsonb',
};

/** The binary COPY tuple decoded into a map from column to value. */
function columns(valid: ValidRow): Record<(typeof PREDICTION_COLUMNS)[number], FieldValue> {
  return decodeTuple(
    valid.tuple,
    PREDICTION_COLUMNS.map((name) => [name, COLUMN_KINDS[name]] as const),
  );
}

describe('parseEnvelope', () => {
  it('accepts a valid record', () => {
    const result = parseEnvelope({ index: 0, text: JSON.stringify(record()) });
    expect(result).toEqual({ ok: true, value: record() });
  });

  it('rejects text that is not JSON, with its index', () => {
    const rejection = envelopeRejection('{"model": ', 3);
    expect(rejection.index).toBe(3);
    expect(rejection.code).toBe('invalid_json');
    expect(rejection.message).toMatch(/^record is not valid JSON/);
    expect(rejection.message).not.toMatch(/NaN/);
  });

  it('rejects a NaN written by Python with its index and a hint', () => {
    const text = JSON.stringify(record()).replace('"tenure":12', '"tenure":NaN');
    expect(text).toContain('NaN');
    const rejection = envelopeRejection(text, 5);
    expect(rejection).toMatchObject({ index: 5, code: 'invalid_json' });
    expect(rejection.message).toContain(
      'NaN and Infinity are not JSON: send null for a missing value',
    );
  });

  it('gives the same hint for a Python -Infinity', () => {
    const text = JSON.stringify(record()).replace('"charges":40.5', '"charges":-Infinity');
    expect(envelopeRejection(text).message).toContain('NaN and Infinity are not JSON');
  });

  it('rejects JSON that is not an object', () => {
    for (const text of ['[1,2]', '"x"', '42', 'null', 'true']) {
      expect(envelopeRejection(text)).toEqual({
        index: 7,
        code: 'not_an_object',
        message: 'record must be a JSON object',
      });
    }
  });

  it('rejects a record without a required field, naming it', () => {
    for (const field of ['model', 'model_version', 'request_id', 'timestamp', 'features']) {
      const value = record();
      delete value[field];
      expect(envelopeRejection(JSON.stringify(value))).toEqual({
        index: 7,
        code: 'missing_field',
        message: `missing required field "${field}"`,
      });
    }
  });

  it('rejects a field that is not in the wire format, naming it', () => {
    const rejection = envelopeRejection(JSON.stringify(record({ sccore: 0.5 })));
    expect(rejection.code).toBe('unknown_field');
    expect(rejection.message).toBe('unknown field sccore');
  });

  it('rejects a field of the wrong type, naming it', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 5 }, 'model'],
      [{ request_id: 17 }, 'request_id'],
      [{ timestamp: true }, 'timestamp'],
      [{ features: 'tenure=12' }, 'features'],
      [{ features: { tenure: { value: 12 } } }, 'features.tenure'],
      [{ score: '0.5' }, 'score'],
      [{ label: 'yes' }, 'label'],
    ];
    for (const [overrides, field] of cases) {
      const rejection = envelopeRejection(JSON.stringify(record(overrides)));
      expect(rejection.code, field).toBe('wrong_type');
      expect(rejection.message.startsWith(`${field}: `), rejection.message).toBe(true);
    }
  });

  it('rejects numbers that overflow to Infinity in score, latency_ms and timestamp', () => {
    const base = JSON.stringify(record({ score: 0, latency_ms: 0 }));
    const cases: [string, string][] = [
      ['score', base.replace('"score":0', '"score":1e999')],
      ['latency_ms', base.replace('"latency_ms":0', '"latency_ms":-1e999')],
      ['timestamp', base.replace('"timestamp":"2026-01-31T11:00:00Z"', '"timestamp":1e999')],
    ];
    for (const [field, text] of cases) {
      expect(text).toContain('1e999');
      expect(envelopeRejection(text)).toEqual({
        index: 7,
        code: 'non_finite',
        message: `${field} is not a finite number`,
      });
    }
  });

  it('rejects a feature value that overflows to Infinity as non_finite, naming the feature', () => {
    const text = JSON.stringify(record()).replace('"tenure":12', '"tenure":1e999');
    expect(text).toContain('1e999');
    const rejection = envelopeRejection(text);
    expect(rejection).toMatchObject({ index: 7, code: 'non_finite' });
    expect(rejection.message).toContain('"tenure"');
  });

  it('rejects a label that overflows to Infinity as non_finite', () => {
    const text = JSON.stringify(record({ label: 1 })).replace('"label":1', '"label":-1e999');
    expect(envelopeRejection(text)).toMatchObject({
      code: 'non_finite',
      message: expect.stringContaining('label'),
    });
  });

  it('rejects a field with a value out of its range', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: '' }, 'model'],
      [{ latency_ms: -1 }, 'latency_ms'],
      [{ status: '' }, 'status'],
      [{ traceparent: 'not-a-traceparent' }, 'traceparent'],
    ];
    for (const [overrides, field] of cases) {
      const rejection = envelopeRejection(JSON.stringify(record(overrides)));
      expect(rejection.code, field).toBe('bad_value');
      expect(rejection.message.startsWith(`${field}: `), rejection.message).toBe(true);
    }
  });

  it('rejects text over its length limit as too_long, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ request_id: 'r'.repeat(257) }, 'request_id'],
      [{ model: 'm'.repeat(129) }, 'model'],
      [{ model_version: 'v'.repeat(129) }, 'model_version'],
      [{ status: 's'.repeat(65) }, 'status'],
      [{ prediction: 'p'.repeat(257) }, 'prediction'],
    ];
    for (const [overrides, field] of cases) {
      const rejection = envelopeRejection(JSON.stringify(record(overrides)));
      expect(rejection.code, field).toBe('too_long');
      expect(rejection.message.startsWith(`${field} is `), rejection.message).toBe(true);
    }
  });

  it('accepts a request_id of exactly 256 characters and a W3C traceparent', () => {
    const value = record({
      request_id: 'r'.repeat(256),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(parseEnvelope({ index: 0, text: JSON.stringify(value) }).ok).toBe(true);
  });
});

describe('buildRow', () => {
  it('lays features out in schema order, numeric and categorical apart', () => {
    const valid = row(record());
    expect(valid).toMatchObject({
      index: 4,
      model: 'churn',
      version: '1',
      requestId: 'req-1',
      epochMs: NOW_MS - 3_600_000,
      status: 'success',
      label: null,
      missingFeatures: 0,
      ignoredFeatures: 0,
    });
    expect(columns(valid)).toEqual({
      model: 'churn',
      model_version: '1',
      request_id: 'req-1',
      ts: new Date('2026-01-31T11:00:00.000Z'),
      num_values: [12, 40.5],
      cat_values: ['pro', 'eu'],
      missing_count: 0,
      score: 0.75,
      prediction: '1',
      latency_ms: 3.5,
      status: 'success',
      traceparent: null,
      tags: null,
    });
  });

  it('counts absent and null features as missing and stores NULL, never 0', () => {
    const valid = row(record({ features: { tenure: null, plan: 'pro' } }));
    expect(valid.missingFeatures).toBe(3);
    const fields = columns(valid);
    expect(fields.num_values).toEqual([null, null]);
    expect(fields.cat_values).toEqual(['pro', null]);
    expect(fields.missing_count).toBe(3);
  });

  it('keeps a record whose features are all missing', () => {
    const valid = row(record({ features: {} }));
    expect(valid.missingFeatures).toBe(FEATURES.length);
    expect(columns(valid).num_values).toEqual([null, null]);
  });

  it('stores a categorical value given as an integer or a boolean as its text', () => {
    const fields = columns(row(record({ features: { plan: 2, region: true } })));
    expect(fields.cat_values).toEqual(['2', 'true']);
  });

  it('keeps -0, subnormals and the largest double bit for bit', () => {
    const text = JSON.stringify(record({ score: 0, latency_ms: 0 }))
      .replace('"tenure":12', '"tenure":-0')
      .replace('"charges":40.5', '"charges":5e-324')
      .replace('"score":0', '"score":1.7976931348623157e308')
      .replace('"latency_ms":0', '"latency_ms":-0');
    const parsed = parseEnvelope({ index: 0, text });
    if (!parsed.ok) throw new Error(parsed.rejection.message);
    const result = buildRow(0, parsed.value, context());
    if (!result.ok) throw new Error(result.rejection.message);
    const fields = columns(result.value);
    const [tenure, charges] = fields.num_values as number[];
    expect(Object.is(tenure, -0)).toBe(true);
    expect(charges).toBe(5e-324);
    expect(fields.score).toBe(1.7976931348623157e308);
    expect(Object.is(fields.latency_ms, -0)).toBe(true);
  });

  it('writes the timestamp to the millisecond, also from epoch seconds', () => {
    const seconds = (NOW_MS - 1_234_567) / 1000 + 0.0004;
    expect((columns(row(record({ timestamp: seconds }))).ts as Date).getTime()).toBe(
      NOW_MS - 1_234_567,
    );
    expect(columns(row(record({ timestamp: '2026-01-31T11:59:59.123456Z' }))).ts).toEqual(
      new Date('2026-01-31T11:59:59.123Z'),
    );
  });

  it('rejects a numeric feature given as a string', () => {
    const rejection = rowRejection(record({ features: { tenure: '12' } }));
    expect(rejection).toMatchObject({ index: 4, code: 'wrong_type' });
    expect(rejection.message).toMatch(/feature "tenure" is numeric, got string "12"/);
  });

  it('rejects a numeric feature given as a boolean', () => {
    expect(rowRejection(record({ features: { charges: true } })).code).toBe('wrong_type');
  });

  it('rejects a bad timestamp with its reason', () => {
    const rejection = rowRejection(record({ timestamp: '2026-01-31T11:00:00' }));
    expect(rejection.code).toBe('bad_timestamp');
    expect(rejection.message).toMatch(/with a zone/);
    expect(rowRejection(record({ timestamp: NOW_MS })).message).toMatch(/milliseconds/);
  });

  it('rejects features the schema does not have, naming them', () => {
    const rejection = rowRejection(
      record({ features: { tenure: 1, colour: 'red', size: 3 } }),
      REJECT,
    );
    expect(rejection.code).toBe('unknown_feature');
    expect(rejection.message).toBe(
      'features "colour", "size" not in the schema of churn version 1',
    );
  });

  it('keeps the record and counts the extra features when unknownFeatures is ignore', () => {
    const valid = row(record({ features: { tenure: 1, colour: 'red', size: 3 } }), IGNORE);
    expect(valid.ignoredFeatures).toBe(2);
    expect(valid.missingFeatures).toBe(3);
    const fields = columns(valid);
    expect(fields.num_values).toEqual([1, null]);
    expect(fields.cat_values).toEqual([null, null]);
  });

  it('carries a boolean label as 1 or 0 and a numeric label as given', () => {
    expect(row(record({ label: true })).label).toBe(1);
    expect(row(record({ label: false })).label).toBe(0);
    expect(row(record({ label: 0.25 })).label).toBe(0.25);
    expect(row(record({ label: null })).label).toBeNull();
  });

  it('stores the prediction as text, and a missing status as success', () => {
    const value = record({ prediction: 'churn' });
    delete value.status;
    const valid = row(value);
    const fields = columns(valid);
    expect(fields.prediction).toBe('churn');
    expect(fields.status).toBe('success');
    expect(valid.status).toBe('success');
  });

  it('stores optional fields that are null or absent as NULL', () => {
    const value = record({ score: null, prediction: null, latency_ms: null });
    const fields = columns(row(value));
    expect([fields.score, fields.prediction, fields.latency_ms, fields.traceparent]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it('stores text with tabs, newlines, backslashes and non-ASCII characters as given', () => {
    const valid = row(
      record({
        request_id: 'a\tb\nc',
        features: { plan: 'x\ty "q" {}', region: 'back\\slash 日本語 🙂' },
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }),
    );
    const fields = columns(valid);
    expect(fields.request_id).toBe('a\tb\nc');
    expect(fields.cat_values).toEqual(['x\ty "q" {}', 'back\\slash 日本語 🙂']);
    expect(fields.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});
