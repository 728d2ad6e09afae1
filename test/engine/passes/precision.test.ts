// Mixed precision: the op table applied (f16 compute, f32 statistics/softmax/loss, f32 master inputs),
// f16 gradients on ORT CPU close to f32 ones, and all_finite false when the scaled backward overflows.

import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';
import * as nn from '../../../src-main/engine/graph/nn';
import { liveOrder, verify } from '../../../src-main/engine/graph/verify';
import { grad } from '../../../src-main/engine/autodiff/grad';
import { applyPrecision, precisionRule, scaledGrad } from '../../../src-main/engine/passes/precision';
import { checkpointScopes, recompute } from '../../../src-main/engine/passes/recompute';
import { emitModel } from '../../../src-main/engine/onnx/emit';
import { Session } from '../../../src-main/engine/runtime/session';
import type { TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { buildStack, feedsFor, type F32Feed } from './stack';
import { relErr, runOrt } from './run-ort';

const LOSS_SCOPE = (s: string) => s === 'loss';
const scale = (v: number): F32Feed => ({ dtype: 'f32', shape: [], data: Float32Array.of(v) });
const f32 = (t: { data: unknown }) => t.data as Float32Array;

describe('precisionRule', () => {
  it('sends matrix products to the compute dtype, statistics and softmax to f32, the rest follows', () => {
    expect(precisionRule('Conv')).toBe('compute');
    expect(precisionRule('ReduceMean')).toBe('f32');
    expect(precisionRule('Softmax')).toBe('f32');
    expect(precisionRule('Add')).toBe('follow');
    expect(precisionRule('Cast')).toBe('keep');
  });
});

describe('applyPrecision', () => {
  it('makes params and activations f16, keeps norm statistics, softmax, loss and master inputs f32', () => {
    const g = new Graph();
    const ref = { file: '/nowhere.safetensors', key: 'w', storedAs: 'F32', byteStart: 0, byteEnd: 4 * 64 };
    const w = g.param('conv.weight', ref, 'f32', [4, 4, 2, 2]);
    const x = g.input('x', 'f32', [1, 4, 4, 4]);
    const a = g.input('lora_A', 'f32', [4, 4]);
    const h = g.conv(nn.groupNorm(g, x, 2), w); // [1, 4, 3, 3]
    const t = g.transpose(g.reshape(h, [1, 4, 9]), [0, 2, 1]); // [1, 9, 4]
    const y = nn.attention(g, nn.linearPlain(g, t, a), t, t, { heads: 1 }); // [1, 9, 4]
    const loss = g.scope('loss', () => g.reduceMean(g.mul(y, y), [0, 1, 2], false));
    const p = applyPrecision({ loss, y }, { compute: 'f16', master: [a], f32Scopes: LOSS_SCOPE });
    expect(verify(Object.values(p.outputs))).toEqual([]);
    const live = liveOrder(Object.values(p.outputs));
    const dtypes = (op: string) => [...new Set(live.filter((n) => n.op === op).map((n) => n.dtype))];
    expect(dtypes('Param')).toEqual(['f16']);
    expect(dtypes('Conv')).toEqual(['f16']);
    expect(dtypes('MatMul')).toEqual(['f16']);
    expect(dtypes('ReduceMean')).toEqual(['f32']);
    expect(dtypes('Softmax')).toEqual(['f32']);
    expect(p.node(a)).toMatchObject({ op: 'Input', dtype: 'f32' });
    expect(p.node(x)).toMatchObject({ op: 'Cast', dtype: 'f16' });
    expect(p.node(loss).inputs[0].dtype).toBe('f32');
    expect([p.outputs.loss.dtype, p.outputs.y.dtype]).toEqual(['f32', 'f32']);
  });
});

describe('scaledGrad', () => {
  it('equals grad() under the f32 policy and flags non-finite gradients', () => {
    const { loss, lora } = buildStack({ blocks: 1, channels: 8, size: 4, rank: 2, heads: 2 });
    const p = applyPrecision({ loss }, { compute: 'f32', master: lora });
    const wrt = lora.map(p.node);
    const { grads, allFinite } = scaledGrad(p.graph, p.node(loss), wrt);
    const plain = grad(p.graph, p.node(loss), wrt);
    const feeds: Record<string, F32Feed> = { ...feedsFor([p.node(loss)]), loss_scale: scale(256) };
    const got = evaluate([...grads, allFinite], feeds);
    const want = evaluate(plain, feeds);
    want.forEach((v, i) => expect(relErr(f32(got[i]), f32(v))).toBeLessThan(1e-6));
    expect(got.at(-1)!.data[0]).toBe(1);
    const bad = { ...feeds, x: { ...feeds.x, data: f32(feeds.x).map((v, i) => (i ? v : Infinity)) } };
    expect(evaluate([allFinite], bad)[0].data[0]).toBe(0);
  });

  it('gives f16 gradients close to f32 on ORT CPU (checkpointed too), and all_finite = false on overflow', async () => {
    const config = { blocks: 2, channels: 8, size: 8, rank: 2, heads: 2 };
    const { g, loss, lora } = buildStack(config);
    const feeds = feedsFor([loss]);
    const plain = Object.fromEntries(grad(g, loss, lora).map((n, i) => [`g${i}`, n]));
    const want = await runOrt({ loss, ...plain }, feeds);
    const p = applyPrecision({ loss }, { compute: 'f16', master: lora, f32Scopes: LOSS_SCOPE });
    const { grads, allFinite } = scaledGrad(p.graph, p.node(loss), lora.map(p.node));
    const rematerialize = recompute(p.graph, checkpointScopes(/^block\.\d+/));
    const ckpt = scaledGrad(p.graph, p.node(loss), lora.map(p.node), { rematerialize });
    const outputs: Record<string, Node> = { loss: p.outputs.loss, all_finite: allFinite };
    grads.forEach((n, i) => (outputs[`g${i}`] = n));
    ckpt.grads.forEach((n, i) => (outputs[`c${i}`] = n));
    const session = await Session.create(emitModel(outputs).bytes, { providers: ['cpu'] });
    try {
      const ok = (await session.run({ ...feeds, loss_scale: scale(1024) })) as Record<string, TensorValue>;
      expect(ok.all_finite.data[0]).toBe(1);
      expect(relErr(f32(ok.loss), f32(want.loss))).toBeLessThan(1e-3); // measured 7e-6
      for (let i = 0; i < grads.length; i++) {
        expect(relErr(f32(ok[`g${i}`]), f32(want[`g${i}`]))).toBeLessThan(1e-2); // measured ≤ 1.1e-3
        expect(relErr(f32(ok[`c${i}`]), f32(ok[`g${i}`]))).toBeLessThan(1e-3);
      }
      const over = (await session.run({ ...feeds, loss_scale: scale(1e30) })) as Record<string, TensorValue>;
      expect(over.all_finite.data[0]).toBe(0);
    } finally {
      session.dispose();
    }
  });
});
