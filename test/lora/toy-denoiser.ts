// Test-only: a small denoiser whose Linear/1×1-conv scopes are the tiny-sd1 LDM paths of one transformer block
// (input_blocks.1.1: proj_in as a 1×1 conv, attn1/attn2 q/k/v/out.0), so LoRA hooks see real target names.
import { nn, type Graph, type Node, type TensorValue } from '../../src-main/engine';
import type { LoRAPlan } from '../../src-main/lora/plan';
import type { DenoiserInputs } from '../../src-main/train/step-graph';
import { seededRandom } from './targets-fixture';

/** The plan the toy model satisfies: every target it builds, nothing else. */
export const TOY_PLAN: LoRAPlan = {
  family: 'tiny-sd1',
  targetSet: 'transformer',
  include: ['input_blocks.1.1'],
  exclude: ['/ff\\.net|proj_out/'],
  rank: 2,
  alpha: 3,
};

const C = 32;

function weight(g: Graph, shape: number[], seed: number): Node {
  const rand = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(shape[1]);
  return g.constant(
    Float32Array.from({ length: n }, () => (2 * rand() - 1) * bound),
    shape,
  );
}

function lin(g: Graph, name: string, x: Node, inF: number, outF: number, seed: number): Node {
  const bias = g.constant(new Float32Array(outF).fill(0.01), [outF]);
  return g.scope(name, () => nn.linear(g, x, weight(g, [outF, inF], seed), bias));
}

function conv1(g: Graph, name: string, x: Node, cin: number, cout: number, seed: number): Node {
  return g.scope(name, () => nn.conv2d(g, x, weight(g, [cout, cin, 1, 1], seed)));
}

function attn(g: Graph, name: string, x: Node, ctx: Node, seed: number): Node {
  return g.scope(name, () => {
    const q = lin(g, 'to_q', x, C, C, seed);
    const k = lin(g, 'to_k', ctx, C, C, seed + 2);
    const v = lin(g, 'to_v', ctx, C, C, seed + 4);
    return lin(g, 'to_out.0', nn.attention(g, q, k, v, { heads: 2 }), C, C, seed + 6);
  });
}

/** ε̂ [B, 4, h, w] from noisy latents, timesteps and a [B, T, 32] context; latents must be static-shaped. */
export function toyDenoiser(g: Graph, inputs: DenoiserInputs): Node {
  const [b, , h, w] = inputs.sample.shape as number[];
  const x = conv1(g, 'conv_in', inputs.sample, 4, C, 10); // [B, C, h, w]
  const temb = nn.timestepEmbedding(g, inputs.timestep, C); // [B, C]
  const withT = g.add(x, g.mul(g.reshape(temb, [b, C, 1, 1]), 0.1));
  const block = g.scope('input_blocks.1.1', () => {
    const p = conv1(g, 'proj_in', withT, C, C, 20);
    let tokens = g.transpose(g.reshape(p, [b, C, h * w]), [0, 2, 1]); // [B, hw, C]
    tokens = g.scope('transformer_blocks.0', () => {
      const t1 = g.add(tokens, attn(g, 'attn1', tokens, tokens, 30));
      return g.add(t1, attn(g, 'attn2', t1, inputs.context, 40));
    });
    return g.reshape(g.transpose(tokens, [0, 2, 1]), [b, C, h, w]);
  });
  return conv1(g, 'conv_out', block, C, 4, 50);
}

/** Seeded standard-ish values as an f32 feed. */
export function randomFeed(shape: number[], seed: number, scale = 1): TensorValue {
  const rand = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'f32', shape, data: Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale) };
}
