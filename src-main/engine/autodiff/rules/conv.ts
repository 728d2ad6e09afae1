// Conv VJPs (docs/reference/ort-notes.md#conv-backward): dx = ConvTranspose(dy, W) with output_padding =
// (H+pb+pe−d(k−1)−1) mod s; dW (trainable convs only) by im2col: Pad + k² strided Slices + Concat + MatMul;
// db = ReduceSum.

import type { Graph } from '../../graph/builder';
import type { Node } from '../../graph/node';
import { attrOf } from '../../graph/ops';
import type { Dim } from '../../graph/shape';
import { rule } from '../rule';

interface Window {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  group: number;
}

function windowOf(n: Node): Window {
  const [k, s, p, d] = ['kernel_shape', 'strides', 'pads', 'dilations'].map((a) => attrOf<number[]>(n, a));
  return { k, s, p, d, group: attrOf<number>(n, 'group') };
}

/** The output_padding that makes ConvTranspose return exactly the forward input size. */
function outputPadding(x: Dim, w: Window, i: number, spatial: number): number {
  const total = w.p[i] + w.p[i + spatial] - w.d[i] * (w.k[i] - 1) - 1;
  // NOTE: a symbolic dim is divisible by the stride (shape.ts windowOutDim), so (H + total) mod s = total mod s.
  const base = typeof x === 'number' ? x + total : total;
  return ((base % w.s[i]) + w.s[i]) % w.s[i];
}

function convDx(g: Graph, n: Node, dy: Node, w: Window): Node {
  const [x, weight] = n.inputs;
  const spatial = w.k.length;
  const op = x.shape.slice(2).map((d, i) => outputPadding(d, w, i, spatial));
  return g.convTranspose(dy, weight, undefined, {
    strides: w.s,
    pads: w.p,
    dilations: w.d,
    group: w.group,
    outputPadding: op,
  });
}

/** dW [M, C, kh, kw] = Σ_N dy [N, M, Ho·Wo] · colsᵀ, cols [N, C·kh·kw, Ho·Wo] from strided slices of padded x. */
function convDw(g: Graph, n: Node, dy: Node, w: Window): Node {
  const [x, weight] = n.inputs;
  const [ho, wo] = dy.shape.slice(2);
  if (w.group !== 1 || typeof ho !== 'number' || typeof wo !== 'number' || w.k.length !== 2)
    throw new Error(
      `${n.scope}: Conv weight gradient needs group 1, 2-D and static H/W (group ${w.group}, out ${ho}×${wo})`,
    );
  const [n0, c] = x.shape;
  const padded = g.pad(x, [0, 0, w.p[0], w.p[1], 0, 0, w.p[2], w.p[3]]);
  const patches: Node[] = [];
  for (let i = 0; i < w.k[0]; i++)
    for (let j = 0; j < w.k[1]; j++) {
      const starts = [i * w.d[0], j * w.d[1]];
      const ends = [starts[0] + w.s[0] * (ho - 1) + 1, starts[1] + w.s[1] * (wo - 1) + 1];
      patches.push(g.unsqueeze(g.slice(padded, starts, ends, [2, 3], w.s), [2])); // [N, C, 1, Ho, Wo]
    }
  const cols = g.reshape(g.concat(patches, 2), [n0, c, -1, ho * wo]); // [N, C, k², Ho·Wo]
  const flatCols = g.reshape(cols, [n0, -1, ho * wo]); // [N, C·k², Ho·Wo]
  const flatDy = g.reshape(dy, [n0, weight.shape[0], ho * wo]); // [N, M, Ho·Wo]
  const perSample = g.matmul(flatDy, g.transpose(flatCols, [0, 2, 1])); // [N, M, C·k²]
  return g.reshape(g.reduceSum(perSample, [0], false), weight.shape);
}

const biasGrad = (g: Graph, dy: Node) =>
  g.reduceSum(dy, [0, ...dy.shape.slice(2).map((_, i) => i + 2)], false);

export const CONV_RULES = {
  Conv: rule(['inputs'], (g, n, dy, needs) => {
    const w = windowOf(n);
    return [
      needs[0] ? convDx(g, n, dy, w) : null,
      needs[1] ? convDw(g, n, dy, w) : null,
      needs[2] ? biasGrad(g, dy) : null,
    ];
  }),
  /** ConvTranspose is the adjoint of Conv with the same window, so dx = Conv(dy, W). */
  ConvTranspose: rule(['inputs'], (g, n, dy, needs) => {
    const w = windowOf(n);
    if (needs[1]) throw new Error(`${n.scope}: ConvTranspose weight gradient is not implemented`);
    const dx = g.conv(dy, n.inputs[1], undefined, {
      strides: w.s,
      pads: w.p,
      dilations: w.d,
      group: w.group,
    });
    return [needs[0] ? dx : null, null, needs[2] ? biasGrad(g, dy) : null];
  }),
};
