// Composite check: conv → groupNorm → silu → attention with LoRA (y = xWᵀ + (α/r)(xAᵀ)Bᵀ) on q/k/v/out.
// Gradients w.r.t. every A and B equal finite differences; frozen weights get no gradient nodes at all.

import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate64, type Feeds } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';
import * as nn from '../../../src-main/engine/graph/nn';
import { liveOrder, verify } from '../../../src-main/engine/graph/verify';
import { gradMap } from '../../../src-main/engine/autodiff/grad';
import { seeded } from './check-op';

const C = 4;
const RANK = 2;
const ALPHA = 4;

/** LoRA through the one adapter hook: every linear whose weight is named '*.weight' gets A/B inputs. */
function loraAdapter(lora: Node[]): nn.Adapter {
  return {
    linear(g, x, weight, bias) {
      const [out, inp] = weight.shape as number[];
      const name = weight.name!.replace(/\.weight$/, '');
      const a = g.input(`${name}.lora_A`, 'f32', [RANK, inp]);
      const b = g.input(`${name}.lora_B`, 'f32', [out, RANK]);
      lora.push(a, b);
      const low = nn.linearPlain(g, nn.linearPlain(g, x, a), b); // [..., out]
      return g.add(nn.linearPlain(g, x, weight, bias), g.mul(low, ALPHA / RANK));
    },
  };
}

function build(rand: () => number) {
  const lora: Node[] = [];
  const g = new Graph({ adapter: loraAdapter(lora) });
  const frozen = (name: string, shape: number[]) =>
    g.scope(name, () => g.input(g.paramName('weight'), 'f32', shape));
  const x = g.input('x', 'f32', [1, 2, 4, 4]);
  const h = g.scope('conv_in', () =>
    nn.conv2d(g, x, frozen('conv_in', [C, 2, 3, 3]), undefined, { padding: 1 }),
  ); // [1, C, 4, 4]
  const s = nn.silu(g, nn.groupNorm(g, h, 2)); // [1, C, 4, 4]
  const seq = g.transpose(g.reshape(s, [1, C, 16]), [0, 2, 1]); // [1, 16, C]
  const mixed = g.scope('proj_in', () => nn.linear(g, seq, frozen('proj_in', [C, C]))); // [1, 16, C]
  const back = g.reshape(g.transpose(mixed, [0, 2, 1]), [1, C, 4, 4]); // [1, C, 4, 4]
  const down = nn.conv2d(g, back, frozen('down', [C, C, 3, 3]), undefined, { stride: 2, padding: 1 }); // [1, C, 2, 2]
  const tokens = g.transpose(g.reshape(down, [1, C, 4]), [0, 2, 1]); // [1, 4, C]
  const proj = (n: string) => g.scope(n, () => nn.linear(g, tokens, frozen(n, [C, C])));
  const att = nn.attention(g, proj('to_q'), proj('to_k'), proj('to_v'), { heads: 2 }); // [1, 4, C]
  const out = g.scope('to_out', () =>
    nn.linear(g, att, frozen('to_out', [C, C]), g.input('to_out.bias', 'f32', [C])),
  );
  const r = Float32Array.from({ length: 4 * C }, () => rand() * 2 - 1);
  const loss = g.reduceSum(g.mul(out, g.constant(r, [1, 4, C])), [0, 1, 2], false);
  return { g, loss, lora };
}

function feedsFor(nodes: readonly Node[], rand: () => number): Feeds {
  const feeds: Feeds = {};
  for (const n of nodes.filter((m) => m.op === 'Input')) {
    const shape = n.shape as number[];
    const data = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() - 0.5);
    feeds[n.name!] = { dtype: 'f32', shape, data };
  }
  return feeds;
}

describe('LoRA attention stack', () => {
  it('gradients of A and B equal finite differences; frozen weights get none', () => {
    const rand = seeded(7);
    const { g, loss, lora } = build(rand);
    expect(lora).toHaveLength(10);
    const grads = gradMap(g, loss, lora);
    const wanted = lora.map((n) => grads.get(n.id)!);
    expect(verify([loss, ...wanted])).toEqual([]);
    const feeds = feedsFor(liveOrder([loss]), rand);
    const got = evaluate64(wanted, feeds);
    lora.forEach((p, k) => {
      const feed = feeds[p.name!].data as Float64Array;
      feed.forEach((v, j) => {
        const at = (z: number) => ((feed[j] = z), evaluate64([loss], feeds)[0].data[0]);
        const fd = (at(v + 1e-6) - at(v - 1e-6)) / 2e-6;
        feed[j] = v;
        expect(Math.abs(got[k].data[j] - fd)).toBeLessThan(1e-7 + 1e-5 * Math.abs(fd));
      });
    });
    const frozenNames = ['conv_in.weight', 'down.weight', 'to_q.weight', 'to_out.weight', 'x', 'to_out.bias'];
    for (const n of liveOrder([loss]).filter((m) => frozenNames.includes(m.name ?? '')))
      expect(grads.has(n.id)).toBe(false);
    const backward = liveOrder(wanted);
    // im2col (a conv weight gradient) would need Pad/Concat; only the conv below a LoRA layer passes dx
    // back (one ConvTranspose); conv_in sits upstream of every trainable input, so it is forward-only.
    expect(backward.filter((n) => n.op === 'Pad' || n.op === 'Concat')).toEqual([]);
    expect(backward.filter((n) => n.op === 'ConvTranspose')).toHaveLength(1);
  });
});
