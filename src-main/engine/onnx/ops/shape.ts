// Movement ops whose opset-21 form takes int64 inputs instead of attributes (ONNX Reshape-21, Expand-13,
// Slice-13, Squeeze/Unsqueeze-21, Pad-21, Resize-19, Tile-13, ConstantOfShape-21 operator pages).
// Symbolic targets: 0 (copy) / 1 (keep) where the input already has that dim, -1 once, else computed at run time.

import { DTYPES } from '../../graph/dtype';
import type { Node } from '../../graph/node';
import { dimEq, type Dim } from '../../graph/shape';
import { toAttributes } from '../attributes';
import { ATTR_TYPE } from '../proto';
import { withInputs, type EmitContext, type OpEmitter } from './common';

function ints(n: Node, key: string): readonly Dim[] | undefined {
  return n.attrs[key] as readonly Dim[] | undefined;
}

/** Reshape target from the node's own (inferred) shape: the IR's `shape` attribute may hold 0/-1 codes. */
const reshape: OpEmitter = (n, cx) => {
  if (n.inputs.length > 1) return withInputs(n, cx, [], []);
  const from = n.inputs[0].shape;
  let unknown = 0;
  const codes = n.shape.map((d, i): Dim => {
    if (typeof d === 'number') return d;
    if (i < from.length && dimEq(from[i], d)) return 0;
    return unknown++ === 0 ? -1 : d;
  });
  return withInputs(n, cx, [cx.dims.vector(codes)], ['shape']);
};

/** Expand target: 1 keeps the (right-aligned) input dim, so only new symbolic dims need run-time values. */
const expand: OpEmitter = (n, cx) => {
  if (n.inputs.length > 1) return withInputs(n, cx, [], []);
  const from = n.inputs[0].shape;
  const lead = n.shape.length - from.length;
  const codes = n.shape.map((d, i): Dim =>
    typeof d === 'string' && i >= lead && dimEq(from[i - lead], d) ? 1 : d,
  );
  return withInputs(n, cx, [cx.dims.vector(codes)], ['shape']);
};

function optionalVector(n: Node, cx: EmitContext, key: string): string {
  const v = ints(n, key);
  return v === undefined ? '' : cx.dims.vector(v);
}

/** Attribute-named int64 inputs, in the op's input order. */
function vectorsAsInputs(keys: readonly string[]): OpEmitter {
  return (n, cx) =>
    withInputs(
      n,
      cx,
      keys.map((k) => optionalVector(n, cx, k)),
      keys,
    );
}

const pad: OpEmitter = (n, cx) => {
  const value = n.attrs.constant_value;
  const constant = typeof value === 'number' ? cx.scalar(n.dtype, value) : '';
  return withInputs(
    n,
    cx,
    [optionalVector(n, cx, 'pads'), constant, optionalVector(n, cx, 'axes')],
    ['pads', 'constant_value', 'axes'],
  );
};

const resize: OpEmitter = (n, cx) => {
  const scales = n.attrs.scales as readonly number[] | undefined;
  return withInputs(
    n,
    cx,
    ['', scales ? cx.floats(scales) : '', optionalVector(n, cx, 'sizes')],
    ['scales', 'sizes'],
  );
};

/** ConstantOfShape: the shape input from the node's shape, `value` as a one-element tensor of its dtype. */
const constantOfShape: OpEmitter = (n, cx) => {
  const value = typeof n.attrs.value === 'number' ? n.attrs.value : 0;
  const t = {
    name: 'value',
    dims: [1],
    dataType: DTYPES[n.dtype].onnx,
    rawData: cx.scalarBytes(n.dtype, value),
  };
  return {
    inputs: n.inputs.length ? [cx.value(n.inputs[0])] : [cx.dims.vector(n.shape)],
    attribute: [...toAttributes(n.op, n.attrs, ['value']), { name: 'value', type: ATTR_TYPE.TENSOR, t }],
  };
};

export const SHAPE_EMITTERS: Record<string, OpEmitter> = {
  Reshape: reshape,
  Expand: expand,
  Slice: vectorsAsInputs(['starts', 'ends', 'axes', 'steps']),
  Squeeze: vectorsAsInputs(['axes']),
  Unsqueeze: vectorsAsInputs(['axes']),
  Tile: vectorsAsInputs(['repeats']),
  Split: vectorsAsInputs(['split']),
  Pad: pad,
  Resize: resize,
  ConstantOfShape: constantOfShape,
};
