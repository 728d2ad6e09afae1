// The reverse-mode driver: pruning to wrt→loss paths, Add-chain accumulation, un-broadcasting, seeds.

import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate } from '../../../src-main/engine/graph/interpret';
import { liveOrder } from '../../../src-main/engine/graph/verify';
import { grad, gradMap } from '../../../src-main/engine/autodiff/grad';

const f32 = (shape: number[], values: number[]) => ({
  dtype: 'f32' as const,
  shape,
  data: Float32Array.from(values),
});

describe('grad', () => {
  it('accumulates fan-out with binary Adds and un-broadcasts once (closed form d/db Σ(a·b + b) = Σ_rows a + rows)', () => {
    const g = new Graph();
    const a = g.input('a', 'f32', [2, 3]);
    const b = g.input('b', 'f32', [3]);
    const loss = g.reduceSum(g.add(g.mul(a, b), b), [0, 1], false);
    const [db] = grad(g, loss, [b]);
    expect(db.shape).toEqual([3]);
    const ops = liveOrder([db]).map((n) => n.op);
    expect(ops).toContain('Add');
    expect(ops).not.toContain('Sum');
    const [v] = evaluate([db], { a: f32([2, 3], [1, 2, 3, 4, 5, 6]), b: f32([3], [0, 0, 0]) });
    expect(Array.from(v.data as Float32Array)).toEqual([1 + 4 + 2, 2 + 5 + 2, 3 + 6 + 2]);
  });

  it('builds nothing off the wrt→loss paths and returns zeros for unrelated wrt', () => {
    const g = new Graph();
    const frozen = g.input('frozen', 'f32', [2]);
    const x = g.input('x', 'f32', [2]);
    const unrelated = g.input('u', 'f32', [4]);
    const h = g.exp(frozen); // upstream of x's use: forward-only
    const loss = g.reduceSum(g.mul(h, x), [0], false);
    const grads = gradMap(g, loss, [x, unrelated]);
    expect([...grads.keys()].sort()).toEqual([loss.id, g.mul(h, x).id, x.id].sort());
    const [, du] = grad(g, loss, [x, unrelated]);
    expect(Array.from(evaluate([du], {})[0].data as Float32Array)).toEqual([0, 0, 0, 0]);
  });

  it('takes a seed for non-scalar outputs', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [2]);
    const seed = g.input('dy', 'f32', [2]);
    const [dx] = grad(g, g.mul(x, x), [x], { seed });
    const [v] = evaluate([dx], { x: f32([2], [3, 4]), dy: f32([2], [1, 10]) });
    expect(Array.from(v.data as Float32Array)).toEqual([6, 80]);
  });
});

describe('grad rematerialize hook', () => {
  it('lets the rule read a substitute node and reports every gradient it accumulates', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [2]);
    const y = g.exp(x);
    const loss = g.reduceSum(y, [0], false);
    const stand = g.exp(g.add(x, 0)); // same values as y, a different node
    const produced: [string, string][] = [];
    const [dx] = grad(g, loss, [x], {
      rematerialize: {
        read: (n) => (n === y ? stand : n),
        produced: (n, input) => produced.push([n.op, input.op]),
      },
    });
    expect(liveOrder([dx]).some((n) => n === stand)).toBe(true);
    expect(liveOrder([dx]).some((n) => n === y)).toBe(false);
    expect(produced).toEqual([
      ['ReduceSum', 'Exp'],
      ['Exp', 'Input'],
    ]);
    const [v] = evaluate([dx], { x: f32([2], [0, 1]) });
    expect(Array.from(v.data as Float32Array)).toEqual([1, Math.fround(Math.E)]);
  });
});
