/**
 * The subset of the ONNX protobuf schema the demo models need, and small
 * builders that turn plain values into an encoded ModelProto.
 *
 * Field numbers are those of onnx/onnx.proto3 (github.com/onnx/onnx); the
 * messages below keep their ONNX names and snake_case field names so they can
 * be compared with that file line by line. Fields we never write are left out:
 * protobuf readers skip nothing they do not see, and ONNX readers only need
 * the fields present.
 *
 * Encoding is deterministic: protobufjs writes fields in declaration order,
 * repeated numbers packed, and nothing here reads the clock — the producer
 * name and version are constants, so equal inputs give equal bytes.
 */
import protobuf from 'protobufjs';

const ONNX_SUBSET_PROTO = `
syntax = "proto3";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    FLOAT = 1;
    INT = 2;
    STRING = 3;
    TENSOR = 4;
    GRAPH = 5;
    FLOATS = 6;
    INTS = 7;
    STRINGS = 8;
    TENSORS = 9;
    GRAPHS = 10;
  }
  string name = 1;
  string doc_string = 13;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}

message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
}

message StringStringEntryProto {
  string key = 1;
  string value = 2;
}

message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0;
    FLOAT = 1;
    UINT8 = 2;
    INT8 = 3;
    UINT16 = 4;
    INT16 = 5;
    INT32 = 6;
    INT64 = 7;
    STRING = 8;
    BOOL = 9;
    FLOAT16 = 10;
    DOUBLE = 11;
  }
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  string name = 8;
  string doc_string = 12;
  bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    int32 elem_type = 1;
    TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  string denotation = 6;
}

message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}
`;

const root = protobuf.parse(ONNX_SUBSET_PROTO, { keepCase: true }).root;
const ModelProtoType = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here (onnx.proto3). */
export const DataType = { FLOAT: 1, INT64: 7, STRING: 8 } as const;
export type ElementType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values (onnx.proto3). */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/**
 * IR version 8 is the first that opset 17 may be paired with (onnx
 * docs/Versioning.md); onnxruntime 1.23 reads IR up to 11.
 */
export const IR_VERSION = 8;
/** Fixed so that a rebuild gives the same bytes; bump by hand when the writer changes. */
export const PRODUCER_NAME = 'driftwatch-models-build';
export const PRODUCER_VERSION = '1';

export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  float_data?: number[];
  int64_data?: number[];
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeMessage {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain?: string;
  attribute: AttributeMessage[];
}

export interface ValueInfoMessage {
  name: string;
  type: {
    tensor_type: {
      elem_type: number;
      shape: { dim: ({ dim_value: number } | { dim_param: string })[] };
    };
  };
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export const DEFAULT_OPSET: OpsetImport = { domain: '', version: 17 };
export const ML_OPSET: OpsetImport = { domain: 'ai.onnx.ml', version: 3 };

function checkFinite(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i += 1) {
    if (!Number.isFinite(values[i])) {
      throw new Error(`${what}[${i}] is ${values[i]}: ONNX constants must be finite`);
    }
  }
}

/** A float32 constant tensor (an initializer). `data` is rounded to float32 by the encoding. */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorMessage {
  const size = dims.reduce((product, dim) => product * dim, 1);
  if (size !== data.length) {
    throw new Error(
      `tensor ${name}: dims [${dims.join(', ')}] hold ${size} values, got ${data.length}`,
    );
  }
  checkFinite(`tensor ${name}`, data);
  return { name, dims: [...dims], data_type: DataType.FLOAT, float_data: Array.from(data) };
}

const utf8 = new TextEncoder();

/** Node attributes, each with its AttributeProto type set (required since IR 2). */
export const attribute = {
  float: (name: string, value: number): AttributeMessage => {
    checkFinite(`attribute ${name}`, [value]);
    return { name, type: AttributeType.FLOAT, f: value };
  },
  int: (name: string, value: number): AttributeMessage => {
    if (!Number.isSafeInteger(value))
      throw new Error(`attribute ${name}: ${value} is not an integer`);
    return { name, type: AttributeType.INT, i: value };
  },
  string: (name: string, value: string): AttributeMessage => ({
    name,
    type: AttributeType.STRING,
    s: utf8.encode(value),
  }),
  floats: (name: string, values: ArrayLike<number>): AttributeMessage => {
    checkFinite(`attribute ${name}`, values);
    return { name, type: AttributeType.FLOATS, floats: Array.from(values) };
  },
  ints: (name: string, values: ArrayLike<number>): AttributeMessage => {
    const list = Array.from(values);
    const bad = list.findIndex((value) => !Number.isSafeInteger(value));
    if (bad >= 0) throw new Error(`attribute ${name}[${bad}] is ${list[bad]}, not an integer`);
    return { name, type: AttributeType.INTS, ints: list };
  },
  strings: (name: string, values: readonly string[]): AttributeMessage => ({
    name,
    type: AttributeType.STRINGS,
    strings: values.map((value) => utf8.encode(value)),
  }),
};

/** One operator application. `domain` is '' (the default ONNX domain) unless given. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  options: { name?: string; domain?: string; attributes?: AttributeMessage[] } = {},
): NodeMessage {
  return {
    input: [...inputs],
    output: [...outputs],
    name: options.name ?? `${opType}_${outputs[0] ?? ''}`,
    op_type: opType,
    ...(options.domain ? { domain: options.domain } : {}),
    attribute: options.attributes ?? [],
  };
}

/** A typed graph input or output; a string dimension is symbolic (e.g. 'N' for the batch). */
export function valueInfo(
  name: string,
  elemType: ElementType,
  shape: readonly (number | string)[],
): ValueInfoMessage {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: {
          dim: shape.map((dim) =>
            typeof dim === 'number' ? { dim_value: dim } : { dim_param: dim },
          ),
        },
      },
    },
  };
}

export interface GraphDefinition {
  name: string;
  nodes: NodeMessage[];
  inputs: ValueInfoMessage[];
  outputs: ValueInfoMessage[];
  initializers?: TensorMessage[];
  docString?: string;
}

export interface ModelDefinition {
  graph: GraphDefinition;
  opsets: OpsetImport[];
  docString?: string;
  /** Written as metadata_props in the given order (keys must be distinct). */
  metadata?: [string, string][];
}

/** Encodes a ModelProto. Equal definitions give equal bytes. */
export function model(definition: ModelDefinition): Uint8Array {
  const { graph } = definition;
  const keys = new Set<string>();
  for (const [key] of definition.metadata ?? []) {
    if (keys.has(key)) throw new Error(`metadata key "${key}" appears twice`);
    keys.add(key);
  }
  const message = {
    ir_version: IR_VERSION,
    opset_import: definition.opsets.map((opset) => ({
      domain: opset.domain,
      version: opset.version,
    })),
    producer_name: PRODUCER_NAME,
    producer_version: PRODUCER_VERSION,
    doc_string: definition.docString ?? '',
    graph: {
      node: graph.nodes,
      name: graph.name,
      initializer: graph.initializers ?? [],
      doc_string: graph.docString ?? '',
      input: graph.inputs,
      output: graph.outputs,
    },
    metadata_props: (definition.metadata ?? []).map(([key, value]) => ({ key, value })),
  };
  const problem = ModelProtoType.verify(message);
  if (problem) throw new Error(`invalid ModelProto: ${problem}`);
  return ModelProtoType.encode(ModelProtoType.fromObject(message)).finish();
}

/** Decodes a ModelProto into plain values (int64 as numbers, bytes as base64), for tests and inspection. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProtoType.toObject(ModelProtoType.decode(bytes), {
    longs: Number,
    bytes: String,
    defaults: false,
    arrays: true,
  });
}
