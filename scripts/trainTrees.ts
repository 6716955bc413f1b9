/**
 * demo-churn version 2 (the challenger): gradient-boosted regression trees on
 * the logistic loss, exported as an ONNX `ai.onnx.ml` TreeEnsembleRegressor
 * followed by Sigmoid.
 *
 * Boosting (Friedman 2001, "Greedy function approximation", Ann. Statist.
 * 29:1189–1232) with second-order leaf values and split gains (Chen &
 * Guestrin 2016, XGBoost, KDD, eq. 5–7): for the raw score F and label y,
 * gᵢ = σ(Fᵢ) − yᵢ, hᵢ = σ(Fᵢ)(1 − σ(Fᵢ)); a leaf holding rows I gets
 * −η·Σg / (Σh + λ); a split is scored by
 *   G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ).
 * F starts at the training log-odds. Candidates are midpoints between
 * consecutive distinct values; ties between equal gains go to the first
 * feature and the lowest threshold, so training is deterministic.
 *
 * Why a regressor and not TreeEnsembleClassifier: for a binary classifier
 * with one weight per leaf, onnxruntime applies the logistic transform only
 * when some weight is negative, and its `label` output is unreliable; the sum
 * of the trees followed by an explicit Sigmoid means one thing.
 *
 * Float32 agreement: inputs, thresholds and leaf values are float32, and a
 * threshold always lies strictly between the two float32 values it
 * separates, so onnxruntime's `x <= threshold` sends every row the way
 * training did; only the float32 sum of the leaves differs.
 */
import type { InputColumnSpec } from '../src/core/model.js';
import { columnCount, demoInputColumns, featureMatrix, type DemoRow } from './demoData.js';
import {
  DEFAULT_OPSET,
  DataType,
  ML_OPSET,
  attribute,
  floatTensor,
  model,
  node,
  valueInfo,
} from './onnx/onnxProto.js';

/** Input columns of version 2: numeric features raw, then each categorical as its category index. */
export const TREE_COLUMNS: InputColumnSpec[] = demoInputColumns('index');

/** One tree, nodes numbered 0… in pre-order; `left` is the branch taken when x ≤ threshold. */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf value (float32), or NaN for a branch. */
  value: number[];
}

export interface BoostedTrees {
  columns: InputColumnSpec[];
  /** Initial raw score: the training log-odds (a float32 value). */
  baseScore: number;
  trees: Tree[];
}

export interface BoostingOptions {
  /** Number of trees (default 20). */
  trees?: number;
  /** Maximum depth (default 3: at most 8 leaves). */
  depth?: number;
  /** Shrinkage η (default 0.3). */
  learningRate?: number;
  /** L2 penalty λ on leaf values (default 1). */
  l2?: number;
  /** Least hessian sum in a child (default 5). */
  minChildHessian?: number;
}

const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

interface Split {
  feature: number;
  threshold: number;
  gain: number;
}

/** Row indices sorted by each column (ties by row index), computed once per training run. */
function columnOrders(matrix: Float32Array, width: number): Int32Array[] {
  const n = matrix.length / width;
  return Array.from({ length: width }, (_, feature) =>
    Int32Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => matrix[a * width + feature]! - matrix[b * width + feature]! || a - b,
    ),
  );
}

function bestSplit(
  matrix: Float32Array,
  width: number,
  orders: readonly Int32Array[],
  members: readonly number[],
  g: Float64Array,
  h: Float64Array,
  l2: number,
  minChildHessian: number,
): Split | null {
  let totalG = 0;
  let totalH = 0;
  for (const i of members) {
    totalG += g[i]!;
    totalH += h[i]!;
  }
  const parentScore = (totalG * totalG) / (totalH + l2);
  const inNode = new Uint8Array(matrix.length / width);
  for (const i of members) inNode[i] = 1;
  let best: Split | null = null;
  for (let feature = 0; feature < width; feature += 1) {
    const value = (i: number): number => matrix[i * width + feature]!;
    const sorted = orders[feature]!.filter((i) => inNode[i] === 1);
    let leftG = 0;
    let leftH = 0;
    for (let k = 0; k < sorted.length - 1; k += 1) {
      const i = sorted[k]!;
      leftG += g[i]!;
      leftH += h[i]!;
      const here = value(i);
      const next = value(sorted[k + 1]!);
      if (here === next) continue;
      const rightG = totalG - leftG;
      const rightH = totalH - leftH;
      if (leftH < minChildHessian || rightH < minChildHessian) continue;
      const gain = (leftG * leftG) / (leftH + l2) + (rightG * rightG) / (rightH + l2) - parentScore;
      if (gain > 0 && (best === null || gain > best.gain)) {
        // A float32 threshold strictly between `here` and `next` (both float32).
        let threshold = Math.fround((here + next) / 2);
        if (!(threshold >= here && threshold < next)) threshold = here;
        best = { feature, threshold, gain };
      }
    }
  }
  return best;
}

function growTree(
  matrix: Float32Array,
  width: number,
  orders: readonly Int32Array[],
  g: Float64Array,
  h: Float64Array,
  options: Required<BoostingOptions>,
): Tree {
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const grow = (members: number[], depth: number): number => {
    const id = tree.value.length;
    tree.feature.push(0);
    tree.threshold.push(0);
    tree.left.push(0);
    tree.right.push(0);
    tree.value.push(Number.NaN);
    const split =
      depth < options.depth
        ? bestSplit(matrix, width, orders, members, g, h, options.l2, options.minChildHessian)
        : null;
    if (split === null) {
      let sumG = 0;
      let sumH = 0;
      for (const i of members) {
        sumG += g[i]!;
        sumH += h[i]!;
      }
      tree.value[id] = Math.fround((-options.learningRate * sumG) / (sumH + options.l2));
      return id;
    }
    const leftMembers = members.filter(
      (i) => matrix[i * width + split.feature]! <= split.threshold,
    );
    const rightMembers = members.filter(
      (i) => matrix[i * width + split.feature]! > split.threshold,
    );
    tree.feature[id] = split.feature;
    tree.threshold[id] = split.threshold;
    tree.left[id] = grow(leftMembers, depth + 1);
    tree.right[id] = grow(rightMembers, depth + 1);
    return id;
  };
  grow(
    Array.from({ length: matrix.length / width }, (_, i) => i),
    0,
  );
  return tree;
}

function treeValue(tree: Tree, matrix: Float32Array, width: number, row: number): number {
  let id = 0;
  while (Number.isNaN(tree.value[id])) {
    id =
      matrix[row * width + tree.feature[id]!]! <= tree.threshold[id]!
        ? tree.left[id]!
        : tree.right[id]!;
  }
  return tree.value[id]!;
}

export function trainBoostedTrees(
  rows: readonly DemoRow[],
  options: BoostingOptions = {},
): BoostedTrees {
  const settings: Required<BoostingOptions> = {
    trees: options.trees ?? 20,
    depth: options.depth ?? 3,
    learningRate: options.learningRate ?? 0.3,
    l2: options.l2 ?? 1,
    minChildHessian: options.minChildHessian ?? 5,
  };
  const n = rows.length;
  const positives = rows.reduce((sum, row) => sum + row.churned, 0);
  if (positives === 0 || positives === n) throw new Error('training rows need both classes');
  const columns = TREE_COLUMNS;
  const width = columnCount(columns);
  const matrix = featureMatrix(rows, columns);
  const baseScore = Math.fround(Math.log(positives / (n - positives)));
  const raw = new Float64Array(n).fill(baseScore);
  const orders = columnOrders(matrix, width);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const trees: Tree[] = [];
  for (let t = 0; t < settings.trees; t += 1) {
    for (let i = 0; i < n; i += 1) {
      const p = sigmoid(raw[i]!);
      g[i] = p - rows[i]!.churned;
      h[i] = p * (1 - p);
    }
    const tree = growTree(matrix, width, orders, g, h, settings);
    for (let i = 0; i < n; i += 1) raw[i]! += treeValue(tree, matrix, width, i);
    trees.push(tree);
  }
  return { columns, baseScore, trees };
}

/** P(churn) of each row of a float32 matrix [n, columns]. */
export function predictBoostedTrees(fitted: BoostedTrees, matrix: Float32Array): Float64Array {
  const width = columnCount(fitted.columns);
  const n = matrix.length / width;
  if (!Number.isInteger(n))
    throw new Error(`matrix length ${matrix.length} is not a multiple of ${width}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let raw = fitted.baseScore;
    for (const tree of fitted.trees) raw += treeValue(tree, matrix, width, i);
    out[i] = sigmoid(raw);
  }
  return out;
}

/**
 * The ONNX graph: features [N, k] → TreeEnsembleRegressor (SUM of the trees
 * plus base_values, no post-transform) = raw [N, 1] → Sigmoid = p;
 * probabilities = Concat(1 − p, p) along axis 1, [N, 2].
 */
export function boostedTreesOnnx(fitted: BoostedTrees, docString: string): Uint8Array {
  const width = columnCount(fitted.columns);
  const nodes = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
  };
  const targets = { treeIds: [] as number[], nodeIds: [] as number[], weights: [] as number[] };
  fitted.trees.forEach((tree, treeId) => {
    tree.value.forEach((value, nodeId) => {
      const leaf = !Number.isNaN(value);
      nodes.treeIds.push(treeId);
      nodes.nodeIds.push(nodeId);
      nodes.featureIds.push(leaf ? 0 : tree.feature[nodeId]!);
      nodes.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      nodes.values.push(leaf ? 0 : tree.threshold[nodeId]!);
      nodes.trueIds.push(leaf ? 0 : tree.left[nodeId]!);
      nodes.falseIds.push(leaf ? 0 : tree.right[nodeId]!);
      if (leaf) {
        targets.treeIds.push(treeId);
        targets.nodeIds.push(nodeId);
        targets.weights.push(value);
      }
    });
  });
  return model({
    opsets: [DEFAULT_OPSET, ML_OPSET],
    docString,
    graph: {
      name: 'demo_churn_boosted_trees',
      inputs: [valueInfo('features', DataType.FLOAT, ['N', width])],
      outputs: [valueInfo('probabilities', DataType.FLOAT, ['N', 2])],
      initializers: [floatTensor('one', [1], [1])],
      nodes: [
        node('TreeEnsembleRegressor', ['features'], ['raw_score'], {
          domain: ML_OPSET.domain,
          attributes: [
            attribute.string('aggregate_function', 'SUM'),
            attribute.floats('base_values', [fitted.baseScore]),
            attribute.int('n_targets', 1),
            attribute.ints('nodes_falsenodeids', nodes.falseIds),
            attribute.ints('nodes_featureids', nodes.featureIds),
            attribute.strings('nodes_modes', nodes.modes),
            attribute.ints('nodes_nodeids', nodes.nodeIds),
            attribute.ints('nodes_treeids', nodes.treeIds),
            attribute.ints('nodes_truenodeids', nodes.trueIds),
            attribute.floats('nodes_values', nodes.values),
            attribute.string('post_transform', 'NONE'),
            attribute.ints(
              'target_ids',
              targets.treeIds.map(() => 0),
            ),
            attribute.ints('target_nodeids', targets.nodeIds),
            attribute.ints('target_treeids', targets.treeIds),
            attribute.floats('target_weights', targets.weights),
          ],
        }),
        node('Sigmoid', ['raw_score'], ['churn_probability']),
        node('Sub', ['one', 'churn_probability'], ['stay_probability']),
        node('Concat', ['stay_probability', 'churn_probability'], ['probabilities'], {
          attributes: [attribute.int('axis', 1)],
        }),
      ],
    },
  });
}
