// The SD1/SD2/SDXL UNet (LDM openaimodel ≡ diffusers UNet2DConditionModel) as graph-building code. Module
// scopes ARE the LDM checkpoint keys (`input_blocks.4.1.transformer_blocks.0.attn2.to_k`), so weights load by
// name and a LoRA adapter finds its targets by `g.scopeName`. Architecture facts:
// docs/reference/checkpoint-formats.md#inside-unet-blocks, #layer-constants.
import { nn, type Graph, type Node } from '../engine';
import { attentionHeads, timeEmbedDim, upDepth, type UNetConfig } from './families';
import type { ComponentWeights } from './weights';

export type UNetWeights = Pick<ComponentWeights, 'param'>;

export interface UNetInputs {
  /** Noisy latents [N, outChannels, h, w]. */
  sample: Node;
  /** Timesteps [N] (any numeric dtype; the embedding casts to f32). */
  timestep: Node;
  /** Text conditioning [N, T, crossAttentionDim]. */
  context: Node;
  /** SDXL pooled text [N, 1280]. */
  textEmbeds?: Node;
  /** SDXL size/crop ids [N, 6] (refiner: 5). */
  timeIds?: Node;
  /** Inpainting / pix2pix extra channels [N, inChannels − latent channels, h, w]; defaults in `unetInput`. */
  extra?: Node;
}

/** Graph-building context: the graph, the weights and the config, threaded through every block. */
export interface UNetCtx {
  g: Graph;
  w: UNetWeights;
  c: UNetConfig;
}

const at = <T>(x: UNetCtx, name: string | number, fn: () => T): T => x.g.scope(name, fn);
const param = (x: UNetCtx, name: string, shape: number[]) => x.w.param(x.g, x.g.paramName(name), shape);

function linear(x: UNetCtx, name: string | number, h: Node, inF: number, outF: number, bias = true): Node {
  return at(x, name, () =>
    nn.linear(x.g, h, param(x, 'weight', [outF, inF]), bias ? param(x, 'bias', [outF]) : undefined),
  );
}

function conv(
  x: UNetCtx,
  name: string | number,
  h: Node,
  cin: number,
  cout: number,
  k: number,
  stride = 1,
): Node {
  return at(x, name, () =>
    nn.conv2d(x.g, h, param(x, 'weight', [cout, cin, k, k]), param(x, 'bias', [cout]), {
      stride,
      padding: (k - 1) / 2,
    }),
  );
}

function groupNorm(x: UNetCtx, name: string | number, h: Node, ch: number, eps: number): Node {
  return at(x, name, () =>
    nn.groupNorm(x.g, h, x.c.normGroups, param(x, 'weight', [ch]), param(x, 'bias', [ch]), eps),
  );
}

function layerNorm(x: UNetCtx, name: string, h: Node, ch: number): Node {
  return at(x, name, () =>
    nn.layerNorm(x.g, h, param(x, 'weight', [ch]), param(x, 'bias', [ch]), x.c.layerNormEps),
  );
}

/** ResBlock: GN→SiLU→conv, + projected time embedding per channel, GN→SiLU→conv, + (1×1-conv) skip.
 * @example at(x, 0, () => resBlock(x, h, emb, 320, 640)) // inside scope 'input_blocks.4' */
export function resBlock(x: UNetCtx, h: Node, emb: Node, cin: number, cout: number): Node {
  const { g } = x;
  const eps = x.c.normEps;
  let y = conv(x, 'in_layers.2', nn.silu(g, groupNorm(x, 'in_layers.0', h, cin, eps)), cin, cout, 3);
  const e = linear(x, 'emb_layers.1', nn.silu(g, emb), timeEmbedDim(x.c), cout); // [N, cout]
  y = g.add(y, g.unsqueeze(e, [2, 3])); // [N, cout, h, w]
  y = conv(x, 'out_layers.3', nn.silu(g, groupNorm(x, 'out_layers.0', y, cout, eps)), cout, cout, 3);
  const skip = cin === cout ? h : conv(x, 'skip_connection', h, cin, cout, 1);
  return g.add(skip, y);
}

/** Multi-head attention of `h` over `ctx` (self-attention when ctx is h); q/k/v without bias, to_out.0 with.
 * @example attention(x, 'attn2', normed, context, 320, 768, 8) */
export function attention(
  x: UNetCtx,
  name: string,
  h: Node,
  ctx: Node,
  ch: number,
  ctxCh: number,
  heads: number,
): Node {
  return at(x, name, () => {
    const q = linear(x, 'to_q', h, ch, ch, false);
    const k = linear(x, 'to_k', ctx, ctxCh, ch, false);
    const v = linear(x, 'to_v', ctx, ctxCh, ch, false);
    return linear(x, 'to_out.0', nn.attention(x.g, q, k, v, { heads }), ch, ch);
  });
}

/** BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward, each pre-LN and residual. */
function transformerBlock(x: UNetCtx, h: Node, context: Node, ch: number, heads: number): Node {
  const { g } = x;
  const ctxCh = x.c.crossAttentionDim;
  const n1 = layerNorm(x, 'norm1', h, ch);
  let y = g.add(h, attention(x, 'attn1', n1, n1, ch, ch, heads));
  y = g.add(y, attention(x, 'attn2', layerNorm(x, 'norm2', y, ch), context, ch, ctxCh, heads));
  const n3 = layerNorm(x, 'norm3', y, ch);
  const ff = at(x, 'ff', () => {
    const projected = linear(x, 'net.0.proj', n3, ch, 8 * ch); // GEGLU: value and gate halves
    return linear(x, 'net.2', nn.geglu(g, projected), 4 * ch, ch);
  });
  return g.add(y, ff);
}

/** SpatialTransformer: GN → proj_in (1×1 conv or linear) → blocks over h·w tokens → proj_out, + input. */
function spatialTransformer(
  x: UNetCtx,
  h: Node,
  context: Node,
  ch: number,
  depth: number,
  heads: number,
): Node {
  const { g } = x;
  const [n, , hh, ww] = h.shape;
  const normed = groupNorm(x, 'norm', h, ch, x.c.transformerNormEps);
  const toTokens = (t: Node) => g.transpose(g.reshape(t, [n, ch, -1]), [0, 2, 1]); // [N, hw, C]
  const toImage = (t: Node) => g.reshape(g.transpose(t, [0, 2, 1]), [n, ch, hh, ww]);
  const linearProj = x.c.useLinearProjection;
  let t = linearProj
    ? linear(x, 'proj_in', toTokens(normed), ch, ch)
    : toTokens(conv(x, 'proj_in', normed, ch, ch, 1));
  for (let i = 0; i < depth; i++)
    t = at(x, `transformer_blocks.${i}`, () => transformerBlock(x, t, context, ch, heads));
  const out = linearProj
    ? toImage(linear(x, 'proj_out', t, ch, ch))
    : conv(x, 'proj_out', toImage(t), ch, ch, 1);
  return g.add(out, h);
}

/** Time embedding (+ SDXL's pooled-text/size-id embedding), [N, timeEmbedDim]. */
function embedding(x: UNetCtx, inputs: UNetInputs): Node {
  const { g, c } = x;
  const c0 = c.blockOutChannels[0];
  const emb = timeEmbedDim(c);
  const sinusoid = (t: Node, dim: number) =>
    nn.timestepEmbedding(g, t, dim, { flipSinToCos: true, freqShift: 0 });
  const mlp = (name: string, input: Node, inF: number) =>
    linear(x, `${name}.2`, nn.silu(g, linear(x, `${name}.0`, input, inF, emb)), emb, emb);
  let e = mlp('time_embed', sinusoid(inputs.timestep, c0), c0);
  if (c.addition) {
    const { textEmbeds, timeIds } = inputs;
    if (!textEmbeds || !timeIds) throw new Error('this UNet (SDXL) needs textEmbeds and timeIds inputs');
    const [n, ids] = timeIds.shape;
    const d = c.addition.timeEmbedDim;
    const idEmb = g.reshape(sinusoid(g.reshape(timeIds, [-1]), d), [n, Number(ids) * d]); // [N, ids·256]
    e = g.add(e, mlp('label_emb.0', g.concat([textEmbeds, idEmb], 1), c.addition.inputDim));
  }
  return e;
}

/**
 * The precision pass's f32 scopes for this UNet: SD2.x's `upcast_attention` computes attention scores,
 * softmax and the value mix in f32, since f16 scores overflow there; the q/k/v/out projections stay in the
 * compute dtype. Undefined when the family does not upcast.
 * @example applyPrecision({ out }, { compute: 'f16', f32Scopes: unetF32Scopes(FAMILIES.sd2.unet) })
 */
export function unetF32Scopes(config: UNetConfig): ((scope: string) => boolean) | undefined {
  return config.upcastAttention ? (scope) => /\.attn[12]$/.test(scope) : undefined;
}

/**
 * The UNet's input: the latents, joined on channels with the extra inputs of inpainting (9: mask + masked-image
 * latents) and instruct-pix2pix (8: image latents) UNets. Without `extra`, the default is what A1111 gives a
 * txt2img inpainting model: mask 1 (repaint everything), then zero latents for the image channels.
 * NOTE: ones and zeros are built from the sample itself (×0) so they follow its symbolic H and W.
 */
function unetInput(x: UNetCtx, inputs: UNetInputs): Node {
  const { g } = x;
  const { sample } = inputs;
  const latent = Number(sample.shape[1]);
  const missing = x.c.inChannels - latent;
  if (missing === 0) return sample;
  if (inputs.extra) return g.concat([sample, inputs.extra], 1);
  if (missing < 0)
    throw new Error(`the UNet takes ${x.c.inChannels} channels, got ${latent}-channel latents`);
  const zero = g.mul(g.slice(sample, [0], [1], [1]), 0); // [N, 1, h, w]
  const parts = Array<Node>(missing).fill(zero);
  if (missing === latent + 1) parts[0] = g.add(zero, 1); // inpainting: the mask channel comes first
  return g.concat([sample, ...parts], 1); // [N, inChannels, h, w]
}

/**
 * The UNet's prediction (ε or v, per the checkpoint) for noisy latents at timesteps under a text context.
 * @example const eps = buildUNet(g, FAMILIES.sd1.unet, componentOf(ckpt, 'unet'), { sample, timestep, context })
 */
export function buildUNet(g: Graph, config: UNetConfig, weights: UNetWeights, inputs: UNetInputs): Node {
  const x: UNetCtx = { g, w: weights, c: config };
  const L = config.layersPerBlock;
  const chans = config.blockOutChannels;
  const last = chans.length - 1;
  const emb = embedding(x, inputs);
  const { context } = inputs;
  let h = at(x, 'input_blocks.0', () => conv(x, 0, unetInput(x, inputs), config.inChannels, chans[0], 3));
  const skips: { h: Node; ch: number }[] = [{ h, ch: chans[0] }];
  let ch = chans[0];
  chans.forEach((out, level) => {
    for (let j = 0; j < L; j++) {
      const n = 1 + level * (L + 1) + j;
      h = at(x, `input_blocks.${n}`, () => {
        let y = at(x, 0, () => resBlock(x, h, emb, ch, out));
        if (config.attention[level]) {
          const heads = attentionHeads(config, level);
          y = at(x, 1, () => spatialTransformer(x, y, context, out, config.transformerDepth[level], heads));
        }
        return y;
      });
      ch = out;
      skips.push({ h, ch });
    }
    if (level < last) {
      h = at(x, `input_blocks.${(level + 1) * (L + 1)}.0`, () => conv(x, 'op', h, ch, ch, 3, 2));
      skips.push({ h, ch });
    }
  });
  if (config.midBlock)
    h = at(x, 'middle_block', () => {
      const heads = attentionHeads(config, last);
      let y = at(x, 0, () => resBlock(x, h, emb, ch, ch));
      y = at(x, 1, () => spatialTransformer(x, y, context, ch, config.midTransformerDepth, heads));
      return at(x, 2, () => resBlock(x, y, emb, ch, ch));
    });
  for (let k = 0; k <= last; k++) {
    const level = last - k;
    const out = chans[level];
    for (let j = 0; j <= L; j++) {
      const skip = skips.pop()!;
      const n = k * (L + 1) + j;
      h = at(x, `output_blocks.${n}`, () => {
        let y = at(x, 0, () => resBlock(x, g.concat([h, skip.h], 1), emb, ch + skip.ch, out));
        let slot = 1;
        if (config.attention[level]) {
          const heads = attentionHeads(config, level);
          y = at(x, slot++, () => spatialTransformer(x, y, context, out, upDepth(config, level, j), heads));
        }
        if (j === L && level > 0)
          y = at(x, slot, () => conv(x, 'conv', nn.upsampleNearest2x(g, y), out, out, 3));
        return y;
      });
      ch = out;
    }
  }
  const normed = nn.silu(g, groupNorm(x, 'out.0', h, chans[0], config.normEps));
  return conv(x, 'out.2', normed, chans[0], config.outChannels, 3);
}
