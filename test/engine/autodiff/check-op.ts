// One helper checks an op's gradients (tinygrad helper_test_op, ggml MODE_GRAD): the autodiff gradient of
// Σ(out ⊙ R) for a fixed random R equals central finite differences, all in the interpreter's float64.

import { expect } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate64, type Feeds } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';
import { verify } from '../../../src-main/engine/graph/verify';
import { grad } from '../../../src-main/engine/autodiff/grad';

export interface InputSpec {
  shape: number[];
  /** Explicit values; otherwise seeded uniform values in [lo, hi). */
  data?: number[];
  lo?: number;
  hi?: number;
  /** Not differentiated (e.g. indices or a condition). */
  dtype?: 'f32' | 'i64' | 'bool';
}

export interface CheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
}

/** Deterministic uniform numbers (LCG); tests must not depend on Math.random. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeFeeds(specs: readonly InputSpec[], rand: () => number): Feeds {
  const feeds: Feeds = {};
  specs.forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = [s.lo ?? -1, s.hi ?? 1];
    const data = Float64Array.from(s.data ?? Array.from({ length: n }, () => lo + (hi - lo) * rand()));
    feeds[`x${i}`] = { dtype: s.dtype ?? 'f32', shape: s.shape, data };
  });
  return feeds;
}

/**
 * Builds `build(g, ...inputs)`, differentiates a random projection of it w.r.t. every float input and
 * compares with central differences. Returns the graph and gradient nodes for further assertions.
 * @example checkOp((g, a, b) => g.mul(a, b), [{ shape: [2, 3] }, { shape: [3] }])
 */
export function checkOp(
  build: (g: Graph, ...xs: Node[]) => Node,
  specs: readonly InputSpec[],
  o: CheckOptions = {},
): { g: Graph; grads: Node[] } {
  const { eps = 1e-6, rtol = 1e-5, atol = 1e-7 } = o;
  const rand = seeded(1234);
  const g = new Graph();
  const xs = specs.map((s, i) => g.input(`x${i}`, s.dtype ?? 'f32', s.shape));
  const out = build(g, ...xs);
  const outShape = out.shape as number[];
  const r = Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
  const proj = g.mul(out, g.constant(r, outShape));
  const loss = outShape.length
    ? g.reduceSum(
        proj,
        outShape.map((_, i) => i),
        false,
      )
    : proj;
  const wrt = xs.filter((_, i) => (specs[i].dtype ?? 'f32') === 'f32');
  const grads = grad(g, loss, wrt);
  expect(verify([loss, ...grads])).toEqual([]);
  const feeds = makeFeeds(specs, rand);
  const analytic = evaluate64(grads, feeds);
  wrt.forEach((w, k) => {
    const feed = feeds[w.name!].data as Float64Array;
    const numeric = Array.from(feed, (v, j) => {
      const at = (x: number) => {
        feed[j] = x;
        return evaluate64([loss], feeds)[0].data[0];
      };
      const d = (at(v + eps) - at(v - eps)) / (2 * eps);
      feed[j] = v;
      return d;
    });
    const got = Array.from(analytic[k].data);
    expect(analytic[k].shape).toEqual(w.shape);
    got.forEach((a, j) => {
      const tol = atol + rtol * Math.abs(numeric[j]);
      if (!(Math.abs(a - numeric[j]) <= tol))
        throw new Error(`${w.name}[${j}]: autodiff ${a} vs finite difference ${numeric[j]} (tol ${tol})`);
    });
  });
  return { g, grads };
}
