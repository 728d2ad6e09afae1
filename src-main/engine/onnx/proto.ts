// ONNX ModelProto writer: the subset of onnx.proto3 the emitter needs, declared as a protobufjs
// reflection schema. Field numbers follow github.com/onnx/onnx onnx/onnx.proto3 (IR version 10).

import protobuf from 'protobufjs/light.js';

export const IR_VERSION = 10;
export const OPSET = 21;

/** AttributeProto.AttributeType codes. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto.DataLocation codes. */
export const DATA_LOCATION = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface StringStringEntry {
  key: string;
  value: string;
}

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain?: string;
  attribute: AttributeProto[];
}

/** A dim is either a number (dim_value) or a symbolic name (dim_param). */
export interface DimProto {
  dimValue?: number;
  dimParam?: string;
}

export interface ValueInfoProto {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: DimProto[] } } };
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
  metadataProps?: StringStringEntry[];
}

/** The messages and fields the writer uses, in onnx.proto3 syntax ("[repeated] type name = number"). Nested
 *  messages are flattened (TypeProto.Tensor → TypeProtoTensor): the wire format carries no type names. */
const SCHEMA = `
ModelProto: int64 ir_version=1, string producer_name=2, string producer_version=3, string domain=4,
  int64 model_version=5, string doc_string=6, GraphProto graph=7, repeated OperatorSetIdProto opset_import=8,
  repeated StringStringEntryProto metadata_props=14
OperatorSetIdProto: string domain=1, int64 version=2
StringStringEntryProto: string key=1, string value=2
GraphProto: repeated NodeProto node=1, string name=2, repeated TensorProto initializer=5, string doc_string=10,
  repeated ValueInfoProto input=11, repeated ValueInfoProto output=12, repeated ValueInfoProto value_info=13
NodeProto: repeated string input=1, repeated string output=2, string name=3, string op_type=4,
  repeated AttributeProto attribute=5, string doc_string=6, string domain=7
AttributeProto: string name=1, float f=2, int64 i=3, bytes s=4, TensorProto t=5, repeated float floats=7,
  repeated int64 ints=8, repeated bytes strings=9, string doc_string=13, int32 type=20
TensorProto: repeated int64 dims=1, int32 data_type=2, repeated float float_data=4, repeated int32 int32_data=5,
  repeated int64 int64_data=7, string name=8, bytes raw_data=9, string doc_string=12,
  repeated StringStringEntryProto external_data=13, int32 data_location=14
ValueInfoProto: string name=1, TypeProto type=2, string doc_string=3
TypeProto: TypeProtoTensor tensor_type=1, string denotation=6
TypeProtoTensor: int32 elem_type=1, TensorShapeProto shape=2
TensorShapeProto: repeated TensorShapeDimension dim=1
TensorShapeDimension: int64 dim_value=1, string dim_param=2, string denotation=3
`;

let root: protobuf.Root | undefined;

/** The schema keeps onnx.proto3's snake_case names; the JS objects use camelCase. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseFields(text: string): Record<string, protobuf.IField> {
  const fields: Record<string, protobuf.IField> = {};
  for (const decl of text.split(',')) {
    const m = /^\s*(repeated )?(\w+) (\w+)=(\d+)\s*$/.exec(decl);
    if (!m) throw new Error(`proto schema: bad field '${decl}'`);
    fields[camel(m[3])] = { id: Number(m[4]), type: m[2], ...(m[1] ? { rule: 'repeated' } : {}) };
  }
  return fields;
}

/** Built on first use (no work at import time). */
function schema(): protobuf.Root {
  if (root) return root;
  const nested: Record<string, protobuf.IType> = {};
  for (const block of SCHEMA.trim().split(/\n(?=\w)/)) {
    const [name, fields] = block.split(':');
    nested[name] = { fields: parseFields(fields.replace(/\n/g, ' ')) };
  }
  root = protobuf.Root.fromJSON({ nested: { onnx: { nested } } });
  return root;
}

function modelType(): protobuf.Type {
  return schema().lookupType('onnx.ModelProto');
}

/** Serializes a model. Fields are written in field-number order, so equal input gives equal bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelType();
  const err = type.verify(model);
  if (err) throw new Error(`invalid ModelProto: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Parses model bytes back into plain objects (int64 as numbers); used by tests and the cache. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as ModelProto;
}
