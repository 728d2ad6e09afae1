import { describe, expect, it } from 'vitest';
import { deadCount, liveNodes } from '../../../src-main/engine/passes/dce';
import { Nodes } from '../onnx/nodes';

describe('dce', () => {
  it('keeps only what the outputs reach, in id order', () => {
    const g = new Nodes();
    const x = g.input('x', [2]);
    const dead1 = g.op('Exp', 'f32', [2], [x]);
    g.op('Log', 'f32', [2], [dead1]);
    const a = g.op('Neg', 'f32', [2], [x]);
    const b = g.op('Add', 'f32', [2], [a, x]);
    expect(liveNodes([b]).map((n) => n.op)).toEqual(['Input', 'Neg', 'Add']);
    expect(deadCount(g.all, [b])).toBe(2);
    expect(deadCount(g.all, [b, dead1])).toBe(1);
  });
});
