// VJPs of data-movement ops: each moves the gradient back where the forward took it from
// (Slice ↔ Pad, Concat → Slices, Resize-nearest → sum over each block, Gather → one-hot MatMul).

import type { Graph } from '../../graph/builder';
import type { Node } from '../../graph/node';
import { SLICE_END, attrOf } from '../../graph/ops';
import { dimProduct } from '../../graph/shape';
import { rule } from '../rule';

const back = (g: Graph, n: Node, dy: Node) => [g.reshape(dy, n.inputs[0].shape)];

function concatBack(g: Graph, n: Node, dy: Node, needs: readonly boolean[]): (Node | null)[] {
  const axis = attrOf<number>(n, 'axis');
  let at = 0;
  return n.inputs.map((x, i) => {
    const len = x.shape[axis];
    if (typeof len !== 'number') throw new Error(`${n.scope}: Concat VJP along symbolic axis ${axis}`);
    at += len;
    return needs[i] ? g.slice(dy, [at - len], [at], [axis]) : null;
  });
}

function sliceBack(g: Graph, n: Node, dy: Node): Node[] {
  const x = n.inputs[0];
  const r = x.shape.length;
  const pads = new Array<number>(2 * r).fill(0);
  const [starts, axes, steps] = ['starts', 'axes', 'steps'].map((k) => attrOf<number[]>(n, k));
  axes.forEach((ax, i) => {
    const len = x.shape[ax];
    const out = n.shape[ax];
    if (typeof len !== 'number' || typeof out !== 'number' || steps[i] !== 1)
      throw new Error(`${n.scope}: Slice VJP needs a static axis and step 1 (axis ${ax}, step ${steps[i]})`);
    const b = Math.min(Math.max(starts[i] < 0 ? starts[i] + len : starts[i], 0), len);
    [pads[ax], pads[ax + r]] = [b, len - b - out];
  });
  return [g.pad(dy, pads)];
}

function padBack(g: Graph, n: Node, dy: Node): Node[] {
  const p = attrOf<number[]>(n, 'pads');
  const r = n.shape.length;
  const axes = [...Array(r).keys()];
  return [
    g.slice(
      dy,
      p.slice(0, r),
      p.slice(r).map((e) => (e > 0 ? -e : SLICE_END)),
      axes,
    ),
  ];
}

/** Each input element fed a scale-sized block: split every axis into [d, s] and sum the s parts. */
function resizeBack(g: Graph, n: Node, dy: Node): Node[] {
  const x = n.inputs[0];
  const sc = attrOf<number[]>(n, 'scales');
  const split = x.shape.flatMap((d, i) => [d, sc[i]]);
  const sum = g.reduceSum(
    g.reshape(dy, split),
    sc.map((_, i) => 2 * i + 1),
    false,
  );
  return [sum];
}

/** dData = onehot(indices)ᵀ · dy, with rows of dData [V, …] flattened. */
function gatherBack(g: Graph, n: Node, dy: Node): (Node | null)[] {
  const [data, idx] = n.inputs;
  const v = data.shape[0];
  if (typeof v !== 'number') throw new Error(`${n.scope}: Gather VJP needs a static vocabulary`);
  const range = g.constant(
    BigInt64Array.from({ length: v }, (_, i) => BigInt(i)),
    [v],
  );
  const hot = g.cast(g.equal(g.unsqueeze(g.cast(idx, 'i64'), [idx.shape.length]), range), dy.dtype); // [..I, V]
  const rows = dimProduct(idx.shape);
  const flatHot = g.reshape(hot, [rows, v]);
  const flatDy = g.reshape(dy, [rows, dimProduct(data.shape.slice(1))]);
  const d = g.matmul(g.transpose(flatHot, [1, 0]), flatDy); // [V, rest]
  return [g.reshape(d, data.shape), null];
}

export const MOVEMENT_RULES = {
  Reshape: rule([], back),
  Unsqueeze: rule([], back),
  Squeeze: rule([], back),
  Transpose: rule([], (g, n, dy) => {
    const perm = attrOf<number[]>(n, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [g.transpose(dy, inverse)];
  }),
  Expand: rule([], (_g, _n, dy) => [dy]),
  Concat: rule([], concatBack),
  Slice: rule([], sliceBack),
  Pad: rule([], padBack),
  Resize: rule([], resizeBack),
  Gather: rule(['inputs'], gatherBack),
};
