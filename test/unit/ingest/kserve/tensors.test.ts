import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse } from '../../../../src/ingest/kserve/tensors.js';

describe('decodeRequest', () => {
  it('cuts a V1 batch into rows, flattening nested instances', () => {
    expect(decodeRequest({ instances: [[[1, 2]], [[3, 4]]] })).toEqual({
      ok: true,
      payload: {
        protocol: 'v1',
        count: 2,
        tensors: [
          {
            name: 'instances',
            datatype: 'V1',
            width: 2,
            rows: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      },
    });
  });

  it('keeps V1 instances that are objects by name', () => {
    const outcome = decodeRequest({ instances: [{ a: 1, b: 'x' }] });
    expect(outcome.ok && outcome.payload.named).toEqual([{ a: 1, b: 'x' }]);
  });

  it('reads V2 data flat or nested, row-major', () => {
    const flat = decodeRequest({
      inputs: [{ name: 'x', shape: [2, 3], datatype: 'INT32', data: [1, 2, 3, 4, 5, 6] }],
    });
    const nested = decodeRequest({
      inputs: [
        {
          name: 'x',
          shape: [2, 3],
          datatype: 'INT32',
          data: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        },
      ],
    });
    expect(flat).toEqual(nested);
    expect(flat.ok && flat.payload.tensors[0]!.rows).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('reads FP64, BOOL (true/false or 0/1) and BYTES elements', () => {
    const outcome = decodeRequest({
      inputs: [
        { name: 'f', shape: [2], datatype: 'FP64', data: [0.5, -1.25] },
        { name: 'b', shape: [2, 1], datatype: 'BOOL', data: [true, 0] },
        { name: 's', shape: [2, 1], datatype: 'BYTES', data: ['basic', 'pro'] },
      ],
    });
    expect(outcome.ok && outcome.payload.tensors.map((t) => t.rows)).toEqual([
      [[0.5], [-1.25]],
      [[true], [false]],
      [['basic'], ['pro']],
    ]);
  });

  it('keeps the width of an empty batch', () => {
    const outcome = decodeRequest({
      inputs: [{ name: 'x', shape: [0, 4], datatype: 'FP32', data: [] }],
    });
    expect(outcome.ok && outcome.payload.count).toBe(0);
    expect(outcome.ok && outcome.payload.tensors[0]!.width).toBe(4);
  });

  it.each([
    [
      { name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] },
      'shape [2,2] needs 4 values but data holds 3',
    ],
    [{ name: 'x', shape: [], datatype: 'FP32', data: [] }, 'shape must be a non-empty array'],
    [{ name: 'x', shape: [2, -1], datatype: 'FP32', data: [] }, 'not a non-negative integer'],
    [{ name: 'x', shape: [1], datatype: 'FP8', data: [1] }, 'datatype FP8 is not'],
    [{ name: 'x', shape: [1], datatype: 'INT64', data: [1.5] }, 'must be an integer'],
    [{ name: 'x', shape: [1], datatype: 'FP32', data: ['1'] }, 'must be a finite number'],
    [{ name: 'x', shape: [1], datatype: 'BYTES', data: [1] }, 'must be a string'],
    [{ name: 'x', shape: [1], datatype: 'BOOL', data: [2] }, 'must be true or false'],
    [
      { name: 'x', shape: [1], datatype: 'FP32', data: [1], parameters: { binary_data_size: 4 } },
      'binary tensor data',
    ],
    [{ name: 'x', shape: [1e6, 1e6], datatype: 'FP32', data: [] }, 'more than'],
  ])('refuses the V2 input %j', (input, message) => {
    const outcome = decodeRequest({ inputs: [input] });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toContain(message);
  });

  it('refuses V2 inputs that disagree on the batch size', () => {
    const outcome = decodeRequest({
      inputs: [
        { name: 'a', shape: [2], datatype: 'FP32', data: [1, 2] },
        { name: 'b', shape: [3], datatype: 'FP32', data: [1, 2, 3] },
      ],
    });
    expect(!outcome.ok && outcome.message).toContain('disagree on the batch size');
  });

  it('refuses V1 rows of different widths and bodies of neither protocol', () => {
    expect(decodeRequest({ instances: [[1, 2], [3]] })).toMatchObject({
      ok: false,
      code: 'bad_value',
    });
    expect(decodeRequest({ data: [] })).toMatchObject({ ok: false, code: 'missing_field' });
    expect(decodeRequest([1])).toMatchObject({ ok: false, code: 'not_an_object' });
  });
});

describe('decodeResponse', () => {
  it('reads V1 predictions and V2 outputs with the model version', () => {
    const v1 = decodeResponse({ predictions: [1, 0] });
    expect(v1.ok && v1.payload.tensors[0]!.rows).toEqual([[1], [0]]);
    const v2 = decodeResponse({
      model_name: 'm',
      model_version: '7',
      outputs: [{ name: 'p', shape: [1, 2], datatype: 'FP32', data: [0.25, 0.75] }],
    });
    expect(v2.ok && [v2.payload.modelName, v2.payload.modelVersion]).toEqual(['m', '7']);
  });

  it('refuses predictions that are objects', () => {
    expect(decodeResponse({ predictions: [{ scores: [1] }] })).toMatchObject({
      ok: false,
      code: 'wrong_type',
    });
  });
});
