// Composite layers vs closed-form values and an independent naive attention.

import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate } from '../../../src-main/engine/graph/interpret';
import * as nn from '../../../src-main/engine/graph/nn';
import { iota, run } from './run';

const close = (got: number[], want: number[], tol = 1e-5) =>
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(tol));

describe('activations', () => {
  it('gelu (exact and tanh), quickGelu, silu, geglu', () => {
    close(run((g, x) => nn.gelu(g, x), [[2], [1, -1]]).values, [0.8413447461, -0.1586552539]);
    close(run((g, x) => nn.gelu(g, x, 'tanh'), [[1], [1]]).values, [0.8411919906]);
    close(run((g, x) => nn.quickGelu(g, x), [[1], [1]]).values, [1 / (1 + Math.exp(-1.702))]);
    close(run((g, x) => nn.silu(g, x), [[1], [2]]).values, [2 / (1 + Math.exp(-2))]);
    close(
      run(
        (g, x) => nn.geglu(g, x),
        [
          [1, 2],
          [3, 1],
        ],
      ).values,
      [3 * 0.8413447461],
    );
    close(run((g, x) => nn.softmax(g, x), [[2], [0, 0]]).values, [0.5, 0.5]);
  });
});

describe('norms', () => {
  it('layerNorm normalizes the last axis then applies the affine', () => {
    const r = run(
      (g, x, w, b) => nn.layerNorm(g, x, w, b, 0),
      [
        [1, 3],
        [1, 2, 3],
      ],
      [[3], [1, 2, 1]],
      [[3], [0, 0, 1]],
    );
    close(r.values, [-Math.sqrt(1.5), 0, Math.sqrt(1.5) + 1]);
  });

  it('groupNorm uses per-group statistics', () => {
    // 2 groups of 2 channels × 1 pixel: group 1 = [1, 3], group 2 = [10, 10] (zero variance → 0)
    const r = run(
      (g, x, w) => nn.groupNorm(g, x, 2, w, undefined, 0.0001),
      [
        [1, 4, 1, 1],
        [1, 3, 10, 10],
      ],
      [[4], [1, 2, 1, 1]],
    );
    close(r.values, [-1 / Math.sqrt(1.0001), 2 / Math.sqrt(1.0001), 0, 0], 1e-4);
  });
});

describe('linear, conv2d, split, upsample', () => {
  it('linear uses torch [out, in] weights', () => {
    expect(
      run(
        (g, x, w, b) => nn.linear(g, x, w, b),
        [
          [1, 2],
          [1, 2],
        ],
        [
          [3, 2],
          [1, 0, 0, 1, 1, 1],
        ],
        [[3], [0, 0, 10]],
      ).values,
    ).toEqual([1, 2, 13]);
  });
  it('conv2d maps stride/padding; split and upsample', () => {
    expect(
      run(
        (g, x, w) => nn.conv2d(g, x, w, undefined, { stride: 2, padding: 1 }),
        [[1, 1, 4, 4], iota(16)],
        [[1, 1, 3, 3], Array(9).fill(1)],
      ).shape,
    ).toEqual([1, 1, 2, 2]);
    const g = new Graph();
    const parts = nn.split(g, g.input('x', 'f32', [2, 6]), 3);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    expect(run((gg, x) => nn.upsampleNearest2x(gg, x), [[1, 1, 1, 1], [5]])).toEqual({
      shape: [1, 1, 2, 2],
      values: [5, 5, 5, 5],
    });
  });
  it('consults the adapter hook first', () => {
    const g = new Graph({ adapter: { linear: (gg, x) => gg.neg(x) } });
    const y = nn.linear(g, g.input('x', 'f32', [1, 2]), g.input('w', 'f32', [2, 2]));
    expect(y.op).toBe('Neg');
  });
});

describe('timestepEmbedding', () => {
  it('matches f_i = exp(−ln(1e4)·i/half), cos first with flipSinToCos', () => {
    const r = run(
      (g, t) => nn.timestepEmbedding(g, t, 4, { flipSinToCos: true, freqShift: 0 }),
      [[2], [0, 1]],
    );
    close(r.values, [1, 1, 0, 0, Math.cos(1), Math.cos(0.01), Math.sin(1), Math.sin(0.01)]);
  });
});

/** Independent per-head loop implementation. */
function naiveAttention(
  q: number[],
  k: number[],
  v: number[],
  t: number,
  c: number,
  heads: number,
  causal: boolean,
) {
  const d = c / heads;
  const out = new Array<number>(t * c).fill(0);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < t; i++) {
      const s = iota(t).map((j) =>
        causal && j > i
          ? -Infinity
          : iota(d).reduce((a, e) => a + q[i * c + h * d + e] * k[j * c + h * d + e], 0) / Math.sqrt(d),
      );
      const m = Math.max(...s);
      const p = s.map((z) => Math.exp(z - m));
      const z = p.reduce((a, b) => a + b, 0);
      for (let e = 0; e < d; e++)
        out[i * c + h * d + e] = iota(t).reduce((a, j) => a + (p[j] / z) * v[j * c + h * d + e], 0);
    }
  return out;
}

describe('attention', () => {
  it.each([false, true])('matches a naive implementation (causal %s)', (causal) => {
    const [t, c] = [3, 4];
    const vals = (k: number) => iota(t * c).map((i) => Math.sin(i * k));
    const [q, k, v] = [vals(0.7), vals(1.3), vals(2.1)];
    const g = new Graph();
    const ins = ['q', 'k', 'v'].map((n) => g.input(n, 'f32', [1, t, c]));
    const y = nn.attention(g, ins[0], ins[1], ins[2], { heads: 2, causal });
    const feed = (d: number[]) => ({ dtype: 'f32' as const, shape: [1, t, c], data: Float32Array.from(d) });
    const [out] = evaluate([y], { q: feed(q), k: feed(k), v: feed(v) });
    expect(out.shape).toEqual([1, t, c]);
    close(Array.from(out.data as Float32Array), naiveAttention(q, k, v, t, c, 2, causal));
  });
});
