// The op set: a subset of ONNX opset 21 with ONNX names and attribute names (onnx.ai operator pages).
// Inputs that ONNX takes as int64 tensors (Reshape shape, Slice starts…, Reduce axes, Pad pads, Resize
// scales) are attributes here; the emitter turns them back into inputs. Shape rules live in infer.ts.

import type { DType } from './dtype';
import type { AttrValue, Attrs, Node } from './node';
import type { Shape } from './shape';
import * as R from './infer';

export type OpKind =
  | 'Input'
  | 'Param'
  | 'Constant'
  | 'Add'
  | 'Sub'
  | 'Mul'
  | 'Div'
  | 'Pow'
  | 'Max'
  | 'Min'
  | 'Neg'
  | 'Exp'
  | 'Log'
  | 'Sqrt'
  | 'Reciprocal'
  | 'Tanh'
  | 'Sigmoid'
  | 'Erf'
  | 'Sin'
  | 'Cos'
  | 'Relu'
  | 'Abs'
  | 'Identity'
  | 'Greater'
  | 'Equal'
  | 'Where'
  | 'Cast'
  | 'MatMul'
  | 'Conv'
  | 'ConvTranspose'
  | 'Reshape'
  | 'Transpose'
  | 'Concat'
  | 'Slice'
  | 'Expand'
  | 'Unsqueeze'
  | 'Squeeze'
  | 'Pad'
  | 'Resize'
  | 'Gather'
  | 'ReduceSum'
  | 'ReduceMean'
  | 'ReduceMax'
  | 'Softmax';

/** What shape inference returns; the builder wraps errors with op, shapes and scope. */
export interface Inferred {
  dtype: DType;
  shape: Shape;
}

export interface OpSpec {
  /** Number of inputs: exact, or [min, max] (max Infinity for variadic Concat). */
  arity: number | readonly [number, number];
  /** Attributes and their ONNX defaults; `undefined` means required (the builder always sets it). */
  attrs: Readonly<Record<string, AttrValue | undefined>>;
  /** Output dtype and shape from inputs and fully-specified attributes. Throws on mismatch. */
  infer: (inputs: readonly Node[], attrs: Attrs) => Inferred;
  /** One line for docs/engine-ops.md. */
  doc: string;
}

const unary = (doc: string): OpSpec => ({ arity: 1, attrs: {}, infer: R.same, doc });
const binary = (doc: string): OpSpec => ({ arity: 2, attrs: {}, infer: R.broadcastSame, doc });
const reduce = (doc: string): OpSpec => ({
  arity: 1,
  attrs: { axes: undefined, keepdims: 1 },
  infer: R.reduce,
  doc,
});
const window = {
  dilations: undefined,
  group: 1,
  kernel_shape: undefined,
  pads: undefined,
  strides: undefined,
} as const;

export const OPS: Record<OpKind, OpSpec> = {
  Input: { arity: 0, attrs: {}, infer: R.leaf, doc: 'graph input, fed by `name` at run time' },
  Param: { arity: 0, attrs: {}, infer: R.leaf, doc: 'frozen weight: lazy reference into a safetensors file' },
  Constant: { arity: 0, attrs: {}, infer: R.leaf, doc: 'inline data' },
  Add: binary('a + b, broadcasting'),
  Sub: binary('a − b, broadcasting'),
  Mul: binary('a · b, broadcasting'),
  Div: binary('a / b, broadcasting'),
  Pow: binary('a ^ b, broadcasting'),
  Max: binary('elementwise max of two inputs (ONNX allows more; the IR uses two)'),
  Min: binary('elementwise min of two inputs'),
  Neg: unary('−x'),
  Exp: unary('eˣ'),
  Log: unary('ln x'),
  Sqrt: unary('√x'),
  Reciprocal: unary('1/x'),
  Tanh: unary('tanh x'),
  Sigmoid: unary('1/(1+e^−x)'),
  Erf: unary('error function'),
  Sin: unary('sin x'),
  Cos: unary('cos x'),
  Relu: unary('max(x, 0)'),
  Abs: unary('|x|'),
  Identity: unary('x'),
  Greater: { arity: 2, attrs: {}, infer: R.compare, doc: 'a > b → bool' },
  Equal: { arity: 2, attrs: {}, infer: R.compare, doc: 'a == b → bool' },
  Where: { arity: 3, attrs: {}, infer: R.where, doc: 'cond ? a : b, broadcasting all three' },
  Cast: {
    arity: 1,
    attrs: { to: undefined },
    infer: R.cast,
    doc: 'convert to dtype `to` (ONNX DataType code)',
  },
  MatMul: {
    arity: 2,
    attrs: {},
    infer: R.matmul,
    doc: 'batched matrix product, rank ≥ 2, batch dims broadcast',
  },
  Conv: { arity: [2, 3], attrs: window, infer: R.conv, doc: 'X [N,C,H,W] ⋆ W [M,C/group,kH,kW] (+ B [M])' },
  ConvTranspose: {
    arity: [2, 3],
    attrs: { ...window, output_padding: undefined },
    infer: R.convTranspose,
    doc: 'transposed conv; W [C,M/group,kH,kW]; out = (in−1)s − pads + d(k−1) + output_padding + 1',
  },
  Reshape: {
    arity: 1,
    attrs: { shape: undefined },
    infer: R.reshape,
    doc: 'to `shape` (resolved: no 0/−1 kept)',
  },
  Transpose: { arity: 1, attrs: { perm: undefined }, infer: R.transpose, doc: 'permute axes by `perm`' },
  Concat: { arity: [1, Infinity], attrs: { axis: undefined }, infer: R.concat, doc: 'join along `axis`' },
  Slice: {
    arity: 1,
    attrs: { starts: undefined, ends: undefined, axes: undefined, steps: undefined },
    infer: R.slice,
    doc: 'ONNX Slice: negative starts/ends count from the end, clamped; steps > 0',
  },
  Expand: { arity: 1, attrs: { shape: undefined }, infer: R.expand, doc: 'broadcast to `shape`' },
  Unsqueeze: {
    arity: 1,
    attrs: { axes: undefined },
    infer: R.unsqueeze,
    doc: 'insert size-1 `axes` (of the output)',
  },
  Squeeze: { arity: 1, attrs: { axes: undefined }, infer: R.squeeze, doc: 'remove size-1 `axes`' },
  Pad: {
    arity: 1,
    attrs: { pads: undefined, constant_value: 0, mode: 'constant' },
    infer: R.pad,
    doc: 'constant pad; `pads` = [begins…, ends…], non-negative',
  },
  Resize: {
    arity: 1,
    attrs: {
      scales: undefined,
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    },
    infer: R.resize,
    doc: 'nearest, asymmetric, floor, integer `scales` (upsampling only)',
  },
  Gather: {
    arity: 2,
    attrs: { axis: 0 },
    infer: R.gather,
    doc: 'rows of data [V,…] at integer indices (axis 0)',
  },
  ReduceSum: reduce('Σ over `axes`'),
  ReduceMean: reduce('mean over `axes`'),
  ReduceMax: reduce('max over `axes`'),
  Softmax: {
    arity: 1,
    attrs: { axis: -1 },
    infer: R.softmax,
    doc: 'softmax along one `axis` (opset-13 semantics)',
  },
};

export const OP_KINDS = Object.keys(OPS) as OpKind[];

export function isOpKind(op: string): op is OpKind {
  return Object.hasOwn(OPS, op);
}

/** An attribute of a node, falling back to the ONNX default from the table. */
export function attrOf<T extends AttrValue>(n: Node, name: string): T {
  const v = n.attrs[name] ?? (isOpKind(n.op) ? OPS[n.op].attrs[name] : undefined);
  if (v === undefined) throw new Error(`${n.op} node ${n.id}: attribute '${name}' is missing`);
  return v as T;
}

/** Largest slice bound; stands for "to the end" (an int64 consumer treats it as unbounded). */
export const SLICE_END = Number.MAX_SAFE_INTEGER;
