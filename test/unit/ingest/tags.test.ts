/**
 * Record tags: bounded string labels, checked per record at the envelope and
 * stored as jsonb in the row's binary COPY tuple.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/model.js';
import { parseEnvelope } from '../../../src/ingest/recordEnvelope.js';
import { predictionRecordSchema } from '../../../src/ingest/recordSchema.js';
import { buildRow } from '../../../src/ingest/validateRecord.js';
import { PREDICTION_COLUMNS } from '../../../src/storage/predictionRow.js';
import { decodeTuple, type FieldKind } from '../../helpers/binaryTuple.js';

const FEATURES: readonly FeatureSpec[] = [{ name: 'plan', type: 'categorical' }];

function record(tags: unknown): Record<string, unknown> {
  return {
    model: 'churn',
    model_version: '1',
    request_id: 'r-1',
    timestamp: '2026-01-31T11:00:00Z',
    features: { plan: 'pro' },
    ...(tags === undefined ? {} : { tags }),
  };
}

function parse(text: string) {
  return parseEnvelope({ index: 9, text });
}

function rejection(tags: unknown) {
  const result = parse(JSON.stringify(record(tags)));
  if (result.ok) throw new Error(`expected tags ${JSON.stringify(tags)} to be rejected`);
  return result.rejection;
}

function storedTagsOf(tags: unknown): string | null {
  const envelope = parse(JSON.stringify(record(tags)));
  if (!envelope.ok) throw new Error(envelope.rejection.message);
  const row = buildRow(0, envelope.value, {
    features: FEATURES,
    settings: { unknownFeatures: 'reject' },
    bounds: { nowMs: Date.parse('2026-01-31T12:00:00Z'), maxFutureMs: 3.6e6, maxAgeMs: 8.64e9 },
  });
  if (!row.ok) throw new Error(row.rejection.message);
  const kinds = PREDICTION_COLUMNS.map(
    (name) => [name, name === 'tags' ? 'jsonb' : 'skip'] as const,
  );
  // Only the tags column is decoded; the others are checked in validateRecord.test.ts.
  const decoded = decodeTuple(
    row.value.tuple,
    kinds.map(([name, kind]) => [name, (kind === 'skip' ? 'text' : kind) as FieldKind] as const),
  );
  return decoded.tags as string | null;
}

describe('record tags', () => {
  it('accepts up to 16 well-formed tags and stores them as jsonb', () => {
    const tags = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [`k_${i}.x-${i}`, `v${i}`]),
    );
    tags.pod = 'é🙂'.repeat(128); // 256 code points
    delete tags['k_15.x-15'];
    expect(JSON.parse(storedTagsOf(tags)!)).toEqual(tags);
  });

  it('stores no tags, and empty tags, as NULL', () => {
    expect(storedTagsOf(undefined)).toBeNull();
    expect(storedTagsOf({})).toBeNull();
  });

  it('keeps a tag named __proto__', () => {
    const text = JSON.stringify(record({ a: '1' })).replace('"a":"1"', '"__proto__":"x","a":"1"');
    const envelope = parse(text);
    expect(envelope.ok).toBe(true);
  });

  it('rejects a record with a bad tag, with its index and a reason naming the tag', () => {
    const cases: [unknown, string, RegExp][] = [
      [
        Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
        'bad_value',
        /17 tags; at most 16/,
      ],
      [{ '1pod': 'a' }, 'bad_value', /key "1pod" is not a tag key/],
      [{ 'pod name': 'a' }, 'bad_value', /key "pod name" is not a tag key/],
      [{ ['k'.repeat(65)]: 'a' }, 'bad_value', /is not a tag key/],
      [{ pod: '' }, 'bad_value', /tags\.pod: must not be empty/],
      [{ pod: 3 }, 'wrong_type', /tags\.pod: expected a string, not number/],
      [{ pod: null }, 'wrong_type', /tags\.pod: expected a string, not null/],
      [{ pod: 'x'.repeat(257) }, 'too_long', /tags\.pod is 257 characters; the limit is 256/],
      [{ pod: 'a\u0000b' }, 'bad_value', /tags\.pod contains the NUL character/],
      [{ pod: 'a\ud800' }, 'bad_value', /tags\.pod contains a lone UTF-16 surrogate/],
      [['a'], 'wrong_type', /tags: expected an object of string values, not an array/],
      ['pod=1', 'wrong_type', /tags: expected an object/],
    ];
    for (const [tags, code, message] of cases) {
      const found = rejection(tags);
      expect(found.index).toBe(9);
      expect(found.code).toBe(code);
      expect(found.message).toMatch(message);
    }
  });

  it('agrees with the zod schema (the OpenAPI description) on what is valid', () => {
    const samples: unknown[] = [
      { a: 'b' },
      { _x: 'y', 'a.b-c': 'z' },
      { '1a': 'b' },
      { a: '' },
      { a: 'x'.repeat(256) },
      { a: 'x'.repeat(257) },
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
    ];
    for (const tags of samples) {
      const text = JSON.stringify(record(tags));
      expect(parse(text).ok).toBe(predictionRecordSchema.safeParse(JSON.parse(text)).success);
    }
  });
});
