import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../../src/core/model.js';
import {
  featureRows,
  intakePlan,
  responseRows,
} from '../../../../src/ingest/kserve/columnMapping.js';
import {
  decodeRequest,
  decodeResponse,
  type DecodedPayload,
} from '../../../../src/ingest/kserve/tensors.js';

const FEATURES: ModelVersion['features'] = [
  { name: 'tenure', type: 'numeric' },
  { name: 'contract', type: 'categorical' },
  { name: 'plan', type: 'categorical' },
];
const NAMES = new Set(FEATURES.map((f) => f.name));

const ONNX: ModelVersion['onnx'] = {
  path: 'm/1/model.onnx',
  inputs: [
    {
      name: 'features',
      type: 'float32',
      columns: [
        { feature: 'tenure', encoding: 'numeric' },
        { feature: 'contract', encoding: 'one_hot', categories: ['monthly', 'yearly'] },
        { feature: 'plan', encoding: 'index', categories: ['basic', 'plus', 'pro'] },
      ],
    },
  ],
};

function payload(body: unknown, response = false): DecodedPayload {
  const outcome = response ? decodeResponse(body) : decodeRequest(body);
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.payload;
}

describe('intakePlan', () => {
  it('prefers configured columns, then onnx.inputs, else has none', () => {
    expect(intakePlan({ features: FEATURES, onnx: ONNX }, ['tenure'])).toEqual([
      { name: null, columns: [{ feature: 'tenure', encoding: 'as_is' }] },
    ]);
    expect(intakePlan({ features: FEATURES, onnx: ONNX })?.[0]?.name).toBe('features');
    expect(intakePlan({ features: FEATURES, onnx: null })).toBeNull();
  });

  it('reads an ONNX artifact without inputs as every feature in schema order', () => {
    const plan = intakePlan({ features: FEATURES, onnx: { path: 'x.onnx' } });
    expect(plan?.[0]?.columns.map((c) => c.feature)).toEqual(['tenure', 'contract', 'plan']);
  });
});

describe('featureRows', () => {
  const plan = intakePlan({ features: FEATURES, onnx: ONNX });

  it('reads one-hot and index columns back to their categories (V2, named input)', () => {
    const rows = featureRows(
      plan,
      payload({
        inputs: [
          {
            name: 'features',
            shape: [3, 4],
            datatype: 'FP32',
            data: [
              [5, 1, 0, 2],
              [9, 0, 1, 0],
              [1, 0, 0, 1],
            ],
          },
        ],
      }),
      NAMES,
    );
    expect(rows).toEqual({
      ok: true,
      rows: [
        { tenure: 5, contract: 'monthly', plan: 'pro' },
        { tenure: 9, contract: 'yearly', plan: 'basic' },
        // All-zero one-hot: the category was unknown to the encoder.
        { tenure: 1, contract: null, plan: 'plus' },
      ],
    });
  });

  it('feeds a lone V1 tensor to a lone input', () => {
    const rows = featureRows(plan, payload({ instances: [[5, 0, 1, 1]] }), NAMES);
    expect(rows.ok && rows.rows).toEqual([{ tenure: 5, contract: 'yearly', plan: 'plus' }]);
  });

  it.each([
    [[[5, 1, 1, 0]], 'not a single 1'],
    [[[5, 1, 0, 3]], 'index-encoded over 3 categories, got 3'],
    [[[5, 1, 0]], 'has 3 columns per row; the model version declares 4'],
  ])('refuses the row %j', (instances, message) => {
    const rows = featureRows(plan, payload({ instances }), NAMES);
    expect(rows.ok).toBe(false);
    expect(!rows.ok && rows.message).toContain(message);
  });

  it('refuses a request without the declared input when several tensors come', () => {
    const rows = featureRows(
      plan,
      payload({
        inputs: [
          { name: 'a', shape: [1], datatype: 'FP32', data: [1] },
          { name: 'b', shape: [1], datatype: 'FP32', data: [1] },
        ],
      }),
      NAMES,
    );
    expect(rows).toMatchObject({ ok: false, code: 'missing_field' });
  });

  it('maps tensors named after features when there is no plan, BYTES included', () => {
    const rows = featureRows(
      null,
      payload({
        inputs: [
          { name: 'tenure', shape: [2, 1], datatype: 'FP64', data: [3, 4] },
          { name: 'plan', shape: [2], datatype: 'BYTES', data: ['basic', 'pro'] },
        ],
      }),
      NAMES,
    );
    expect(rows.ok && rows.rows).toEqual([
      { tenure: 3, plan: 'basic' },
      { tenure: 4, plan: 'pro' },
    ]);
    const unnamed = featureRows(null, payload({ instances: [[1, 2]] }), NAMES);
    expect(!unnamed.ok && unnamed.message).toContain('set intake.kserve[].columns');
  });

  it('maps configured columns with their encodings (string, numeric from BOOL)', () => {
    const configured = intakePlan({ features: FEATURES, onnx: null }, [
      { feature: 'plan', encoding: 'string' },
      { feature: 'tenure', encoding: 'numeric' },
    ]);
    const rows = featureRows(
      configured,
      payload({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'BYTES', data: ['pro', 'x'] }] }),
      NAMES,
    );
    expect(!rows.ok && rows.message).toContain('feature "tenure" is numeric, got "x"');
    const ok = featureRows(configured, payload({ instances: [['pro', true]] }), NAMES);
    expect(ok.ok && ok.rows).toEqual([{ plan: 'pro', tenure: 1 }]);
  });
});

describe('responseRows', () => {
  it('takes column 1 of a two-column output and column 0 otherwise', () => {
    const two = responseRows(
      payload(
        { outputs: [{ name: 'p', shape: [2, 2], datatype: 'FP32', data: [0.9, 0.1, 0.3, 0.7] }] },
        true,
      ),
      2,
      {},
    );
    expect(two.ok && two.rows.map((r) => r.score)).toEqual([0.1, 0.7]);
    const one = responseRows(payload({ predictions: [1, 0] }, true), 2, {});
    expect(one.ok && one.rows.map((r) => r.score)).toEqual([1, 0]);
  });

  it('picks the named output and column, and keeps a text result as the prediction', () => {
    const body = {
      outputs: [
        { name: 'label', shape: [1], datatype: 'BYTES', data: ['setosa'] },
        { name: 'proba', shape: [1, 3], datatype: 'FP64', data: [0.2, 0.5, 0.3] },
      ],
    };
    const proba = responseRows(payload(body, true), 1, { output: 'proba', column: 2 });
    expect(proba.ok && proba.rows).toEqual([{ score: 0.3, prediction: null }]);
    const label = responseRows(payload(body, true), 1, {});
    expect(label.ok && label.rows).toEqual([{ score: null, prediction: 'setosa' }]);
  });

  it('refuses a response whose rows do not match the request, or a missing output or column', () => {
    const response = payload({ predictions: [1, 0] }, true);
    expect(responseRows(response, 3, {})).toMatchObject({ ok: false, code: 'bad_value' });
    expect(responseRows(response, 2, { column: 1 })).toMatchObject({
      ok: false,
      code: 'bad_value',
    });
    const v2 = payload({ outputs: [{ name: 'p', shape: [1], datatype: 'FP32', data: [1] }] }, true);
    expect(responseRows(v2, 1, { output: 'q' })).toMatchObject({
      ok: false,
      code: 'missing_field',
    });
  });
});
