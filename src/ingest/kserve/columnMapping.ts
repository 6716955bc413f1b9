/**
 * From decoded tensors back to named features and a score. The model
 * version declares how its features fill the input tensors (the manifest's
 * `onnx.inputs`, the same description the parity check uses to build them);
 * read in reverse, a tensor row gives the features: a numeric column its
 * value, an `index` column the category at that position, a `one_hot` run
 * the category whose column is 1, a `string` column the text. A version
 * without ONNX gets its columns from `intake.kserve[].columns`.
 *
 * Pure: a row that cannot be mapped is returned as a rejection with the
 * reason.
 */
import type { InputColumnSpec, InputEncoding, ModelVersion } from '../../core/model.js';
import type { RejectCode } from '../rejection.js';
import type { Cell, DecodedPayload, TensorRows } from './tensors.js';

/** `as_is`: the value goes to the feature unchanged (the schema check decides). */
export type IntakeEncoding = InputEncoding | 'as_is';

export interface IntakeColumn {
  feature: string;
  encoding: IntakeEncoding;
  categories?: readonly string[] | undefined;
}

/** One input tensor's columns; `name` null: whatever the lone tensor is called. */
export interface IntakeInput {
  name: string | null;
  columns: readonly IntakeColumn[];
}

/** A column of `intake.kserve[].columns`: a feature name, or a column as in `onnx.inputs`. */
export type ConfiguredColumn = string | InputColumnSpec;

export type FeatureRow = Record<string, Cell>;

type Refusal = { ok: false; code: RejectCode; message: string };

function refuse(code: RejectCode, message: string): Refusal {
  return { ok: false, code, message };
}

/**
 * How a version's features sit in the logged tensors: the configured
 * columns, else the manifest's `onnx.inputs` (or, for an ONNX artifact
 * without them, one input of every feature in schema order), else null —
 * then only tensors named after features can be mapped.
 */
export function intakePlan(
  version: Pick<ModelVersion, 'features' | 'onnx'>,
  configured?: readonly ConfiguredColumn[],
): IntakeInput[] | null {
  if (configured && configured.length > 0) {
    return [
      {
        name: null,
        columns: configured.map((column) =>
          typeof column === 'string' ? { feature: column, encoding: 'as_is' } : column,
        ),
      },
    ];
  }
  const onnx = version.onnx;
  if (!onnx) return null;
  if (onnx.inputs && onnx.inputs.length > 0) {
    return onnx.inputs.map((input) => ({ name: input.name, columns: input.columns }));
  }
  return [
    {
      name: onnx.inputName ?? null,
      columns: version.features.map((feature) => ({ feature: feature.name, encoding: 'as_is' })),
    },
  ];
}

function columnWidth(column: IntakeColumn): number {
  return column.encoding === 'one_hot' ? (column.categories?.length ?? 0) : 1;
}

const shown = (value: unknown): string => JSON.stringify(value)?.slice(0, 60) ?? 'undefined';

/** One column's cells of a row (its `width` of them) back to the feature's value. */
function decodeColumn(column: IntakeColumn, cells: readonly Cell[]): Cell | { bad: string } {
  const value = cells[0] ?? null;
  switch (column.encoding) {
    case 'as_is':
      return value;
    case 'numeric':
      if (value === null || typeof value === 'number') return value;
      if (typeof value === 'boolean') return value ? 1 : 0;
      return { bad: `feature "${column.feature}" is numeric, got ${shown(value)}` };
    case 'string':
      if (value === null || typeof value === 'string') return value;
      return String(value);
    case 'index': {
      if (value === null) return null;
      const categories = column.categories ?? [];
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < 0 ||
        value >= categories.length
      ) {
        return {
          bad: `feature "${column.feature}" is index-encoded over ${categories.length} categories, got ${shown(value)}`,
        };
      }
      return categories[value]!;
    }
    case 'one_hot': {
      const categories = column.categories ?? [];
      let hot = -1;
      for (let i = 0; i < cells.length; i += 1) {
        const cell = cells[i];
        if (cell === 0 || cell === false || cell === null) continue;
        if ((cell === 1 || cell === true) && hot === -1) {
          hot = i;
          continue;
        }
        return {
          bad: `feature "${column.feature}" is one-hot over ${categories.length} columns, got ${shown(cells)} (not a single 1)`,
        };
      }
      // All zeros: a category the encoder did not know (handle_unknown='ignore'); it cannot be recovered.
      return hot === -1 ? null : categories[hot]!;
    }
  }
}

/** The tensor an input of the plan reads. */
function tensorFor(
  input: IntakeInput,
  plan: readonly IntakeInput[],
  payload: DecodedPayload,
): TensorRows | null {
  const named =
    input.name === null ? undefined : payload.tensors.find((t) => t.name === input.name);
  if (named) return named;
  // A lone tensor feeds a lone input whatever either is called (V1 has no names).
  if (plan.length === 1 && payload.tensors.length === 1) return payload.tensors[0]!;
  return null;
}

/**
 * The features of every row of a decoded request. `features` names the
 * version's schema (for tensors named after features, when there is no plan).
 */
export function featureRows(
  plan: readonly IntakeInput[] | null,
  payload: DecodedPayload,
  features: ReadonlySet<string>,
): { ok: true; rows: FeatureRow[] } | Refusal {
  if (payload.named) return { ok: true, rows: payload.named };
  const rows: FeatureRow[] = Array.from({ length: payload.count }, () => ({}));
  if (plan === null) {
    const byName = payload.tensors.every((t) => features.has(t.name) && t.width === 1);
    if (!byName) {
      return refuse(
        'bad_value',
        `the model version declares no input columns (onnx.inputs) and the tensors ${payload.tensors
          .map((t) => `"${t.name}"`)
          .join(
            ', ',
          )} are not one-column tensors named after its features: set intake.kserve[].columns`,
      );
    }
    for (const tensor of payload.tensors) {
      tensor.rows.forEach((cells, r) => (rows[r]![tensor.name] = cells[0] ?? null));
    }
    return { ok: true, rows };
  }
  for (const input of plan) {
    const tensor = tensorFor(input, plan, payload);
    if (!tensor) {
      return refuse(
        'missing_field',
        `the request has no input "${input.name}" (it has ${payload.tensors.map((t) => `"${t.name}"`).join(', ')})`,
      );
    }
    const width = input.columns.reduce((sum, column) => sum + columnWidth(column), 0);
    if (tensor.width !== width) {
      return refuse(
        'bad_value',
        `input "${tensor.name}" has ${tensor.width} columns per row; the model version declares ${width} (${input.columns
          .map((c) => c.feature)
          .join(', ')})`,
      );
    }
    for (let r = 0; r < tensor.rows.length; r += 1) {
      const cells = tensor.rows[r]!;
      let offset = 0;
      for (const column of input.columns) {
        const size = columnWidth(column);
        const value = decodeColumn(column, cells.slice(offset, offset + size));
        if (value !== null && typeof value === 'object')
          return refuse('wrong_type', `row ${r}: ${value.bad}`);
        rows[r]![column.feature] = value;
        offset += size;
      }
    }
  }
  return { ok: true, rows };
}

/** Which output holds the score, and which of its columns. */
export interface ScoreSelection {
  /** V2 output name (default: the first output). */
  output?: string | undefined;
  /** Column of that output (default 1 for a two-column output, else 0). */
  column?: number | undefined;
}

export interface RowOutcome {
  score: number | null;
  /** A text result (a class name), kept as the record's prediction. */
  prediction: string | null;
}

/** The score of every row of a decoded response, checked against the request's row count. */
export function responseRows(
  payload: DecodedPayload,
  count: number,
  selection: ScoreSelection,
): { ok: true; rows: RowOutcome[] } | Refusal {
  let tensor: TensorRows | undefined = payload.tensors[0];
  if (payload.protocol === 'v2' && selection.output !== undefined) {
    tensor = payload.tensors.find((t) => t.name === selection.output);
    if (!tensor) {
      return refuse(
        'missing_field',
        `the response has no output "${selection.output}" (it has ${payload.tensors.map((t) => `"${t.name}"`).join(', ')})`,
      );
    }
  }
  if (!tensor) return refuse('missing_field', 'the response holds no output');
  if (tensor.rows.length !== count) {
    return refuse(
      'bad_value',
      `the response's "${tensor.name}" has ${tensor.rows.length} rows for the request's ${count}`,
    );
  }
  const column = selection.column ?? (tensor.width === 2 ? 1 : 0);
  if (count > 0 && column >= tensor.width) {
    return refuse(
      'bad_value',
      `score column ${column} is beyond "${tensor.name}"'s ${tensor.width} columns`,
    );
  }
  return {
    ok: true,
    rows: tensor.rows.map((cells) => {
      const cell = cells[column] ?? null;
      if (typeof cell === 'number') return { score: cell, prediction: null };
      if (typeof cell === 'boolean') return { score: cell ? 1 : 0, prediction: null };
      return { score: null, prediction: cell };
    }),
  };
}
