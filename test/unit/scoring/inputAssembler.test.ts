import { describe, expect, it } from 'vitest';
import type { FeatureSpec, FeatureValue, OnnxArtifact } from '../../../src/core/model.js';
import {
  assembleInputs,
  featureRowsByName,
  planInputs,
  selectRows,
  type AssembledTensor,
} from '../../../src/scoring/index.js';

const FEATURES: FeatureSpec[] = [
  { name: 'age', type: 'numeric' },
  { name: 'plan', type: 'categorical' },
  { name: 'spend', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];

/** Rows written as records, turned into the columnar form in schema order. */
function columnar(records: Record<string, FeatureValue>[]) {
  return {
    rowCount: records.length,
    columns: FEATURES.map((f) => records.map((r) => r[f.name] ?? null)),
  };
}

function floats(tensor: AssembledTensor | undefined): number[] {
  if (tensor?.type !== 'float32') throw new Error('expected a float32 tensor');
  return Array.from(tensor.data);
}

const ONE_HOT: OnnxArtifact = {
  path: 'm.onnx',
  inputs: [
    {
      name: 'x',
      type: 'float32',
      columns: [
        { feature: 'spend', encoding: 'numeric' },
        { feature: 'plan', encoding: 'one_hot', categories: ['basic', 'pro', 'team'] },
        { feature: 'age', encoding: 'numeric' },
        { feature: 'country', encoding: 'index', categories: ['de', 'fr', 'us'] },
      ],
    },
  ],
};

describe('assembleInputs', () => {
  it('builds columns in the order the manifest lists them, one-hot and index encoded', () => {
    const result = assembleInputs(
      ONE_HOT,
      FEATURES,
      columnar([
        { age: 30, plan: 'pro', spend: 1.5, country: 'us' },
        { age: 41, plan: 'basic', spend: 0, country: 'de' },
      ]),
    );
    expect(result.tensors).toHaveLength(1);
    expect(result.tensors[0]!.name).toBe('x');
    expect(result.tensors[0]!.dims).toEqual([2, 6]);
    // spend | basic pro team | age | country index
    expect(floats(result.tensors[0])).toEqual([1.5, 0, 1, 0, 30, 2, 0, 1, 0, 0, 41, 0]);
    expect(Array.from(result.rowIndex)).toEqual([0, 1]);
    expect(result.scorableRows).toBe(2);
    expect(result.unscorable).toEqual([]);
  });

  it('feeds string columns to a string input as text', () => {
    const artifact: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [
        {
          name: 'num',
          type: 'float32',
          columns: [
            { feature: 'age', encoding: 'numeric' },
            { feature: 'spend', encoding: 'numeric' },
          ],
        },
        {
          name: 'cat',
          type: 'string',
          columns: [
            { feature: 'country', encoding: 'string' },
            { feature: 'plan', encoding: 'string' },
          ],
        },
      ],
    };
    const result = assembleInputs(
      artifact,
      FEATURES,
      columnar([
        { age: 30, plan: 'pro', spend: 2, country: 'us' },
        { age: 31, plan: 'anything', spend: 3, country: 'xx' },
      ]),
    );
    expect(result.tensors.map((t) => [t.name, t.type, t.dims])).toEqual([
      ['num', 'float32', [2, 2]],
      ['cat', 'string', [2, 2]],
    ]);
    expect(floats(result.tensors[0])).toEqual([30, 2, 31, 3]);
    expect(result.tensors[1]!.data).toEqual(['us', 'pro', 'xx', 'anything']);
  });

  it('defaults to one float input with every feature numeric in schema order', () => {
    const numeric: FeatureSpec[] = [
      { name: 'b', type: 'numeric' },
      { name: 'a', type: 'numeric' },
    ];
    const rows = {
      rowCount: 2,
      columns: [
        [1, 2],
        [10, 20],
      ],
    };
    const named = assembleInputs({ path: 'm.onnx', inputName: 'features' }, numeric, rows);
    expect(named.tensors[0]!.name).toBe('features');
    expect(floats(named.tensors[0])).toEqual([1, 10, 2, 20]);
    const resolved = assembleInputs({ path: 'm.onnx' }, numeric, rows, { defaultInputName: 'x' });
    expect(resolved.tensors[0]!.name).toBe('x');
    expect(() => planInputs({ path: 'm.onnx' }, numeric)).toThrow(/no input name is known/);
  });

  it('leaves rows with a missing feature out of the tensors instead of scoring 0', () => {
    const result = assembleInputs(
      ONE_HOT,
      FEATURES,
      columnar([
        { age: 30, plan: 'pro', spend: 1, country: 'us' },
        { age: null, plan: 'pro', spend: 2, country: 'us' },
        { age: 32, plan: 'team', spend: 3, country: 'fr' },
      ]),
    );
    expect(result.scorableRows).toBe(2);
    expect(Array.from(result.rowIndex)).toEqual([0, 2]);
    expect(result.unscorable).toEqual([
      { row: 1, kind: 'missing_feature', feature: 'age', reason: 'missing_feature:age' },
    ]);
    expect(floats(result.tensors[0])).toEqual([1, 0, 1, 0, 30, 2, 3, 0, 0, 1, 32, 1]);
  });

  it('treats a feature unused by the manifest as irrelevant when missing', () => {
    const artifact: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [{ name: 'x', type: 'float32', columns: [{ feature: 'age', encoding: 'numeric' }] }],
    };
    const result = assembleInputs(artifact, FEATURES, columnar([{ age: 5 }]));
    expect(result.scorableRows).toBe(1);
  });

  it('counts an undeclared category as unscorable by default', () => {
    const result = assembleInputs(
      ONE_HOT,
      FEATURES,
      columnar([
        { age: 30, plan: 'gold', spend: 1, country: 'us' },
        { age: 31, plan: 'pro', spend: 2, country: 'jp' },
        { age: 32, plan: 'basic', spend: 3, country: 'de' },
      ]),
    );
    expect(result.unscorable.map((u) => u.reason)).toEqual([
      'unknown_category:plan=gold',
      'unknown_category:country=jp',
    ]);
    expect(Array.from(result.rowIndex)).toEqual([2]);
    // The slots of the failed rows were cleared: only row 2's one-hot is set.
    expect(floats(result.tensors[0])).toEqual([3, 1, 0, 0, 32, 0]);
  });

  it("encodes an undeclared category as all-zero one-hot with unknownCategory 'zeros'", () => {
    const result = assembleInputs(
      { ...ONE_HOT, unknownCategory: 'zeros' },
      FEATURES,
      columnar([
        { age: 30, plan: 'gold', spend: 1, country: 'us' },
        { age: 31, plan: 'pro', spend: 2, country: 'jp' },
      ]),
    );
    expect(Array.from(result.rowIndex)).toEqual([0]);
    expect(floats(result.tensors[0])).toEqual([1, 0, 0, 0, 30, 2]);
    // An index has no "none of them" position: 0 would claim the first category.
    expect(result.unscorable.map((u) => u.reason)).toEqual(['unknown_category:country=jp']);
  });

  it('reads rows through a getter as through columns', () => {
    const records: Record<string, FeatureValue>[] = [
      { age: 30, plan: 'pro', spend: 1.5, country: 'us' },
      { age: 41, plan: 'basic', spend: null, country: 'de' },
    ];
    const byGetter = assembleInputs(ONE_HOT, FEATURES, {
      rowCount: 2,
      value: (row, f) => records[row]![FEATURES[f]!.name],
    });
    const byColumns = assembleInputs(ONE_HOT, FEATURES, columnar(records));
    expect(byGetter).toEqual(byColumns);
  });

  it('maps columns held by name into schema order, absent ones missing', () => {
    const rows = featureRowsByName(
      FEATURES,
      { spend: [1, 2], age: [3, 4], plan: ['pro', 'team'] },
      2,
    );
    const result = assembleInputs(ONE_HOT, FEATURES, rows);
    expect(result.unscorable.map((u) => u.reason)).toEqual([
      'missing_feature:country',
      'missing_feature:country',
    ]);
  });

  it('selects rows by index for a second look', () => {
    const rows = columnar([
      { age: 1, plan: 'pro', spend: 1, country: 'us' },
      { age: 2, plan: 'pro', spend: 2, country: 'us' },
      { age: 3, plan: 'pro', spend: 3, country: 'us' },
    ]);
    const picked = selectRows(rows, [2, 0]);
    expect(picked.rowCount).toBe(2);
    expect(picked.columns[0]).toEqual([3, 1]);
  });

  it('returns empty tensors for no rows', () => {
    const result = assembleInputs(ONE_HOT, FEATURES, columnar([]));
    expect(result.tensors[0]!.dims).toEqual([0, 6]);
    expect(result.scorableRows).toBe(0);
  });
});
