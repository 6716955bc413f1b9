/**
 * Rebuilds a model's ONNX input tensors from logged features, per the
 * version's manifest (`onnx.inputs`, compiled by inputPlan.ts): numeric
 * features as they are, categorical features one-hot or by index in a
 * declared category list, or as strings for graphs that take string tensors.
 *
 * Pure: no I/O, no onnxruntime. Rows come in columnar form (one array of
 * values per schema feature), which is how a window is read and lets the
 * assembler walk 100 000 rows in tight per-column loops. `prepareRows` checks
 * the rows once and leaves the writing to the scorer, batch by batch into one
 * reused buffer; `assembleInputs` writes whole-window tensors.
 *
 * A row that cannot be rebuilt faithfully is never guessed at: a missing
 * feature is not scored as 0 and an undeclared category is not scored as
 * "none of them" (unless the manifest says `unknownCategory: 'zeros'`, the
 * behaviour of sklearn's `OneHotEncoder(handle_unknown='ignore')`). Such rows
 * are reported with a reason and left out of the tensors; `rowIndex` maps each
 * tensor row back to the input row it came from.
 */
import type { FeatureSpec, FeatureValue, OnnxArtifact } from '../core/model.js';
import { planInputs, type ColumnPlan, type InputPlan, type PlanOptions } from './inputPlan.js';

/** Rows as columns: `columns[f][row]` is the value of schema feature `f` in `row`. */
export interface ColumnarFeatureRows {
  rowCount: number;
  /** One column per schema feature, in schema order; `null`/`undefined` is missing. */
  columns: readonly ArrayLike<FeatureValue | undefined>[];
}

/** Rows behind a getter, for callers that hold rows in another shape. */
export interface GetterFeatureRows {
  rowCount: number;
  /** The value of schema feature `featureIndex` in `row`; `null`/`undefined` is missing. */
  value(row: number, featureIndex: number): FeatureValue | undefined;
}

export type FeatureRows = ColumnarFeatureRows | GetterFeatureRows;

export type UnscorableKind = 'missing_feature' | 'unknown_category';

export interface UnscorableRow {
  /** Index of the row in the input rows. */
  row: number;
  kind: UnscorableKind;
  feature: string;
  /**
   * `missing_feature:<name>` or `unknown_category:<name>=<value>`. Holds a
   * feature value: fine in a run result, not for an info-level log line.
   */
  reason: string;
}

export type AssembledTensor =
  | { name: string; type: 'float32'; data: Float32Array; dims: [number, number] }
  | { name: string; type: 'string'; data: string[]; dims: [number, number] };

export interface AssembledInputs {
  /** One tensor per graph input, row-major `[scorableRows, columns]`. */
  tensors: AssembledTensor[];
  /** Rows given. */
  rowCount: number;
  /** Rows in the tensors. */
  scorableRows: number;
  /** `rowIndex[i]` is the input row that tensor row `i` was built from (ascending). */
  rowIndex: Int32Array;
  /** Rows left out of the tensors, in row order, each with the first reason found. */
  unscorable: UnscorableRow[];
}

/**
 * Builds the input tensors of the scorable rows.
 *
 * @example
 * // features: [{ name: 'age', type: 'numeric' }, { name: 'plan', type: 'categorical' }]
 * // inputs: [{ name: 'x', type: 'float32', columns: [
 * //   { feature: 'age', encoding: 'numeric' },
 * //   { feature: 'plan', encoding: 'one_hot', categories: ['basic', 'pro'] } ] }]
 * assembleInputs(plan, { rowCount: 3, columns: [[30, null, 41], ['pro', 'basic', 'gold']] })
 * // tensors[0].data = [30, 0, 1], dims [1, 3]; rowIndex = [0];
 * // unscorable: row 1 missing_feature:age, row 2 unknown_category:plan=gold
 */
export function assembleInputs(plan: InputPlan, rows: FeatureRows): AssembledInputs;
/** As above, compiling the plan first (see {@link planInputs}). */
export function assembleInputs(
  artifact: OnnxArtifact,
  features: readonly FeatureSpec[],
  rows: FeatureRows,
  options?: PlanOptions,
): AssembledInputs;
export function assembleInputs(
  planOrArtifact: InputPlan | OnnxArtifact,
  rowsOrFeatures: FeatureRows | readonly FeatureSpec[],
  maybeRows?: FeatureRows,
  options?: PlanOptions,
): AssembledInputs {
  if (isFeatureList(rowsOrFeatures)) {
    if (maybeRows === undefined) throw new TypeError('assembleInputs: rows are missing');
    const plan = planInputs(planOrArtifact as OnnxArtifact, rowsOrFeatures, options);
    return assembleWithPlan(plan, maybeRows);
  }
  return assembleWithPlan(planOrArtifact as InputPlan, rowsOrFeatures);
}

function isFeatureList(
  value: FeatureRows | readonly FeatureSpec[],
): value is readonly FeatureSpec[] {
  return Array.isArray(value);
}

/** Failure kinds in the per-row scratch array (0: scorable). */
const MISSING = 1;
const UNKNOWN = 2;

type Source = ArrayLike<FeatureValue | undefined>;

/**
 * Rows checked and indexed but not yet written into tensors: what a batched
 * scorer needs to fill one small reused buffer per batch instead of one
 * tensor of the whole window (see `LoadedModel.score`).
 */
export interface PreparedRows {
  plan: InputPlan;
  /** Rows given. */
  rowCount: number;
  /** Rows that can be scored. */
  scorableRows: number;
  /** `rowIndex[i]` is the input row of scorable row `i` (ascending). */
  rowIndex: Int32Array;
  /** Rows that cannot be scored, in row order, each with the first reason found. */
  unscorable: UnscorableRow[];
  /**
   * Writes scorable rows [start, end) of float input `input` (index in
   * `plan.inputs`), row-major from offset 0 of `target`, which it zeroes first.
   */
  fillFloat(input: number, start: number, end: number, target: Float32Array): void;
  /** As {@link PreparedRows.fillFloat}, for a string input. */
  fillString(input: number, start: number, end: number, target: string[]): void;
}

/**
 * Pass 1 of the assembly: finds the unscorable rows, one column at a time in
 * the manifest's order (so a row reports its first failing feature), and
 * looks each category up once. Column-wise loops stay monomorphic and fast.
 */
export function prepareRows(plan: InputPlan, rows: FeatureRows): PreparedRows {
  const n = rows.rowCount;
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`rowCount must be a non-negative integer, got ${n}`);
  }
  const columns = plan.inputs.flatMap((input) => input.columns);
  const sources = columnSources(rows, columns);
  const zerosForUnknown = plan.unknownCategory === 'zeros';

  const failure = new Uint8Array(n);
  const failedColumn = new Int32Array(n);
  // Category positions per column; −1 marks an undeclared category encoded as zeros.
  const positions: (Int32Array | undefined)[] = [];
  columns.forEach((column, c) => {
    const source = sources[c]!;
    const categories = column.categoryIndex;
    if (categories === undefined) {
      positions.push(undefined);
      for (let row = 0; row < n; row++) {
        const value = source[row];
        if ((value === null || value === undefined) && failure[row] === 0) {
          failure[row] = MISSING;
          failedColumn[row] = c;
        }
      }
      return;
    }
    const position = new Int32Array(n);
    const zeros = zerosForUnknown && column.encoding === 'one_hot';
    for (let row = 0; row < n; row++) {
      const value = source[row];
      if (value === null || value === undefined) {
        if (failure[row] === 0) {
          failure[row] = MISSING;
          failedColumn[row] = c;
        }
        continue;
      }
      const at = categories.get(typeof value === 'string' ? value : String(value));
      if (at !== undefined) position[row] = at;
      else if (zeros) position[row] = -1;
      else if (failure[row] === 0) {
        failure[row] = UNKNOWN;
        failedColumn[row] = c;
      }
    }
    positions.push(position);
  });

  const unscorable: UnscorableRow[] = [];
  let rowIndex = new Int32Array(n);
  let k = 0;
  for (let row = 0; row < n; row++) {
    if (failure[row] === 0) {
      rowIndex[k++] = row;
      continue;
    }
    const c = failedColumn[row]!;
    const feature = columns[c]!.feature;
    unscorable.push(
      failure[row] === MISSING
        ? { row, kind: 'missing_feature', feature, reason: `missing_feature:${feature}` }
        : {
            row,
            kind: 'unknown_category',
            feature,
            reason: `unknown_category:${feature}=${String(sources[c]![row])}`,
          },
    );
  }
  if (k < n) rowIndex = rowIndex.slice(0, k);

  // Columns of input t are firstColumn[t] … firstColumn[t] + columns − 1 in `sources`.
  const firstColumn: number[] = [];
  let next = 0;
  for (const input of plan.inputs) {
    firstColumn.push(next);
    next += input.columns.length;
  }
  const checkRange = (
    t: number,
    type: 'float32' | 'string',
    start: number,
    end: number,
    length: number,
  ) => {
    const input = plan.inputs[t];
    if (input?.type !== type) throw new RangeError(`input ${t} is not a ${type} input`);
    if (!(
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      0 <= start &&
      start <= end &&
      end <= k
    )) {
      throw new RangeError(`rows [${start}, ${end}) are not within the ${k} scorable rows`);
    }
    if (length < (end - start) * input.width) {
      throw new RangeError(
        `target holds ${length} values, rows [${start}, ${end}) need ${(end - start) * input.width}`,
      );
    }
    return input;
  };

  return {
    plan,
    rowCount: n,
    scorableRows: k,
    rowIndex,
    unscorable,
    fillFloat(t, start, end, target) {
      const input = checkRange(t, 'float32', start, end, target.length);
      const width = input.width;
      target.fill(0, 0, (end - start) * width);
      input.columns.forEach((column, j) => {
        const c = firstColumn[t]! + j;
        const source = sources[c]!;
        const position = positions[c];
        if (column.encoding === 'numeric') {
          // Numeric features are stored as numbers; a Float32Array store converts anything else with ToNumber.
          for (let i = start, at = column.offset; i < end; i++, at += width) {
            target[at] = source[rowIndex[i]!] as number;
          }
        } else if (column.encoding === 'one_hot') {
          for (let i = start, at = column.offset; i < end; i++, at += width) {
            const p = position![rowIndex[i]!]!;
            if (p >= 0) target[at + p] = 1;
          }
        } else {
          for (let i = start, at = column.offset; i < end; i++, at += width) {
            target[at] = position![rowIndex[i]!]!;
          }
        }
      });
    },
    fillString(t, start, end, target) {
      const input = checkRange(t, 'string', start, end, target.length);
      const width = input.width;
      input.columns.forEach((column, j) => {
        const source = sources[firstColumn[t]! + j]!;
        for (let i = start, at = column.offset; i < end; i++, at += width) {
          const value = source[rowIndex[i]!]!;
          target[at] = typeof value === 'string' ? value : String(value);
        }
      });
    },
  };
}

/** Both passes: every scorable row written into one tensor per input. */
function assembleWithPlan(plan: InputPlan, rows: FeatureRows): AssembledInputs {
  const prepared = prepareRows(plan, rows);
  const k = prepared.scorableRows;
  const tensors = plan.inputs.map((input, t): AssembledTensor => {
    const dims: [number, number] = [k, input.width];
    if (input.type === 'string') {
      const data = new Array<string>(k * input.width);
      prepared.fillString(t, 0, k, data);
      return { name: input.name, type: 'string', data, dims };
    }
    const data = new Float32Array(k * input.width);
    prepared.fillFloat(t, 0, k, data);
    return { name: input.name, type: 'float32', data, dims };
  });
  return {
    tensors,
    rowCount: prepared.rowCount,
    scorableRows: k,
    rowIndex: prepared.rowIndex,
    unscorable: prepared.unscorable,
  };
}

/** One source array per plan column; the getter form is read into columns once. */
function columnSources(rows: FeatureRows, columns: readonly ColumnPlan[]): Source[] {
  const empty: Source = { length: 0 };
  if ('columns' in rows) {
    return columns.map((column) => rows.columns[column.featureIndex] ?? empty);
  }
  const byFeature = new Map<number, Source>();
  return columns.map((column) => {
    let source = byFeature.get(column.featureIndex);
    if (source === undefined) {
      const values = new Array<FeatureValue | undefined>(rows.rowCount);
      for (let row = 0; row < rows.rowCount; row++) {
        values[row] = rows.value(row, column.featureIndex);
      }
      source = values;
      byFeature.set(column.featureIndex, source);
    }
    return source;
  });
}

/**
 * Puts columns held by feature name (as a window is read) into schema order.
 * A feature absent from `byName` is missing in every row.
 */
export function featureRowsByName(
  features: readonly FeatureSpec[],
  byName: Readonly<Record<string, ArrayLike<FeatureValue> | undefined>>,
  rowCount: number,
): ColumnarFeatureRows {
  const empty: ArrayLike<FeatureValue | undefined> = { length: 0 };
  return {
    rowCount,
    columns: features.map((f) =>
      Object.prototype.hasOwnProperty.call(byName, f.name) ? (byName[f.name] ?? empty) : empty,
    ),
  };
}

/**
 * The given rows (e.g. the mismatching ones, for diagnosis), in the given
 * order: row `i` of the result is row `indices[i]` of `rows`.
 */
export function selectRows(
  rows: ColumnarFeatureRows,
  indices: ArrayLike<number>,
): ColumnarFeatureRows {
  const columns = rows.columns.map((source) => {
    const column = new Array<FeatureValue | undefined>(indices.length);
    for (let i = 0; i < indices.length; i++) column[i] = source[indices[i]!];
    return column;
  });
  return { rowCount: indices.length, columns };
}
