import { describe, expect, it } from 'vitest';
import {
  joinedRecords,
  pendingKey,
  elapsedMs,
  resolveIdentity,
  type KServeBinding,
  type PendingHalf,
} from '../../../../src/ingest/kserve/joinRecords.js';
import { decodeRequest, decodeResponse } from '../../../../src/ingest/kserve/tensors.js';

function half(
  overrides: Partial<PendingHalf> & Pick<PendingHalf, 'half' | 'payload'>,
): PendingHalf {
  return {
    id: 'ce-1',
    time: null,
    arrivedAtMs: Date.parse('2026-01-01T00:00:00Z'),
    inferenceService: 'iris',
    namespace: 'default',
    component: 'predictor',
    modelId: null,
    modelVersion: null,
    traceparent: null,
    ...overrides,
  };
}

function decoded<T>(outcome: { ok: true; payload: T } | { ok: false; message: string }): T {
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.payload;
}

const REQUEST = half({
  half: 'request',
  payload: decoded(
    decodeRequest({
      instances: [
        [1, 2],
        [3, 4],
      ],
    }),
  ),
});
const RESPONSE = half({
  half: 'response',
  payload: decoded(decodeResponse({ predictions: [0.25, 0.75] })),
});
const BINDING: KServeBinding = {
  inferenceService: 'iris',
  model: 'iris',
  version: '1',
  columns: ['a', 'b'],
};
const DEFINITION = {
  features: [
    { name: 'a', type: 'numeric' as const },
    { name: 'b', type: 'numeric' as const },
  ],
  onnx: null,
};

describe('pendingKey', () => {
  it('tells apart the same id in two components or services', () => {
    const key = pendingKey({
      id: 'x',
      namespace: 'n',
      inferenceService: 's',
      component: 'predictor',
    });
    expect(key).not.toBe(
      pendingKey({ id: 'x', namespace: 'n', inferenceService: 's', component: 'transformer' }),
    );
    expect(key).not.toBe(
      pendingKey({ id: 'x', namespace: 'n', inferenceService: 't', component: 'predictor' }),
    );
    expect(key).toBe(
      pendingKey({ id: 'x', namespace: 'n', inferenceService: 's', component: 'predictor' }),
    );
  });
});

describe('elapsedMs', () => {
  it('keeps the fraction beyond milliseconds', () => {
    expect(elapsedMs('2021-04-10T00:23:26.0789529Z', '2021-04-10T00:23:26.080736102Z')).toBeCloseTo(
      1.783202,
      9,
    );
    expect(elapsedMs('2021-04-10T00:23:26Z', '2021-04-10T00:23:27.5+00:00')).toBe(1500);
    expect(elapsedMs('2021-04-10T00:23:26.9Z', '2021-04-10T00:23:27.0000001Z')).toBeCloseTo(
      100.0001,
      9,
    );
  });
});

describe('resolveIdentity', () => {
  it('takes the entry of the InferenceService, honouring its namespace', () => {
    expect(resolveIdentity(REQUEST, RESPONSE, [BINDING])).toMatchObject({
      ok: true,
      model: 'iris',
      version: '1',
    });
    const other = resolveIdentity(REQUEST, RESPONSE, [{ ...BINDING, namespace: 'prod' }]);
    expect(other).toMatchObject({ ok: false, code: 'unknown_model' });
  });

  it('falls back on Ce-Modelid and the V2 response model_version', () => {
    const response = half({
      half: 'response',
      modelId: 'iris',
      payload: decoded(
        decodeResponse({
          model_version: '4',
          outputs: [{ name: 'p', shape: [2], datatype: 'FP32', data: [0, 1] }],
        }),
      ),
    });
    expect(resolveIdentity(REQUEST, response, [])).toMatchObject({
      ok: true,
      model: 'iris',
      version: '4',
      binding: null,
    });
  });
});

describe('joinedRecords', () => {
  it('makes one record per row with <ce-id>/<row>, Ce-Time, latency and traceparent', () => {
    const request = {
      ...REQUEST,
      time: '2026-01-01T00:00:00.000Z',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    const response = { ...RESPONSE, time: '2026-01-01T00:00:00.0125Z' };
    const joined = joinedRecords({
      request,
      response,
      model: 'iris',
      version: '1',
      definition: DEFINITION,
      binding: BINDING,
    });
    expect(joined).toEqual({
      ok: true,
      records: [0, 1].map((i) => ({
        model: 'iris',
        model_version: '1',
        request_id: `ce-1/${i}`,
        timestamp: '2026-01-01T00:00:00.000Z',
        features: i === 0 ? { a: 1, b: 2 } : { a: 3, b: 4 },
        score: i === 0 ? 0.25 : 0.75,
        latency_ms: 12.5,
        status: 'success',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      })),
    });
  });

  it('uses the arrival time without Ce-Time, and gives no latency then', () => {
    const joined = joinedRecords({
      request: REQUEST,
      response: RESPONSE,
      model: 'iris',
      version: '1',
      definition: DEFINITION,
      binding: BINDING,
    });
    expect(joined.ok && joined.records[0]).toMatchObject({ timestamp: '2026-01-01T00:00:00.000Z' });
    expect(joined.ok && 'latency_ms' in joined.records[0]!).toBe(false);
  });

  it('says which half could not be mapped', () => {
    const short = { ...RESPONSE, payload: decoded(decodeResponse({ predictions: [1] })) };
    const joined = joinedRecords({
      request: REQUEST,
      response: short,
      model: 'iris',
      version: '1',
      definition: DEFINITION,
      binding: BINDING,
    });
    expect(!joined.ok && joined.message).toMatch(/^response: .* 1 rows for the request's 2/);
  });
});
