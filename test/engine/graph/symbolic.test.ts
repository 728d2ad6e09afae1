// One graph with symbolic N, H, W (forward and gradient) evaluated at two sizes equals the graphs built
// with those sizes as static shapes; symbolic shape inference gives the expected monomials.

import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate, type Feeds } from '../../../src-main/engine/graph/interpret';
import type { Dim } from '../../../src-main/engine/graph/shape';
import * as nn from '../../../src-main/engine/graph/nn';
import { grad } from '../../../src-main/engine/autodiff/grad';

/** conv(stride 2) → groupNorm → silu → upsample → conv; gradient w.r.t. the input and a LoRA-like scale. */
function build(n: Dim, h: Dim, w: Dim) {
  const g = new Graph();
  const x = g.input('x', 'f32', [n, 2, h, w]);
  const k1 = g.input('k1', 'f32', [4, 2, 3, 3]);
  const k2 = g.input('k2', 'f32', [2, 4, 3, 3]);
  const scale = g.input('scale', 'f32', [1, 4, 1, 1]);
  const a = g.mul(g.conv(x, k1, undefined, { strides: [2, 2], pads: 1 }), scale); // [N, 4, H/2, W/2]
  const b = nn.upsampleNearest2x(g, nn.silu(g, nn.groupNorm(g, a, 2))); // [N, 4, H, W]
  const y = g.conv(b, k2, undefined, { pads: 1 }); // [N, 2, H, W]
  const loss = g.reduceMean(g.mul(y, y), [0, 1, 2, 3], false);
  const [dx, ds] = grad(g, loss, [x, scale]);
  return { outs: [y, dx, ds], mid: a };
}

function feeds(n: number, h: number, w: number): Feeds {
  const f = (shape: number[], k: number) => ({
    dtype: 'f32' as const,
    shape,
    data: Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(i * k + 0.3)),
  });
  return {
    x: f([n, 2, h, w], 0.37),
    k1: f([4, 2, 3, 3], 1.1),
    k2: f([2, 4, 3, 3], 0.9),
    scale: f([1, 4, 1, 1], 2.3),
  };
}

describe('symbolic shapes', () => {
  it('infers monomial dims', () => {
    const { outs, mid } = build('N', 'H', 'W');
    expect(mid.shape).toEqual(['N', 4, 'H/2', 'W/2']);
    expect(outs.map((o) => o.shape)).toEqual([
      ['N', 2, 'H', 'W'],
      ['N', 2, 'H', 'W'],
      [1, 4, 1, 1],
    ]);
  });

  it.each([
    [1, 4, 6],
    [2, 8, 4],
  ])('N=%i H=%i W=%i matches the static graph', (n, h, w) => {
    const sym = evaluate(build('N', 'H', 'W').outs, feeds(n, h, w));
    const fixed = evaluate(build(n, h, w).outs, feeds(n, h, w));
    sym.forEach((t, i) => {
      expect(t.shape).toEqual(fixed[i].shape);
      Array.from(t.data as Float32Array).forEach((v, j) =>
        expect(v).toBeCloseTo(fixed[i].data[j] as number, 6),
      );
    });
  });
});
