import { describe, expect, it } from 'vitest';
import type { OnnxInputSpec } from '../../../src/core/model.js';
import {
  checkGraphContract,
  checkInputFeed,
  type GraphContractProblem,
  type GraphSignature,
  type GraphValue,
  type ManifestGraphSpec,
} from '../../../src/scoring/index.js';

function tensor(name: string, type: string, shape: (number | string)[]): GraphValue {
  return { name, isTensor: true, type, shape };
}

/** A converted classifier: x float32 [N, 3] → label int64 [N] (listed first), probabilities float32 [N, 2]. */
const CLASSIFIER: GraphSignature = {
  inputs: [tensor('x', 'float32', ['N', 3])],
  outputs: [tensor('label', 'int64', ['N']), tensor('probabilities', 'float32', ['N', 2])],
};

/** A graph taking numbers and strings in two inputs, scoring into p [N, 1]. */
const TWO_INPUTS: GraphSignature = {
  inputs: [tensor('num', 'float32', ['N', 2]), tensor('cat', 'string', ['N', 1])],
  outputs: [tensor('p', 'float32', ['N', 1])],
};

function input(name: string, type: OnnxInputSpec['type']): OnnxInputSpec {
  return { name, type, columns: [] };
}

function problems(manifest: ManifestGraphSpec, graph: GraphSignature): GraphContractProblem[] {
  const contract = checkGraphContract(manifest, graph);
  if (contract.ok) throw new Error('expected problems, the contract holds');
  return contract.problems;
}

describe('checkGraphContract', () => {
  it("holds for a manifest without inputs, taking the graph's first input and first float output", () => {
    expect(checkGraphContract({}, CLASSIFIER)).toEqual({
      ok: true,
      defaultInputName: 'x',
      outputName: 'probabilities',
    });
  });

  it('holds for a manifest describing every input with its element type, and a named output', () => {
    const manifest = { inputs: [input('num', 'float32'), input('cat', 'string')], outputName: 'p' };
    expect(checkGraphContract(manifest, TWO_INPUTS)).toEqual({
      ok: true,
      defaultInputName: 'num',
      outputName: 'p',
    });
  });

  it('takes the first output when the graph has no float tensor output', () => {
    const graph = { inputs: CLASSIFIER.inputs, outputs: [tensor('label', 'int64', ['N', 1])] };
    expect(problems({}, graph)[0]).toMatchObject({
      reason: 'unsupported_output',
      message: expect.stringContaining('output "label" holds int64, not a float score'),
    });
  });

  it('finds a graph without inputs', () => {
    const graph = { inputs: [], outputs: CLASSIFIER.outputs };
    expect(problems({}, graph)).toEqual([
      { reason: 'invalid_graph', message: 'the graph has no inputs' },
    ]);
  });

  it('finds a graph without outputs', () => {
    const graph = { inputs: CLASSIFIER.inputs, outputs: [] };
    expect(problems({}, graph)).toEqual([
      { reason: 'invalid_graph', message: 'the graph has no outputs' },
    ]);
  });

  it('finds an input the manifest names but the graph does not have', () => {
    expect(problems({ inputName: 'features' }, CLASSIFIER)).toEqual([
      {
        reason: 'unknown_input',
        message: `the manifest names input "features" but the graph's inputs are "x"`,
        details: { unknown: ['features'], inputs: ['x'] },
      },
      {
        reason: 'input_mismatch',
        message:
          'the graph also needs input "x", which the manifest does not describe; list every graph input in onnx.inputs',
        details: { missing: ['x'], inputs: ['x'] },
      },
    ]);
  });

  it('finds a graph input the manifest does not describe', () => {
    expect(problems({ inputs: [input('num', 'float32')] }, TWO_INPUTS)).toEqual([
      {
        reason: 'input_mismatch',
        message:
          'the graph also needs input "cat", which the manifest does not describe; list every graph input in onnx.inputs',
        details: { missing: ['cat'], inputs: ['num', 'cat'] },
      },
    ]);
  });

  it('finds an input fed with another element type than the graph takes', () => {
    const manifest = { inputs: [input('num', 'float32'), input('cat', 'float32')] };
    expect(problems(manifest, TWO_INPUTS)).toEqual([
      {
        reason: 'input_mismatch',
        message: 'the manifest feeds input "cat" as float32 but the graph takes string',
        details: { input: 'cat', expected: 'string', declared: 'float32' },
      },
    ]);
  });

  it('does not check the element type of an input that is not a tensor', () => {
    const graph = {
      inputs: [{ name: 'x', isTensor: false } as const],
      outputs: CLASSIFIER.outputs,
    };
    expect(checkGraphContract({ inputs: [input('x', 'string')] }, graph).ok).toBe(true);
  });

  it('finds a named output the graph does not have', () => {
    expect(problems({ outputName: 'proba' }, CLASSIFIER)).toEqual([
      {
        reason: 'unknown_output',
        message: `onnx.outputName is "proba" but the graph's outputs are "label", "probabilities"`,
        details: { output: 'proba', outputs: ['label', 'probabilities'] },
      },
    ]);
  });

  it('finds an output that is not a tensor (a ZipMap)', () => {
    const graph = {
      inputs: CLASSIFIER.inputs,
      outputs: [tensor('label', 'int64', ['N']), { name: 'zipmap', isTensor: false } as const],
    };
    expect(problems({ outputName: 'zipmap', scoreColumn: 1 }, graph)).toEqual([
      {
        reason: 'unsupported_output',
        message: expect.stringContaining(
          'output "zipmap" is not a tensor (a ZipMap of probabilities?); export the classifier with zipmap=False',
        ) as string,
        details: { output: 'zipmap' },
      },
    ]);
  });

  it('finds a named output that holds no float score', () => {
    expect(problems({ outputName: 'label' }, CLASSIFIER)).toEqual([
      {
        reason: 'unsupported_output',
        message:
          'output "label" holds int64, not a float score; name the probability or score output in onnx.outputName',
        details: { output: 'label', type: 'int64' },
      },
    ]);
  });

  it('finds a score column beyond the columns of the output', () => {
    expect(problems({ scoreColumn: 2 }, CLASSIFIER)).toEqual([
      {
        reason: 'unknown_output',
        message: 'onnx.scoreColumn is 2 but output "probabilities" has 2 column(s)',
        details: { output: 'probabilities', scoreColumn: 2 },
      },
    ]);
    const rank1 = { inputs: CLASSIFIER.inputs, outputs: [tensor('score', 'float64', ['N'])] };
    expect(problems({ scoreColumn: 1 }, rank1)).toEqual([
      {
        reason: 'unknown_output',
        message: 'onnx.scoreColumn is 1 but output "score" has 1 column(s)',
        details: { output: 'score', scoreColumn: 1 },
      },
    ]);
  });

  it('accepts any score column of an output whose columns are symbolic or unknown', () => {
    for (const shape of [['N', 'k'], []]) {
      const graph = { inputs: CLASSIFIER.inputs, outputs: [tensor('p', 'float32', shape)] };
      expect(checkGraphContract({ scoreColumn: 5 }, graph).ok).toBe(true);
    }
    expect(checkGraphContract({ scoreColumn: 1 }, CLASSIFIER).ok).toBe(true);
  });

  it('lists every problem it can find, inputs first', () => {
    const manifest = { inputs: [input('num', 'string')], outputName: 'p', scoreColumn: 3 };
    expect(problems(manifest, TWO_INPUTS).map((p) => p.reason)).toEqual([
      'input_mismatch', // "cat" is not described
      'input_mismatch', // "num" is fed as string
      'unknown_output', // no column 3
    ]);
  });
});

describe('checkInputFeed', () => {
  it('accepts a feed of the right element type and width', () => {
    expect(checkInputFeed(TWO_INPUTS, { name: 'num', type: 'float32', width: 2 })).toBeUndefined();
    expect(checkInputFeed(TWO_INPUTS, { name: 'cat', type: 'string', width: 1 })).toBeUndefined();
  });

  it('accepts any width when the last dimension is symbolic', () => {
    const graph = { inputs: [tensor('x', 'float32', ['N', 'k'])], outputs: [] };
    expect(checkInputFeed(graph, { name: 'x', type: 'float32', width: 7 })).toBeUndefined();
  });

  it('finds an input the graph does not have', () => {
    expect(checkInputFeed(TWO_INPUTS, { name: 'x', type: 'float32', width: 2 })).toEqual({
      reason: 'unknown_input',
      message: `no graph input "x"; the graph's inputs are "num", "cat"`,
    });
  });

  it('finds a feed of another element type', () => {
    expect(checkInputFeed(TWO_INPUTS, { name: 'cat', type: 'float32', width: 1 })).toMatchObject({
      reason: 'input_mismatch',
      details: { input: 'cat', expected: 'string', declared: 'float32' },
    });
  });

  it('finds a feed of another width than the graph takes', () => {
    expect(checkInputFeed(TWO_INPUTS, { name: 'num', type: 'float32', width: 3 })).toEqual({
      reason: 'input_mismatch',
      message: 'the manifest builds 3 column(s) for input "num" but the graph takes 2',
      details: { input: 'num', columns: 3, graphColumns: 2 },
    });
  });
});
