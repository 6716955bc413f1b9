import { describe, expect, it } from 'vitest';
import type { FeatureSpec, OnnxArtifact } from '../../../src/core/model.js';
import { InputSpecError, planInputs } from '../../../src/scoring/index.js';

const FEATURES: FeatureSpec[] = [
  { name: 'age', type: 'numeric' },
  { name: 'plan', type: 'categorical' },
  { name: 'spend', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];

describe('planInputs', () => {
  it('compiles widths, column offsets and category positions', () => {
    const plan = planInputs(
      {
        path: 'm.onnx',
        inputs: [
          {
            name: 'x',
            type: 'float32',
            columns: [
              { feature: 'spend', encoding: 'numeric' },
              { feature: 'plan', encoding: 'one_hot', categories: ['basic', 'pro', 'team'] },
              { feature: 'country', encoding: 'index', categories: ['de', 'fr'] },
            ],
          },
        ],
      },
      FEATURES,
    );
    expect(plan.unknownCategory).toBe('unscorable');
    expect(plan.inputs.map((input) => [input.name, input.type, input.width])).toEqual([
      ['x', 'float32', 5],
    ]);
    expect(
      plan.inputs[0]!.columns.map((c) => [c.feature, c.featureIndex, c.offset, c.categoryIndex]),
    ).toEqual([
      ['spend', 2, 0, undefined],
      [
        'plan',
        1,
        1,
        new Map([
          ['basic', 0],
          ['pro', 1],
          ['team', 2],
        ]),
      ],
      [
        'country',
        3,
        4,
        new Map([
          ['de', 0],
          ['fr', 1],
        ]),
      ],
    ]);
  });

  it('refuses the default numeric input when the schema has categorical features', () => {
    expect(() => planInputs({ path: 'm.onnx', inputName: 'x' }, FEATURES)).toThrow(InputSpecError);
    expect(() => planInputs({ path: 'm.onnx', inputName: 'x' }, FEATURES)).toThrow(
      /"plan", "country" are categorical: declare onnx.inputs/,
    );
  });

  it('names a feature of the manifest that is not in the schema', () => {
    const artifact: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [
        { name: 'x', type: 'float32', columns: [{ feature: 'tenure', encoding: 'numeric' }] },
      ],
    };
    expect(() => planInputs(artifact, FEATURES)).toThrow(
      /input "x", feature "tenure": "tenure" is not a feature of this version's schema/,
    );
  });

  it.each([
    ['a categorical feature as a number', { feature: 'plan', encoding: 'numeric' }, 'float32'],
    ['a string column in a float input', { feature: 'plan', encoding: 'string' }, 'float32'],
    ['a numeric column in a string input', { feature: 'age', encoding: 'numeric' }, 'string'],
    ['one_hot without categories', { feature: 'plan', encoding: 'one_hot' }, 'float32'],
  ] as const)('refuses %s', (_name, column, type) => {
    const artifact: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [{ name: 'x', type, columns: [column] }],
    };
    expect(() => planInputs(artifact, FEATURES)).toThrow(InputSpecError);
  });

  it('refuses an input named twice, an input without columns and a category declared twice', () => {
    const age = { feature: 'age', encoding: 'numeric' } as const;
    const twice: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [
        { name: 'x', type: 'float32', columns: [age] },
        { name: 'x', type: 'float32', columns: [age] },
      ],
    };
    expect(() => planInputs(twice, FEATURES)).toThrow(/onnx.inputs names input "x" twice/);
    const empty: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [{ name: 'x', type: 'float32', columns: [] }],
    };
    expect(() => planInputs(empty, FEATURES)).toThrow(/input "x" has no columns/);
    const repeated: OnnxArtifact = {
      path: 'm.onnx',
      inputs: [
        {
          name: 'x',
          type: 'float32',
          columns: [{ feature: 'plan', encoding: 'index', categories: ['pro', 'pro'] }],
        },
      ],
    };
    expect(() => planInputs(repeated, FEATURES)).toThrow(/category "pro" is declared twice/);
    expect(() => planInputs({ path: 'm.onnx', inputs: [] }, FEATURES)).toThrow(InputSpecError);
  });
});
