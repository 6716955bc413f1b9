/**
 * Tiny ONNX graphs for the session cache tests, encoded with the demo models'
 * protobuf writer (scripts/onnx/onnxProto.ts).
 *
 * `logisticModel`: x float32 [N, k] → MatMul(W [k, 1]) + b → Sigmoid → p [N, 1];
 * optionally also `probabilities` = Concat(1 − p, p) [N, 2] and an int64
 * `label` = Cast(p ≥ 0.5) listed first, as converted classifiers do.
 */
import {
  DataType,
  DEFAULT_OPSET,
  ML_OPSET,
  attribute,
  floatTensor,
  model,
  node,
  valueInfo,
} from '../../../scripts/onnx/onnxProto.js';

export interface LogisticModelOptions {
  weights: number[];
  bias?: number;
  inputName?: string;
  /** Add `label` (int64, first output) and `probabilities` [N, 2]. */
  classifierOutputs?: boolean;
}

export function logisticModel(options: LogisticModelOptions): Uint8Array {
  const k = options.weights.length;
  const input = options.inputName ?? 'x';
  const nodes = [
    node('MatMul', [input, 'W'], ['z0']),
    node('Add', ['z0', 'b'], ['z']),
    node('Sigmoid', ['z'], ['p']),
  ];
  const outputs = [valueInfo('p', DataType.FLOAT, ['N', 1])];
  const initializers = [
    floatTensor('W', [k, 1], options.weights),
    floatTensor('b', [1], [options.bias ?? 0]),
  ];
  if (options.classifierOutputs) {
    initializers.push(floatTensor('one', [1], [1]), floatTensor('half', [1], [0.5]));
    nodes.push(
      node('Sub', ['one', 'p'], ['q']),
      node('Concat', ['q', 'p'], ['probabilities'], { attributes: [attribute.int('axis', 1)] }),
      node('GreaterOrEqual', ['p', 'half'], ['positive']),
      node('Cast', ['positive'], ['label'], { attributes: [attribute.int('to', DataType.INT64)] }),
    );
    outputs.unshift(valueInfo('label', DataType.INT64, ['N', 1]));
    outputs.push(valueInfo('probabilities', DataType.FLOAT, ['N', 2]));
  }
  return model({
    graph: {
      name: 'logistic',
      nodes,
      inputs: [valueInfo(input, DataType.FLOAT, ['N', k])],
      outputs,
      initializers,
    },
    opsets: [DEFAULT_OPSET],
  });
}

/** The float64 reference of {@link logisticModel}'s `p` (float32 weights, as the graph stores them). */
export function logistic(weights: number[], bias: number, row: ArrayLike<number>): number {
  let z = Math.fround(bias);
  weights.forEach((w, j) => (z += Math.fround(w) * Math.fround(row[j]!)));
  return 1 / (1 + Math.exp(-z));
}

/**
 * Two inputs, one of them strings: `num` float32 [N, 1] and `cat` string
 * [N, 1]; score = num + LabelEncoder(cat) with `lookup` (undeclared → −100).
 */
export function stringInputModel(lookup: Record<string, number>): Uint8Array {
  const keys = Object.keys(lookup);
  return model({
    graph: {
      name: 'string_lookup',
      nodes: [
        node('LabelEncoder', ['cat'], ['encoded'], {
          domain: ML_OPSET.domain,
          attributes: [
            attribute.strings('keys_strings', keys),
            attribute.floats(
              'values_floats',
              keys.map((k) => lookup[k]!),
            ),
            attribute.float('default_float', -100),
          ],
        }),
        node('Add', ['num', 'encoded'], ['score']),
      ],
      inputs: [
        valueInfo('num', DataType.FLOAT, ['N', 1]),
        valueInfo('cat', DataType.STRING, ['N', 1]),
      ],
      outputs: [valueInfo('score', DataType.FLOAT, ['N', 1])],
    },
    opsets: [DEFAULT_OPSET, ML_OPSET],
  });
}
