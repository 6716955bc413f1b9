/**
 * demo-churn version 1: L2-regularised logistic regression fitted by Newton's
 * method (iteratively reweighted least squares), exported as an ONNX graph.
 *
 * Model: p = σ(b + Σⱼ wⱼ·(xⱼ − cⱼ)/sⱼ), where cⱼ, sⱼ are the training mean and
 * standard deviation of numeric column j (0 and 1 for one-hot columns).
 * Fit: minimise −Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)] + (λ/2)·‖w‖² (the
 * intercept is not penalised; the penalty also makes the full one-hot coding
 * identifiable). Newton step: θ ← θ − H⁻¹g with g = Zᵀ(p − y) + λw and
 * H = Zᵀ diag(p(1 − p)) Z + λI (Hastie, Tibshirani & Friedman, The Elements of
 * Statistical Learning, 2nd ed., §4.4.1). A fixed number of steps, no
 * stopping test, so the result depends on the data alone.
 *
 * Every parameter is rounded to float32 once fitted — the ONNX graph stores
 * float32 — and {@link predictLogistic} uses those rounded values, so the TS
 * prediction and onnxruntime's differ only by float32 arithmetic.
 */
import type { InputColumnSpec } from '../src/core/model.js';
import { columnCount, demoInputColumns, featureMatrix, type DemoRow } from './demoData.js';
import {
  DEFAULT_OPSET,
  DataType,
  attribute,
  floatTensor,
  model,
  node,
  valueInfo,
} from './onnx/onnxProto.js';

/** Input columns of version 1: numeric features raw, then the categoricals one-hot. */
export const LOGISTIC_COLUMNS: InputColumnSpec[] = demoInputColumns('one_hot');

export interface LogisticModel {
  columns: InputColumnSpec[];
  /** Per input column: subtracted first (float32 values). */
  center: Float32Array;
  /** Per input column: divided by next (float32 values, > 0). */
  scale: Float32Array;
  /** Per input column: coefficient on the standardised value (float32 values). */
  weights: Float32Array;
  /** Intercept (a float32 value). */
  bias: number;
}

export interface LogisticOptions {
  /** Newton steps (default 12; the fit converges in fewer). */
  iterations?: number;
  /** L2 penalty λ on the coefficients (default 1). */
  l2?: number;
}

const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

/** Solves A·x = b (A square, row-major, overwritten) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, size: number): Float64Array {
  for (let col = 0; col < size; col += 1) {
    let pivot = col;
    for (let row = col + 1; row < size; row += 1) {
      if (Math.abs(a[row * size + col]!) > Math.abs(a[pivot * size + col]!)) pivot = row;
    }
    if (a[pivot * size + col] === 0) throw new Error('singular Hessian: add an L2 penalty');
    if (pivot !== col) {
      for (let k = 0; k < size; k += 1) {
        const t = a[col * size + k]!;
        a[col * size + k] = a[pivot * size + k]!;
        a[pivot * size + k] = t;
      }
      const t = b[col]!;
      b[col] = b[pivot]!;
      b[pivot] = t;
    }
    for (let row = col + 1; row < size; row += 1) {
      const factor = a[row * size + col]! / a[col * size + col]!;
      if (factor === 0) continue;
      for (let k = col; k < size; k += 1) a[row * size + k]! -= factor * a[col * size + k]!;
      b[row]! -= factor * b[col]!;
    }
  }
  const x = new Float64Array(size);
  for (let row = size - 1; row >= 0; row -= 1) {
    let sum = b[row]!;
    for (let k = row + 1; k < size; k += 1) sum -= a[row * size + k]! * x[k]!;
    x[row] = sum / a[row * size + row]!;
  }
  return x;
}

/** Training mean and standard deviation (population) of each numeric column; 0 and 1 otherwise. */
function standardisation(
  matrix: Float32Array,
  n: number,
  columns: readonly InputColumnSpec[],
): { center: Float32Array; scale: Float32Array } {
  const width = columnCount(columns);
  const center = new Float32Array(width);
  const scale = new Float32Array(width).fill(1);
  let c = 0;
  for (const column of columns) {
    if (column.encoding !== 'numeric') {
      c += column.encoding === 'one_hot' ? (column.categories?.length ?? 0) : 1;
      continue;
    }
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += matrix[i * width + c]!;
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i += 1) squares += (matrix[i * width + c]! - mean) ** 2;
    const sd = Math.sqrt(squares / n);
    center[c] = mean;
    scale[c] = sd > 0 ? sd : 1;
    c += 1;
  }
  return { center, scale };
}

export function trainLogistic(
  rows: readonly DemoRow[],
  options: LogisticOptions = {},
): LogisticModel {
  const iterations = options.iterations ?? 12;
  const l2 = options.l2 ?? 1;
  const columns = LOGISTIC_COLUMNS;
  const n = rows.length;
  if (n === 0) throw new Error('no training rows');
  const width = columnCount(columns);
  const matrix = featureMatrix(rows, columns);
  const { center, scale } = standardisation(matrix, n, columns);

  // Design matrix with a leading intercept column, from the float32 inputs
  // and the float32 standardisation the graph will use.
  const size = width + 1;
  const z = new Float64Array(n * size);
  for (let i = 0; i < n; i += 1) {
    z[i * size] = 1;
    for (let j = 0; j < width; j += 1) {
      z[i * size + 1 + j] = (matrix[i * width + j]! - center[j]!) / scale[j]!;
    }
  }
  const theta = new Float64Array(size);
  for (let step = 0; step < iterations; step += 1) {
    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    for (let i = 0; i < n; i += 1) {
      const row = i * size;
      let logit = 0;
      for (let j = 0; j < size; j += 1) logit += theta[j]! * z[row + j]!;
      const p = sigmoid(logit);
      const residual = p - rows[i]!.churned;
      const curvature = p * (1 - p);
      for (let j = 0; j < size; j += 1) {
        const zj = z[row + j]!;
        gradient[j]! += residual * zj;
        const weighted = curvature * zj;
        for (let k = j; k < size; k += 1) hessian[j * size + k]! += weighted * z[row + k]!;
      }
    }
    for (let j = 0; j < size; j += 1) {
      for (let k = 0; k < j; k += 1) hessian[j * size + k] = hessian[k * size + j]!;
      if (j > 0) {
        gradient[j]! += l2 * theta[j]!;
        hessian[j * size + j]! += l2;
      }
    }
    const delta = solve(hessian, gradient, size);
    for (let j = 0; j < size; j += 1) theta[j]! -= delta[j]!;
  }
  return {
    columns,
    center,
    scale,
    weights: Float32Array.from(theta.subarray(1)),
    bias: Math.fround(theta[0]!),
  };
}

/** P(churn) of each row of a float32 matrix [n, columns], with the model's float32 parameters. */
export function predictLogistic(model: LogisticModel, matrix: Float32Array): Float64Array {
  const width = model.weights.length;
  const n = matrix.length / width;
  if (!Number.isInteger(n))
    throw new Error(`matrix length ${matrix.length} is not a multiple of ${width}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let logit = model.bias;
    for (let j = 0; j < width; j += 1) {
      logit += (model.weights[j]! * (matrix[i * width + j]! - model.center[j]!)) / model.scale[j]!;
    }
    out[i] = sigmoid(logit);
  }
  return out;
}

/**
 * The ONNX graph: features [N, k] → Sub(center) → Div(scale) → MatMul(weights
 * [k, 1]) → Add(bias) → Sigmoid = p [N, 1]; probabilities = Concat(1 − p, p)
 * along axis 1, [N, 2]. Default domain only, opset 17.
 */
export function logisticOnnx(fitted: LogisticModel, docString: string): Uint8Array {
  const width = fitted.weights.length;
  return model({
    opsets: [DEFAULT_OPSET],
    docString,
    graph: {
      name: 'demo_churn_logistic',
      inputs: [valueInfo('features', DataType.FLOAT, ['N', width])],
      outputs: [valueInfo('probabilities', DataType.FLOAT, ['N', 2])],
      initializers: [
        floatTensor('center', [width], fitted.center),
        floatTensor('scale', [width], fitted.scale),
        floatTensor('weights', [width, 1], fitted.weights),
        floatTensor('bias', [1], [fitted.bias]),
        floatTensor('one', [1], [1]),
      ],
      nodes: [
        node('Sub', ['features', 'center'], ['centered']),
        node('Div', ['centered', 'scale'], ['standardized']),
        node('MatMul', ['standardized', 'weights'], ['linear']),
        node('Add', ['linear', 'bias'], ['logit']),
        node('Sigmoid', ['logit'], ['churn_probability']),
        node('Sub', ['one', 'churn_probability'], ['stay_probability']),
        node('Concat', ['stay_probability', 'churn_probability'], ['probabilities'], {
          attributes: [attribute.int('axis', 1)],
        }),
      ],
    },
  });
}
