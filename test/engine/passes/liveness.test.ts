// The liveness model: hand-made graphs whose peak is known by hand, ORT's default run order, and the
// checkpointed stack holding fewer activations at its peak than the plain one.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { grad } from '../../../src-main/engine/autodiff/grad';
import { blockOf, groupLive, ortRunOrder, simulateLiveness } from '../../../src-main/engine/passes/liveness';
import { checkpointScopes, gradCheckpointed } from '../../../src-main/engine/passes/recompute';
import { buildStack } from './stack';

const KB = 1024; // bytes of a [256] f32 tensor

describe('simulateLiveness', () => {
  it('frees a chain link after its consumer: two buffers at a time', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [256]);
    const y = g.exp(g.neg(g.relu(x)));
    const l = simulateLiveness({ y }, undefined, 'emitted');
    expect([l.peakBytes, l.ops]).toEqual([2 * KB, 3]);
  });

  it('keeps a value until its last consumer (a diamond) and counts no weights, views or weight transposes', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [256]);
    const w = g.param(
      'w',
      { file: '/m.safetensors', key: 'w', storedAs: 'F32', byteStart: 0, byteEnd: 64 },
      'f32',
      [4, 4],
    );
    const a = g.relu(x); // lives until `d`
    const b = g.exp(a);
    const c = g.neg(b);
    const d = g.add(a, c);
    const viewed = g.reshape(d, [16, 16]);
    const t = g.transpose(w, [1, 0]);
    const out = g.matmul(viewed, g.reshape(g.slice(g.reshape(t, [16]), [0], [16], [0]), [16, 1]));
    const l = simulateLiveness({ out }, undefined, 'emitted');
    // At `c`: a, b and c are live (3 KB); the reshape views d, the transpose/slice of w fold away.
    expect(l.peakBytes).toBe(3 * KB);
    expect(l.live.map((t) => t.node.id).sort()).toEqual([a.id, b.id, c.id].sort());
  });

  it('splits forward values kept for the backward from backward temporaries', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [256]);
    const h = g.exp(x);
    const loss = g.reduceSum(g.mul(h, h), [0], false);
    const [dx] = grad(g, loss, [x]);
    const l = simulateLiveness({ loss, dx }, loss);
    expect(l.live.some((t) => t.node.id === h.id && t.phase === 'forward')).toBe(true);
    expect(l.live.some((t) => t.phase === 'backward')).toBe(true);
    const groups = groupLive(l.live, (t) => t.phase);
    expect(groups.reduce((s, x) => s + x.bytes, 0)).toBe(l.peakBytes);
  });

  it('holds fewer activations at the peak for a checkpointed stack than for a plain one', () => {
    const config = { blocks: 4, channels: 8, size: 8, rank: 2, heads: 2 };
    const plain = buildStack(config);
    const plainGrads = grad(plain.g, plain.loss, plain.lora);
    const ckpt = buildStack(config);
    const ckptGrads = gradCheckpointed(ckpt.g, ckpt.loss, ckpt.lora, {
      checkpoint: checkpointScopes(/^block\.\d+/),
    });
    const outputs = (loss: typeof plain.loss, grads: typeof plainGrads) =>
      Object.fromEntries([['loss', loss], ...grads.map((n, i) => [`g${i}`, n] as const)]);
    const a = simulateLiveness(outputs(plain.loss, plainGrads), plain.loss);
    const b = simulateLiveness(outputs(ckpt.loss, ckptGrads), ckpt.loss);
    expect(b.peakBytes).toBeLessThan(0.8 * a.peakBytes);
  });
});

describe('ortRunOrder', () => {
  it('runs every op once, after its inputs, taking the higher-index input first', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [4]);
    const left = g.relu(x);
    const right = g.exp(x);
    const y = g.add(left, right);
    const order = ortRunOrder([y]);
    // Depth-first from y up its inputs: `right` (the higher id) is pushed last, so its subtree runs first.
    expect(order.map((n) => n.op)).toEqual(['Exp', 'Relu', 'Add']);
    const stack = buildStack({ blocks: 2, channels: 4, size: 4, rank: 1, heads: 1 });
    const ops = ortRunOrder([stack.loss]);
    const at = new Map(ops.map((n, i) => [n.id, i]));
    for (const n of ops)
      for (const i of n.inputs) if (at.has(i.id)) expect(at.get(i.id)!).toBeLessThan(at.get(n.id)!);
  });
});

describe('blockOf', () => {
  it('names the UNet block of a scope', () => {
    expect(blockOf('input_blocks.4.1.transformer_blocks.0.attn1')).toBe('input_blocks.4');
    expect(blockOf('middle_block.1.proj_in')).toBe('middle_block.1');
    expect(blockOf('loss')).toBe('loss');
    expect(blockOf('')).toBe('(root)');
  });
});
