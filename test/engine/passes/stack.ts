// Test model for the passes: residual blocks of groupNorm → silu → conv (→ attention) with LoRA on every
// conv and projection (PEFT A/B as trainable Inputs). Frozen weights are Inputs too, so no files are needed.

import { Graph } from '../../../src-main/engine/graph/builder';
import type { Node } from '../../../src-main/engine/graph/node';
import * as nn from '../../../src-main/engine/graph/nn';
import { liveOrder } from '../../../src-main/engine/graph/verify';
import { seeded } from '../autodiff/check-op';

export interface StackConfig {
  blocks: number;
  channels: number;
  /** Height = width of the feature map. */
  size: number;
  rank: number;
  /** Attention heads per block; 0 leaves attention out. */
  heads: number;
}

/** LoRA through the Adapter hook: y = layer(x) + (x → A → B), A/B named after the frozen weight. */
function loraAdapter(rank: number, lora: Node[]): nn.Adapter {
  const names = (g: Graph, w: Node) => w.name!.replace(/\.weight$/, '');
  return {
    linear(g, x, weight, bias) {
      const [out, inp] = weight.shape as number[];
      const a = g.input(`${names(g, weight)}.lora_A`, 'f32', [rank, inp]);
      const b = g.input(`${names(g, weight)}.lora_B`, 'f32', [out, rank]);
      lora.push(a, b);
      return g.add(nn.linearPlain(g, x, weight, bias), nn.linearPlain(g, nn.linearPlain(g, x, a), b));
    },
    conv2d(g, x, weight, bias, o) {
      const [out, inp, k] = weight.shape as number[];
      const a = g.input(`${names(g, weight)}.lora_A`, 'f32', [rank, inp, k, k]);
      const b = g.input(`${names(g, weight)}.lora_B`, 'f32', [out, rank, 1, 1]);
      lora.push(a, b);
      const low = nn.conv2dPlain(g, nn.conv2dPlain(g, x, a, undefined, o), b); // [N, out, H, W]
      return g.add(nn.conv2dPlain(g, x, weight, bias, o), low);
    },
  };
}

function attentionBlock(
  g: Graph,
  h: Node,
  c: number,
  heads: number,
  frozen: (n: string, s: number[]) => Node,
) {
  const [n, , hh, ww] = h.shape;
  const tokens = g.transpose(g.reshape(h, [n, c, -1]), [0, 2, 1]); // [N, HW, C]
  const proj = (name: string, x: Node) => g.scope(name, () => nn.linear(g, x, frozen('weight', [c, c])));
  const att = nn.attention(g, proj('to_q', tokens), proj('to_k', tokens), proj('to_v', tokens), { heads });
  const out = proj('to_out', att); // [N, HW, C]
  return g.reshape(g.transpose(out, [0, 2, 1]), [n, c, hh, ww]); // [N, C, H, W]
}

/** Builds the stack; every block lives in scope `block.<i>`. */
export function buildStack(config: StackConfig): { g: Graph; loss: Node; lora: Node[]; out: Node } {
  const lora: Node[] = [];
  const g = new Graph({ adapter: loraAdapter(config.rank, lora) });
  const c = config.channels;
  const frozen = (name: string, shape: number[]) => g.input(g.paramName(name), 'f32', shape);
  let x = g.input('x', 'f32', [1, c, config.size, config.size]);
  for (let i = 0; i < config.blocks; i++)
    x = g.scope(`block.${i}`, () => {
      const s = nn.silu(g, nn.groupNorm(g, x, 4)); // [1, C, S, S]
      let h = g.scope('conv', () =>
        nn.conv2d(g, s, frozen('weight', [c, c, 3, 3]), undefined, { padding: 1 }),
      );
      if (config.heads) h = g.add(h, attentionBlock(g, h, c, config.heads, frozen));
      return g.add(x, h);
    });
  const loss = g.scope('loss', () => g.reduceMean(g.mul(x, x), [0, 1, 2, 3], false));
  return { g, loss, lora, out: x };
}

/** An f32 host tensor both the interpreter and a Session accept. */
export interface F32Feed {
  dtype: 'f32';
  shape: number[];
  data: Float32Array;
}

/** Seeded feeds for every Input the outputs reach: uniform in ±scale/√fan-in-ish, deterministic. */
export function feedsFor(outputs: readonly Node[], seed = 1): Record<string, F32Feed> {
  const rand = seeded(seed);
  const feeds: Record<string, F32Feed> = {};
  for (const n of liveOrder(outputs).filter((m) => m.op === 'Input')) {
    const shape = n.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? size / shape[0] : 1;
    const scale = n.name === 'x' ? 1 : 1 / Math.sqrt(fanIn);
    feeds[n.name!] = {
      dtype: 'f32',
      shape,
      data: Float32Array.from({ length: size }, () => (rand() * 2 - 1) * scale),
    };
  }
  return feeds;
}
