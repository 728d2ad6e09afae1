// Reduction VJPs: the gradient is broadcast back over the reduced axes (Mean also divides by the count,
// computed at run time when a reduced dim is symbolic; Max routes it to the arg-max positions).

import type { Graph } from '../../graph/builder';
import type { Node } from '../../graph/node';
import { attrOf } from '../../graph/ops';
import { rule } from '../rule';

/** dy with the reduced axes restored as size 1. */
function keptDims(g: Graph, n: Node, dy: Node): Node {
  return attrOf<number>(n, 'keepdims') ? dy : g.unsqueeze(dy, attrOf<number[]>(n, 'axes'));
}

/** 1/count of the reduced elements; symbolic dims are counted at run time by summing ones. */
function inverseCount(g: Graph, n: Node): Node | number {
  const x = n.inputs[0];
  const axes = attrOf<number[]>(n, 'axes');
  const reduced = axes.map((a) => x.shape[a]);
  if (reduced.every((d) => typeof d === 'number'))
    return 1 / reduced.reduce<number>((p, d) => p * (d as number), 1);
  const ones = g.expand(
    g.scalar(1, x.dtype),
    x.shape.map((d, i) => (axes.includes(i) ? d : 1)),
  );
  return g.reciprocal(g.reduceSum(ones, axes));
}

export const REDUCE_RULES = {
  ReduceSum: rule([], (g, n, dy) => [g.expand(keptDims(g, n, dy), n.inputs[0].shape)]),
  ReduceMean: rule([], (g, n, dy) => [
    g.expand(g.mul(keptDims(g, n, dy), inverseCount(g, n)), n.inputs[0].shape),
  ]),
  // NOTE: ties each receive the full gradient (ORT/torch amax split it); ties are rare in float data.
  ReduceMax: rule(['inputs', 'output'], (g, n, dy) => {
    const x = n.inputs[0];
    const mask = g.cast(g.equal(x, keptDims(g, n, n)), x.dtype);
    return [g.mul(mask, keptDims(g, n, dy))];
  }),
};
