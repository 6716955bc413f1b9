/**
 * The contract between a version's manifest (its `onnx` section) and its ONNX
 * graph: every input the manifest describes is one of the graph's, of the
 * element type the manifest feeds, and every graph input is described; the
 * score output exists, is a float tensor and has the score column.
 *
 * Pure: the graph comes in as the plain input and output descriptions
 * onnxruntime reports (`InferenceSession.inputMetadata` / `outputMetadata`),
 * so the checks run without a model. Problems are returned, in the order a
 * reader fixes them; a check that needs an earlier answer (the graph's first
 * input, the score output) is skipped when that answer is missing. Messages
 * say what is wrong and how to fix it; the caller prefixes the model and
 * version.
 *
 * @example
 * const graph = {
 *   inputs: [{ name: 'x', isTensor: true, type: 'float32', shape: ['N', 3] }],
 *   outputs: [{ name: 'p', isTensor: true, type: 'float32', shape: ['N', 1] }],
 * } as const;
 * checkGraphContract({}, graph) // { ok: true, defaultInputName: 'x', outputName: 'p' }
 * checkGraphContract({ outputName: 'prob' }, graph)
 * // { ok: false, problems: [{ reason: 'unknown_output',
 * //   message: 'onnx.outputName is "prob" but the graph\'s outputs are "p"', … }] }
 * checkInputFeed(graph, { name: 'x', type: 'float32', width: 4 })
 * // { reason: 'input_mismatch', message: 'the manifest builds 4 column(s) for input "x" but the graph takes 3', … }
 */
import type { OnnxArtifact } from '../core/model.js';

/** One input or output of a graph, as onnxruntime describes it (`InferenceSession.ValueMetadata`). */
export type GraphValue =
  | { readonly name: string; readonly isTensor: false }
  | {
      readonly name: string;
      readonly isTensor: true;
      /** Element type: `float32`, `int64`, `string`… */
      readonly type: string;
      /** Dimensions; a string is a symbolic dimension (`'N'`), `[]` an unknown shape. */
      readonly shape: readonly (number | string)[];
    };

/** The graph's inputs and outputs, in the graph's order. */
export interface GraphSignature {
  readonly inputs: readonly GraphValue[];
  readonly outputs: readonly GraphValue[];
}

/** What the manifest says about the graph's inputs and outputs. */
export type ManifestGraphSpec = Pick<
  OnnxArtifact,
  'inputName' | 'inputs' | 'outputName' | 'scoreColumn'
>;

export type GraphContractReason =
  'invalid_graph' | 'unknown_input' | 'input_mismatch' | 'unknown_output' | 'unsupported_output';

export interface GraphContractProblem {
  reason: GraphContractReason;
  /** What is wrong and what to fix, without the model's name. */
  message: string;
  details?: Record<string, unknown>;
}

export type GraphContract =
  | {
      ok: true;
      /** Input that takes every feature when the manifest has no `inputs`: `inputName`, else the graph's first. */
      defaultInputName: string;
      /** Output the score is read from. */
      outputName: string;
    }
  | { ok: false; problems: GraphContractProblem[] };

/** One tensor the scorer feeds: its graph input, element type and columns per row. */
export interface InputFeed {
  name: string;
  type: 'float32' | 'string';
  width: number;
}

const FLOAT_OUTPUT_TYPES = new Set(['float32', 'float64']);

/** Checks the manifest against the graph as a whole (at load time). */
export function checkGraphContract(
  manifest: ManifestGraphSpec,
  graph: GraphSignature,
): GraphContract {
  const problems: GraphContractProblem[] = [];
  const defaultInputName = checkInputs(manifest, graph, problems);
  const outputName = checkOutput(manifest, graph, problems);
  if (problems.length > 0 || defaultInputName === undefined || outputName === undefined) {
    return { ok: false, problems };
  }
  return { ok: true, defaultInputName, outputName };
}

/**
 * Checks one tensor the scorer is about to feed (a compiled input plan, or
 * assembled tensors): the graph has the input, takes that element type and,
 * when its last dimension is fixed, that many columns.
 * @returns the first problem, or undefined when the feed fits.
 */
export function checkInputFeed(
  graph: GraphSignature,
  feed: InputFeed,
): GraphContractProblem | undefined {
  const input = graph.inputs.find((value) => value.name === feed.name);
  if (input === undefined) {
    return {
      reason: 'unknown_input',
      message: `no graph input "${feed.name}"; the graph's inputs are ${quoteList(namesOf(graph.inputs))}`,
    };
  }
  return elementTypeProblem(input, feed.type) ?? widthProblem(input, feed.width);
}

function checkInputs(
  manifest: ManifestGraphSpec,
  graph: GraphSignature,
  problems: GraphContractProblem[],
): string | undefined {
  const inputNames = namesOf(graph.inputs);
  const firstInput = inputNames[0];
  if (firstInput === undefined) {
    problems.push({ reason: 'invalid_graph', message: 'the graph has no inputs' });
    return undefined;
  }
  const defaultInputName = manifest.inputName ?? firstInput;
  const specInputs = manifest.inputs?.map((input) => input.name) ?? [defaultInputName];
  const unknownInputs = specInputs.filter((name) => !inputNames.includes(name));
  if (unknownInputs.length > 0) {
    problems.push({
      reason: 'unknown_input',
      message: `the manifest names input ${quoteList(unknownInputs)} but the graph's inputs are ${quoteList(inputNames)}`,
      details: { unknown: unknownInputs, inputs: inputNames },
    });
  }
  const missingInputs = inputNames.filter((name) => !specInputs.includes(name));
  if (missingInputs.length > 0) {
    problems.push({
      reason: 'input_mismatch',
      message: `the graph also needs input ${quoteList(missingInputs)}, which the manifest does not describe; list every graph input in onnx.inputs`,
      details: { missing: missingInputs, inputs: inputNames },
    });
  }
  for (const spec of manifest.inputs ?? []) {
    const input = graph.inputs.find((value) => value.name === spec.name);
    const problem = input && elementTypeProblem(input, spec.type);
    if (problem) problems.push(problem);
  }
  return defaultInputName;
}

function checkOutput(
  manifest: ManifestGraphSpec,
  graph: GraphSignature,
  problems: GraphContractProblem[],
): string | undefined {
  const outputName = resolveOutputName(manifest, graph, problems);
  if (outputName === undefined) return undefined;
  const output = graph.outputs.find((value) => value.name === outputName);
  if (output === undefined) return outputName;
  if (!output.isTensor) {
    problems.push({
      reason: 'unsupported_output',
      message: `output "${outputName}" is not a tensor (a ZipMap of probabilities?); export the classifier with zipmap=False and name its probability tensor in onnx.outputName`,
      details: { output: outputName },
    });
    return outputName;
  }
  if (!FLOAT_OUTPUT_TYPES.has(output.type)) {
    problems.push({
      reason: 'unsupported_output',
      message: `output "${outputName}" holds ${output.type}, not a float score; name the probability or score output in onnx.outputName`,
      details: { output: outputName, type: output.type },
    });
  }
  const scoreColumn = manifest.scoreColumn;
  if (scoreColumn !== undefined) {
    const last = output.shape.at(-1);
    const columns = output.shape.length >= 2 && typeof last === 'number' ? last : undefined;
    const rank1 = output.shape.length === 1;
    if ((columns !== undefined && scoreColumn >= columns) || (rank1 && scoreColumn > 0)) {
      problems.push({
        reason: 'unknown_output',
        message: `onnx.scoreColumn is ${scoreColumn} but output "${outputName}" has ${columns ?? 1} column(s)`,
        details: { output: outputName, scoreColumn },
      });
    }
  }
  return outputName;
}

/**
 * The registered `outputName`, else the graph's first float tensor output:
 * converted classifiers list an int64 `label` output first, which is not a
 * score (and onnxruntime 1.23's binary TreeEnsembleClassifier label is not
 * even reliable), so the probabilities are what parity compares.
 */
function resolveOutputName(
  manifest: ManifestGraphSpec,
  graph: GraphSignature,
  problems: GraphContractProblem[],
): string | undefined {
  const outputNames = namesOf(graph.outputs);
  const registered = manifest.outputName;
  if (registered !== undefined) {
    if (outputNames.includes(registered)) return registered;
    problems.push({
      reason: 'unknown_output',
      message: `onnx.outputName is "${registered}" but the graph's outputs are ${quoteList(outputNames)}`,
      details: { output: registered, outputs: outputNames },
    });
    return undefined;
  }
  const float = graph.outputs.find((value) => value.isTensor && FLOAT_OUTPUT_TYPES.has(value.type));
  const chosen = float?.name ?? outputNames[0];
  if (chosen === undefined) {
    problems.push({ reason: 'invalid_graph', message: 'the graph has no outputs' });
  }
  return chosen;
}

function elementTypeProblem(
  input: GraphValue,
  type: InputFeed['type'],
): GraphContractProblem | undefined {
  if (!input.isTensor || input.type === type) return undefined;
  return {
    reason: 'input_mismatch',
    message: `the manifest feeds input "${input.name}" as ${type} but the graph takes ${input.type}`,
    details: { input: input.name, expected: input.type, declared: type },
  };
}

function widthProblem(input: GraphValue, width: number): GraphContractProblem | undefined {
  if (!input.isTensor) return undefined;
  const last = input.shape.at(-1);
  if (input.shape.length < 2 || typeof last !== 'number' || last === width) return undefined;
  return {
    reason: 'input_mismatch',
    message: `the manifest builds ${width} column(s) for input "${input.name}" but the graph takes ${last}`,
    details: { input: input.name, columns: width, graphColumns: last },
  };
}

function namesOf(values: readonly GraphValue[]): string[] {
  return values.map((value) => value.name);
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}
