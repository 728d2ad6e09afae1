import { describe, expect, it } from 'vitest';
import type { Node } from '../../../src-main/engine/graph/node';
import { foldConstants, type Evaluate } from '../../../src-main/engine/passes/fold';
import { evaluate as interpret, type TensorValue } from '../../../src-main/engine/graph/interpret';
import { Graph } from '../../../src-main/engine/graph/builder';
import { Nodes } from '../onnx/nodes';

/** Elementwise Add/Mul over same-shape f32 constants: enough to drive the pass. */
const evaluate: Evaluate = (outputs) =>
  outputs.map((n: Node): TensorValue => {
    const [a, b] = n.inputs.map((i) => i.data as Float32Array);
    const f = n.op === 'Add' ? (x: number, y: number) => x + y : (x: number, y: number) => x * y;
    return { dtype: 'f32', shape: n.shape as number[], data: a.map((x, i) => f(x, b[i])) };
  });

describe('foldConstants', () => {
  it('turns constant subexpressions into Constants, keeping ids and untouched nodes', () => {
    const g = new Nodes();
    const x = g.input('x', [2]);
    const c1 = g.constant(new Float32Array([1, 2]), [2]);
    const c2 = g.constant(new Float32Array([3, 4]), [2]);
    const s = g.op('Add', 'f32', [2], [c1, c2]);
    const p = g.op('Mul', 'f32', [2], [s, c2]);
    const y = g.op('Mul', 'f32', [2], [x, p]);
    const alone = g.op('Mul', 'f32', [2], [x, x]);
    const { outputs, folded } = foldConstants({ y, alone }, evaluate);
    expect(folded).toBe(2);
    expect(outputs.alone).toBe(alone);
    const yp = outputs.y.inputs[1];
    expect(yp).toMatchObject({ id: p.id, op: 'Constant', inputs: [], data: new Float32Array([12, 24]) });
    expect(outputs.y.id).toBe(y.id);
    expect(outputs.y.inputs[0]).toBe(x);
  });

  it('leaves outputs above the size limit alone', () => {
    const g = new Nodes();
    const c = g.constant(new Float32Array(8).fill(1), [8]);
    const big = g.op('Add', 'f32', [8], [c, c]);
    expect(foldConstants({ big }, evaluate, 4)).toEqual({ outputs: { big }, folded: 0 });
  });

  it('takes the reference interpreter as its evaluator', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [2]);
    const c = g.exp(g.constant(Float32Array.of(0, 1), [2]));
    const { outputs, folded } = foldConstants({ y: g.mul(x, c) }, interpret);
    expect(folded).toBe(1);
    expect(outputs.y.inputs[1]).toMatchObject({
      op: 'Constant',
      data: Float32Array.of(1, Math.fround(Math.E)),
    });
  });
});
