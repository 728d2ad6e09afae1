// Graph builder: interning, scopes, leaves, build-time shape errors; verify() and printGraph().

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors, readSafetensorsHeader } from '../../../src-main/formats/safetensors';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate, loadParams } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';
import { OPS } from '../../../src-main/engine/graph/ops';
import { printGraph } from '../../../src-main/engine/graph/print';
import { verify } from '../../../src-main/engine/graph/verify';
import { nums } from './run';

describe('Graph', () => {
  it('interns structurally equal nodes (CSE for free)', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', ['N', 3]);
    expect(g.add(x, 1)).toBe(g.add(x, 1));
    expect(g.scalar(2)).toBe(g.scalar(2));
    expect(g.constant(new Float32Array([1, 2]), [2])).not.toBe(g.constant(new Float32Array([1, 2]), [1, 2]));
    expect(g.input('x', 'f32', ['N', 3])).toBe(x);
    expect(() => g.input('x', 'f32', [2, 3])).toThrow(/declared twice/);
  });

  it('nests scopes into names and error messages', () => {
    const g = new Graph();
    const a = g.input('a', 'f32', [2, 77, 768]);
    const w = g.input('w', 'f32', [1024, 320]);
    g.scope('input_blocks.4.1', () =>
      g.scope('attn2', () => {
        expect(g.paramName('to_k.weight')).toBe('input_blocks.4.1.attn2.to_k.weight');
        expect(() => g.matmul(a, w)).toThrow('input_blocks.4.1.attn2: MatMul [2,77,768] × [1024,320]');
        expect(g.relu(a).scope).toBe('input_blocks.4.1.attn2');
      }),
    );
    expect(g.scopeName).toBe('');
  });

  it('infers symbolic shapes through reshape -1, conv and concat', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', ['N', 4, 'H', 'W']);
    expect(g.reshape(x, ['N', 2, -1]).shape).toEqual(['N', 2, '2*H*W']);
    const w = g.input('w', 'f32', [8, 4, 3, 3]);
    expect(g.conv(x, w, undefined, { strides: [2, 2], pads: 1 }).shape).toEqual(['N', 8, 'H/2', 'W/2']);
    expect(g.concat([x, x], 1).shape).toEqual(['N', 8, 'H', 'W']);
    expect(() => g.concat([x, x], 2)).toThrow(/symbolic axis/);
  });

  it('every OPS entry declares arity, attrs and a rule', () => {
    for (const spec of Object.values(OPS)) expect(typeof spec.infer).toBe('function');
  });
});

describe('verify and printGraph', () => {
  it('accepts a sound graph and reports a forged node', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [2, 3]);
    const y = g.scope('blk', () => g.reduceSum(g.mul(x, x), [1]));
    expect(verify([y])).toEqual([]);
    const forged: Node = { ...y, id: y.id + 100, shape: [5], attrs: { ...y.attrs, bogus: 1 } };
    const problems = verify([forged]);
    expect(problems.join('\n')).toMatch(/unknown attribute bogus/);
    expect(problems.join('\n')).toMatch(/rule gives f32\[2,1\]/);
    const text = printGraph([y]);
    expect(text).toContain("Input('x') : f32[2,3]");
    expect(text).toMatch(/ReduceSum\(%\d+\) \{"axes":\[1\],"keepdims":1\} : f32\[2,1\]\s+# blk/);
  });
});

describe('Param leaves', () => {
  it('loadParams reads weights from safetensors, with the transpose transform', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-engine-'));
    try {
      const file = join(dir, 'w.safetensors');
      await writeSafetensors(file, [
        { name: 'w', dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      ]);
      const e = (await readSafetensorsHeader(file)).tensors.get('w')!;
      const ref = { file, key: 'w', storedAs: 'F32', byteStart: e.begin, byteEnd: e.end };
      const g = new Graph();
      const plain = g.param('w', ref, 'f32', [2, 3]);
      const t = g.param('wT', { ...ref, transform: { kind: 'transpose2d' } }, 'f32', [3, 2]);
      const outs = [g.mul(plain, 2), g.identity(t)];
      const [a, b] = evaluate(outs, await loadParams(outs));
      expect(nums(a)).toEqual([2, 4, 6, 8, 10, 12]);
      expect(nums(b)).toEqual([1, 4, 2, 5, 3, 6]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
