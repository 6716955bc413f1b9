/**
 * Compiles a version's manifest input description (`onnx.inputs`) against
 * its feature schema into an {@link InputPlan}: per graph input, its element
 * type, its width and, per column, the feature, its encoding and the position
 * of each declared category. A manifest that cannot describe the version's
 * inputs is refused here with an {@link InputSpecError} naming the input and
 * feature, once per version — before any row is read.
 *
 * Pure: no I/O, no onnxruntime. The assembler (inputAssembler.ts) follows
 * the plan row by row; the session checks it against the graph.
 */
import { AppError } from '../core/errors.js';
import type { FeatureSpec, InputEncoding, OnnxArtifact, OnnxInputSpec } from '../core/model.js';

/**
 * A manifest whose `onnx` section cannot describe this version's inputs (a
 * feature not in the schema, a categorical feature fed as a number, a string
 * column in a float input…). Configuration, not data: every row would fail.
 */
export class InputSpecError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', message, { details });
  }
}

export interface PlanOptions {
  /**
   * Name of the single float input when the manifest has no `inputs` and no
   * `inputName`: the caller resolves it from the graph (its first input).
   */
  defaultInputName?: string | undefined;
}

export interface ColumnPlan {
  featureIndex: number;
  feature: string;
  encoding: InputEncoding;
  /** First tensor column of this feature within its input. */
  offset: number;
  /** Category → position, for `one_hot` and `index`. */
  categoryIndex: Map<string, number> | undefined;
}

export interface InputTensorPlan {
  name: string;
  type: 'float32' | 'string';
  /** Tensor columns per row. */
  width: number;
  columns: readonly ColumnPlan[];
}

/** A validated, compiled `onnx.inputs`: reuse it across windows of a version. */
export interface InputPlan {
  inputs: readonly InputTensorPlan[];
  unknownCategory: 'unscorable' | 'zeros';
}

/**
 * Compiles a manifest's input description against the version's feature
 * schema. Without `inputs`, the graph takes one float32 input (`inputName`, or
 * `options.defaultInputName`) holding every feature as a number in schema order.
 *
 * @throws InputSpecError naming the offending input and feature.
 */
export function planInputs(
  artifact: OnnxArtifact,
  features: readonly FeatureSpec[],
  options: PlanOptions = {},
): InputPlan {
  const featureIndex = new Map<string, number>();
  features.forEach((feature, i) => featureIndex.set(feature.name, i));
  const specs = artifact.inputs ?? [defaultInputSpec(artifact, features, options)];
  if (specs.length === 0) throw new InputSpecError('onnx.inputs must name at least one input');
  const seenNames = new Set<string>();
  const inputs = specs.map((spec) => {
    if (seenNames.has(spec.name)) {
      throw new InputSpecError(`onnx.inputs names input "${spec.name}" twice`);
    }
    seenNames.add(spec.name);
    return planInput(spec, features, featureIndex);
  });
  return { inputs, unknownCategory: artifact.unknownCategory ?? 'unscorable' };
}

function defaultInputSpec(
  artifact: OnnxArtifact,
  features: readonly FeatureSpec[],
  options: PlanOptions,
): OnnxInputSpec {
  const name = artifact.inputName ?? options.defaultInputName;
  if (name === undefined) {
    throw new InputSpecError(
      'onnx.inputs is absent and no input name is known: set onnx.inputName or let the session name the graph input',
    );
  }
  const categorical = features.filter((f) => f.type === 'categorical').map((f) => f.name);
  if (categorical.length > 0) {
    throw new InputSpecError(
      `without onnx.inputs every feature is fed to "${name}" as a number, but ${categorical
        .map((n) => `"${n}"`)
        .join(
          ', ',
        )} ${categorical.length === 1 ? 'is' : 'are'} categorical: declare onnx.inputs with a one_hot, index or string encoding for ${categorical.length === 1 ? 'it' : 'them'}`,
      { input: name, categorical },
    );
  }
  return {
    name,
    type: 'float32',
    columns: features.map((f) => ({ feature: f.name, encoding: 'numeric' })),
  };
}

function planInput(
  spec: OnnxInputSpec,
  features: readonly FeatureSpec[],
  featureIndex: ReadonlyMap<string, number>,
): InputTensorPlan {
  if (spec.columns.length === 0) {
    throw new InputSpecError(`input "${spec.name}" has no columns`);
  }
  let width = 0;
  const columns = spec.columns.map((column): ColumnPlan => {
    const index = featureIndex.get(column.feature);
    const where = `input "${spec.name}", feature "${column.feature}"`;
    if (index === undefined) {
      throw new InputSpecError(
        `${where}: "${column.feature}" is not a feature of this version's schema`,
        { input: spec.name, feature: column.feature },
      );
    }
    const feature = features[index]!;
    if ((spec.type === 'string') !== (column.encoding === 'string')) {
      throw new InputSpecError(
        `${where}: a ${spec.type} input cannot take a ${column.encoding} column`,
      );
    }
    if (column.encoding === 'numeric' && feature.type === 'categorical') {
      throw new InputSpecError(
        `${where}: a categorical feature cannot be fed as a number; use one_hot, index or string`,
      );
    }
    let categoryIndex: Map<string, number> | undefined;
    if (column.encoding === 'one_hot' || column.encoding === 'index') {
      if (!column.categories || column.categories.length === 0) {
        throw new InputSpecError(
          `${where}: encoding ${column.encoding} needs the list of categories`,
        );
      }
      categoryIndex = new Map();
      for (const [i, category] of column.categories.entries()) {
        if (categoryIndex.has(category)) {
          throw new InputSpecError(`${where}: category "${category}" is declared twice`);
        }
        categoryIndex.set(category, i);
      }
    }
    const plan: ColumnPlan = {
      featureIndex: index,
      feature: column.feature,
      encoding: column.encoding,
      offset: width,
      categoryIndex,
    };
    width += column.encoding === 'one_hot' ? categoryIndex!.size : 1;
    return plan;
  });
  return { name: spec.name, type: spec.type, width, columns };
}
