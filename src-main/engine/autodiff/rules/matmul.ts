// MatMul VJP: dA = dY Bᵀ, dB = Aᵀ dY on the last two axes; broadcast batch axes are summed by the driver.

import type { Graph } from '../../graph/builder';
import type { Node } from '../../graph/node';
import { rule } from '../rule';

/** Swaps the last two axes. */
function swapLast(g: Graph, x: Node): Node {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => (i < r - 2 ? i : 2 * r - 3 - i));
  return g.transpose(x, perm);
}

export const MATMUL_RULES = {
  MatMul: rule(['inputs'], (g, n, dy, needs) => {
    const [a, b] = n.inputs;
    return [needs[0] ? g.matmul(dy, swapLast(g, b)) : null, needs[1] ? g.matmul(swapLast(g, a), dy) : null];
  }),
};
