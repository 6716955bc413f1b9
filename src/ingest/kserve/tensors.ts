/**
 * The logged bodies of an inference call, decoded into rows: KServe's V1
 * protocol (`{"instances": [...]}` in, `{"predictions": [...]}` out) and the
 * Open Inference Protocol, V2 (`{"inputs": [{name, shape, datatype, data}]}`
 * in, `{"outputs": [...]}` out). A V2 tensor's first dimension is the batch;
 * its data is row-major, flat or nested (OIP, "Tensor Data"), so row `i` of
 * a `[N, W]` tensor is elements `i·W … i·W+W-1`.
 *
 * Pure: a body that is not a well-formed payload is returned as a rejection
 * saying what is wrong (a shape that does not match the data, an unknown
 * datatype…), never thrown.
 */
import type { RejectCode } from '../rejection.js';

export type Cell = number | string | boolean | null;

/** One tensor cut into its batch rows. */
export interface TensorRows {
  name: string;
  /** V2 datatype (`FP32`, `BYTES`…), or `V1` for a V1 body. */
  datatype: string;
  /** Cells per row (the product of the dimensions after the first). */
  width: number;
  rows: Cell[][];
}

/** A decoded request or response body. */
export interface DecodedPayload {
  protocol: 'v1' | 'v2';
  /** Rows in the batch. */
  count: number;
  /** V1 instances or predictions as one tensor; V2 inputs or outputs, in order. */
  tensors: TensorRows[];
  /** V1 instances that are objects: the row's values by name. */
  named?: Record<string, Cell>[];
  /** V2 response's `model_name` / `model_version`, when sent. */
  modelName?: string;
  modelVersion?: string;
}

export type PayloadOutcome =
  { ok: true; payload: DecodedPayload } | { ok: false; code: RejectCode; message: string };

const NUMERIC_TYPES = new Set([
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BF16',
]);

/** Most cells one payload may hold: a bound on work whatever the shape claims. */
export const MAX_CELLS = 50_000_000;

function refuse(
  code: RejectCode,
  message: string,
): { ok: false; code: RejectCode; message: string } {
  return { ok: false, code, message };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Appends the scalars of a (possibly nested) JSON array in row-major order;
 * returns a message for a value that is neither a scalar nor an array.
 */
function flattenInto(value: unknown, out: unknown[], depth = 0): string | null {
  if (!Array.isArray(value)) {
    out.push(value);
    return null;
  }
  if (depth > 32) return 'the data is nested too deeply';
  for (const element of value) {
    const problem = flattenInto(element, out, depth + 1);
    if (problem) return problem;
    if (out.length > MAX_CELLS) return `the data holds more than ${MAX_CELLS} values`;
  }
  return null;
}

/** One V2 element checked against its datatype. */
function v2Cell(datatype: string, value: unknown): Cell | { bad: string } {
  if (NUMERIC_TYPES.has(datatype)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return {
        bad: `a ${datatype} element must be a finite number, got ${JSON.stringify(value)?.slice(0, 40)}`,
      };
    }
    if (datatype.includes('INT') && !Number.isInteger(value)) {
      return { bad: `a ${datatype} element must be an integer, got ${value}` };
    }
    return value;
  }
  if (datatype === 'BOOL') {
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    return {
      bad: `a BOOL element must be true or false, got ${JSON.stringify(value)?.slice(0, 40)}`,
    };
  }
  // BYTES: in JSON, UTF-8 text.
  if (typeof value !== 'string') {
    return { bad: `a BYTES element must be a string, got ${JSON.stringify(value)?.slice(0, 40)}` };
  }
  return value;
}

/** One V2 input or output tensor, cut into rows. */
function v2Tensor(
  value: unknown,
  where: string,
): { ok: true; tensor: TensorRows } | { ok: false; code: RejectCode; message: string } {
  if (!isObject(value)) return refuse('not_an_object', `${where} must be an object`);
  const { name, shape, datatype, data, parameters } = value;
  if (typeof name !== 'string' || name === '')
    return refuse('missing_field', `${where} has no name`);
  const label = `${where} "${name.slice(0, 64)}"`;
  if (typeof datatype !== 'string') return refuse('missing_field', `${label} has no datatype`);
  if (!NUMERIC_TYPES.has(datatype) && datatype !== 'BOOL' && datatype !== 'BYTES') {
    return refuse(
      'bad_value',
      `${label}: datatype ${datatype.slice(0, 20)} is not an Open Inference Protocol type`,
    );
  }
  if (isObject(parameters) && parameters.binary_data_size !== undefined) {
    return refuse('bad_value', `${label}: binary tensor data is not supported; log JSON tensors`);
  }
  if (!Array.isArray(shape) || shape.length === 0) {
    return refuse(
      'bad_value',
      `${label}: shape must be a non-empty array whose first dimension is the batch`,
    );
  }
  let cells = 1;
  for (const dimension of shape) {
    if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 0) {
      return refuse(
        'bad_value',
        `${label}: shape ${JSON.stringify(shape).slice(0, 80)} has a dimension that is not a non-negative integer`,
      );
    }
    cells *= dimension;
    if (cells > MAX_CELLS)
      return refuse(
        'bad_value',
        `${label}: shape ${JSON.stringify(shape).slice(0, 80)} holds more than ${MAX_CELLS} values`,
      );
  }
  if (!Array.isArray(data)) return refuse('missing_field', `${label} has no data array`);
  const flat: unknown[] = [];
  const problem = flattenInto(data, flat);
  if (problem) return refuse('bad_value', `${label}: ${problem}`);
  if (flat.length !== cells) {
    return refuse(
      'bad_value',
      `${label}: shape ${JSON.stringify(shape)} needs ${cells} values but data holds ${flat.length}`,
    );
  }
  const count = shape[0] as number;
  const width = (shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const rows: Cell[][] = [];
  for (let r = 0; r < count; r += 1) {
    const row: Cell[] = new Array<Cell>(width);
    for (let c = 0; c < width; c += 1) {
      const cell = v2Cell(datatype, flat[r * width + c]);
      if (cell !== null && typeof cell === 'object')
        return refuse('wrong_type', `${label}, row ${r}: ${cell.bad}`);
      row[c] = cell;
    }
    rows.push(row);
  }
  return { ok: true, tensor: { name, datatype, width, rows } };
}

/** A V2 `inputs` or `outputs` array: every tensor with the same batch size. */
function v2Payload(
  tensors: unknown,
  field: 'inputs' | 'outputs',
  body: Record<string, unknown>,
): PayloadOutcome {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    return refuse('bad_value', `${field} must be a non-empty array of tensors`);
  }
  const decoded: TensorRows[] = [];
  for (let i = 0; i < tensors.length; i += 1) {
    const tensor = v2Tensor(tensors[i], `${field}[${i}]`);
    if (!tensor.ok) return tensor;
    decoded.push(tensor.tensor);
  }
  const count = decoded[0]!.rows.length;
  const other = decoded.find((tensor) => tensor.rows.length !== count);
  if (other) {
    return refuse(
      'bad_value',
      `${field} disagree on the batch size: "${decoded[0]!.name}" has ${count} rows, "${other.name}" ${other.rows.length}`,
    );
  }
  const payload: DecodedPayload = { protocol: 'v2', count, tensors: decoded };
  if (typeof body.model_name === 'string') payload.modelName = body.model_name;
  if (typeof body.model_version === 'string') payload.modelVersion = body.model_version;
  return { ok: true, payload };
}

/** A V1 cell: JSON scalars only. */
function v1Cell(value: unknown): Cell | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/** V1 `instances` or `predictions`: rows that are scalars, (nested) arrays, or objects. */
function v1Payload(items: unknown, field: 'instances' | 'predictions'): PayloadOutcome {
  if (!Array.isArray(items)) return refuse('wrong_type', `${field} must be an array`);
  if (items.length > 0 && items.every(isObject)) {
    if (field === 'predictions') {
      return refuse(
        'wrong_type',
        'predictions that are objects are not supported: log a number or an array per instance',
      );
    }
    const named: Record<string, Cell>[] = [];
    for (let i = 0; i < items.length; i += 1) {
      const row: Record<string, Cell> = {};
      for (const [key, value] of Object.entries(items[i] as Record<string, unknown>)) {
        const cell = v1Cell(value);
        if (cell === undefined)
          return refuse(
            'wrong_type',
            `${field}[${i}].${key.slice(0, 64)} must be a number, string, boolean or null`,
          );
        row[key] = cell;
      }
      named.push(row);
    }
    return { ok: true, payload: { protocol: 'v1', count: items.length, tensors: [], named } };
  }
  const rows: Cell[][] = [];
  let width = -1;
  for (let i = 0; i < items.length; i += 1) {
    const flat: unknown[] = [];
    const problem = flattenInto(items[i], flat);
    if (problem) return refuse('bad_value', `${field}[${i}]: ${problem}`);
    if (width === -1) width = flat.length;
    else if (flat.length !== width) {
      return refuse(
        'bad_value',
        `${field}[${i}] has ${flat.length} values where ${field}[0] has ${width}`,
      );
    }
    const row: Cell[] = [];
    for (const value of flat) {
      const cell = v1Cell(value);
      if (cell === undefined)
        return refuse(
          'wrong_type',
          `${field}[${i}] holds a value that is not a number, string, boolean or null`,
        );
      row.push(cell);
    }
    rows.push(row);
  }
  return {
    ok: true,
    payload: {
      protocol: 'v1',
      count: rows.length,
      tensors: [{ name: field, datatype: 'V1', width: Math.max(width, 0), rows }],
    },
  };
}

/** A logged inference request: V1 `instances` or V2 `inputs`. */
export function decodeRequest(body: unknown): PayloadOutcome {
  if (!isObject(body)) return refuse('not_an_object', 'the logged request must be a JSON object');
  if (body.instances !== undefined) return v1Payload(body.instances, 'instances');
  if (body.inputs !== undefined) return v2Payload(body.inputs, 'inputs', body);
  return refuse(
    'missing_field',
    'the logged request has neither "instances" (V1) nor "inputs" (V2)',
  );
}

/** A logged inference response: V1 `predictions` or V2 `outputs`. */
export function decodeResponse(body: unknown): PayloadOutcome {
  if (!isObject(body)) return refuse('not_an_object', 'the logged response must be a JSON object');
  if (body.predictions !== undefined) return v1Payload(body.predictions, 'predictions');
  if (body.outputs !== undefined) return v2Payload(body.outputs, 'outputs', body);
  return refuse(
    'missing_field',
    'the logged response has neither "predictions" (V1) nor "outputs" (V2)',
  );
}
