// The one IR node type. Nodes are immutable and interned by structural key inside their Graph,
// so building the same expression twice yields the same node (CSE for free).

import type { DType } from './dtype';
import type { Shape } from './shape';

/** Attribute values use ONNX attribute names and plain JSON-able values. Dims may be symbolic. */
export type AttrValue = number | string | readonly number[] | readonly (number | string)[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A frozen weight stored in a safetensors file: nothing is read until the graph is emitted. */
export interface ParamRef {
  /** Absolute path of the safetensors file. */
  file: string;
  /** Tensor name inside the file. */
  key: string;
  /** Element type on disk (safetensors spelling: 'F32' | 'F16' | 'BF16' …). */
  storedAs: string;
  /** Absolute byte range of the tensor data in the file. */
  byteStart: number;
  byteEnd: number;
  /** Optional transform applied when materializing (e.g. OpenCLIP in_proj row slice, transposes). */
  transform?: { kind: 'rows'; start: number; end: number } | { kind: 'transpose2d' } | { kind: 'squeeze' };
}

/** Small inline data for Constant nodes. */
export type ConstData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

export interface Node {
  /** Unique within its graph; increases in creation order (a valid topological order). */
  readonly id: number;
  /** ONNX op name, or one of the leaf kinds 'Input' | 'Param' | 'Constant'. */
  readonly op: string;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  /** Module scope it was built in, e.g. 'input_blocks.1.1.transformer_blocks.0.attn1'. */
  readonly scope: string;
  /** Input name for 'Input'; parameter name for 'Param' (the checkpoint-style key). */
  readonly name?: string;
  readonly param?: ParamRef;
  readonly data?: ConstData;
}

/** Structural key used for interning. Leaves are keyed by name (inputs, params) or content (constants). */
export function internKey(
  op: string,
  dtype: DType,
  inputs: readonly Node[],
  attrs: Attrs,
  leaf?: { name?: string; data?: ConstData },
): string {
  const ins = inputs.map((n) => n.id).join(',');
  const a = Object.keys(attrs).length ? JSON.stringify(attrs, Object.keys(attrs).sort()) : '';
  let l = '';
  if (leaf?.name !== undefined) l = `#${leaf.name}`;
  else if (leaf?.data !== undefined) l = `#${constDigest(leaf.data)}`;
  return `${op}:${dtype}(${ins})${a}${l}`;
}

let uniqueConst = 0;

/** Small constants are keyed by their bytes (so equal constants merge); large ones never merge. */
function constDigest(data: ConstData): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length > 256) return `${data.constructor.name}:unique${++uniqueConst}`;
  return `${data.constructor.name}:${Buffer.from(bytes).toString('hex')}`;
}
