// Test helper: build a graph over named f32 inputs and evaluate it with the reference interpreter.

import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate, type Feeds } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';

/** Inputs given as [shape, values]; returns the output's shape and values as plain numbers. */
export function run(
  build: (g: Graph, ...xs: Node[]) => Node,
  ...inputs: [number[], number[]][]
): { shape: number[]; values: number[] } {
  const g = new Graph();
  const feeds: Feeds = {};
  const xs = inputs.map(([shape, values], i) => {
    feeds[`x${i}`] = { dtype: 'f32', shape, data: Float32Array.from(values) };
    return g.input(`x${i}`, 'f32', shape);
  });
  const [y] = evaluate([build(g, ...xs)], feeds);
  return { shape: y.shape, values: Array.from(y.data, Number) };
}

export const iota = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** A result's values as plain numbers, whatever its typed array. */
export const nums = (t: { data: ArrayLike<number> | ArrayLike<bigint> }): number[] =>
  Array.from(t.data as ArrayLike<number | bigint>, Number);
