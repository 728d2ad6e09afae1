// The VAE (AutoencoderKL) encoder and decoder graphs; scopes are LDM module paths, so every parameter name is
// the single-file key without `first_stage_model.` (LDM `Encoder`/`Decoder`/`AttnBlock`, diffusers
// `autoencoders/vae.py`; constants: docs/reference/checkpoint-formats.md#vae-keys, #layer-constants).
import { nn, type Graph, type Node } from '../engine';
import type { VAEConfig } from './families';
import type { ComponentWeights } from './weights';

/** Where the graph gets its parameters: a checkpoint component, or a shape-only stand-in for counting. */
export type ParamSource = Pick<ComponentWeights, 'param'>;

/** NOTE: DiagonalGaussianDistribution clamps logvar to [-30, 20] before anything uses it. */
export const LOGVAR_RANGE = [-30, 20] as const;

/** Pixels per latent along each axis: 2^(levels − 1) (8 for every real SD VAE). */
export function vaeDownscale(config: VAEConfig): number {
  return 2 ** (config.blockOutChannels.length - 1);
}

interface Ctx {
  g: Graph;
  config: VAEConfig;
  weights: ParamSource;
}

/** A parameter of the current scope: `p(c, 'conv1.weight', [..])` inside `encoder.down.0.block.0`. */
const p = (c: Ctx, name: string, shape: readonly number[]): Node =>
  c.weights.param(c.g, c.g.paramName(name), shape);

function conv(c: Ctx, name: string, x: Node, cout: number, kernel: number): Node {
  const cin = Number(x.shape[1]);
  return c.g.scope(name, () => {
    const w = p(c, 'weight', [cout, cin, kernel, kernel]);
    return nn.conv2d(c.g, x, w, p(c, 'bias', [cout]), { padding: (kernel - 1) / 2 });
  });
}

/** GroupNorm, NOTE eps 1e-6 in every VAE norm (not the UNet's 1e-5). */
function norm(c: Ctx, name: string, x: Node): Node {
  const ch = Number(x.shape[1]);
  return c.g.scope(name, () =>
    nn.groupNorm(c.g, x, c.config.normGroups, p(c, 'weight', [ch]), p(c, 'bias', [ch]), c.config.normEps),
  );
}

/** LDM ResnetBlock: norm → SiLU → conv, twice; a 1×1 `nin_shortcut` when the width changes. */
function resnet(c: Ctx, name: string, x: Node, cout: number): Node {
  return c.g.scope(name, () => {
    let h = conv(c, 'conv1', nn.silu(c.g, norm(c, 'norm1', x)), cout, 3); // [N, cout, H, W]
    h = conv(c, 'conv2', nn.silu(c.g, norm(c, 'norm2', h)), cout, 3); // [N, cout, H, W]
    const skip = Number(x.shape[1]) === cout ? x : conv(c, 'nin_shortcut', x, cout, 1);
    return c.g.add(skip, h);
  });
}

/** LDM AttnBlock: single-head self-attention over the H·W positions, with 1×1-conv projections. */
function attention(c: Ctx, x: Node): Node {
  const { g } = c;
  const [n, ch, hh, ww] = x.shape;
  return g.scope('attn_1', () => {
    const h = norm(c, 'norm', x); // [N, C, H, W]
    const tokens = (name: string) =>
      g.transpose(g.reshape(conv(c, name, h, Number(ch), 1), [n, ch, -1]), [0, 2, 1]); // [N, H·W, C]
    const out = nn.attention(g, tokens('q'), tokens('k'), tokens('v'), { heads: 1 }); // [N, H·W, C]
    const spatial = g.reshape(g.transpose(out, [0, 2, 1]), [n, ch, hh, ww]); // [N, C, H, W]
    return g.add(x, conv(c, 'proj_out', spatial, Number(ch), 1));
  });
}

function mid(c: Ctx, x: Node): Node {
  const ch = Number(x.shape[1]);
  return c.g.scope('mid', () => resnet(c, 'block_2', attention(c, resnet(c, 'block_1', x, ch)), ch));
}

/**
 * NOTE: the reference pads (left 0, right 1, top 0, bottom 1) and then runs a stride-2 conv without padding;
 * ONNX Conv's asymmetric pads [top, left, bottom, right] = [0, 0, 1, 1] are the same zeros in one op, and
 * keep symbolic H, W exact (H/2).
 */
function downsample(c: Ctx, x: Node): Node {
  const ch = Number(x.shape[1]);
  return c.g.scope('downsample.conv', () => {
    const w = p(c, 'weight', [ch, ch, 3, 3]);
    return c.g.conv(x, w, p(c, 'bias', [ch]), { strides: [2, 2], pads: [0, 0, 1, 1] }); // [N, C, H/2, W/2]
  });
}

function upsample(c: Ctx, x: Node): Node {
  return c.g.scope('upsample', () => conv(c, 'conv', nn.upsampleNearest2x(c.g, x), Number(x.shape[1]), 3));
}

function encoderTrunk(c: Ctx, image: Node): Node {
  const chans = c.config.blockOutChannels;
  return c.g.scope('encoder', () => {
    let h = conv(c, 'conv_in', image, chans[0], 3); // [N, ch0, H, W]
    chans.forEach((out, i) =>
      c.g.scope(`down.${i}`, () => {
        for (let j = 0; j < c.config.layersPerBlock; j++) h = resnet(c, `block.${j}`, h, out);
        if (i < chans.length - 1) h = downsample(c, h); // [N, out, H/2^(i+1), W/2^(i+1)]
      }),
    );
    h = nn.silu(c.g, norm(c, 'norm_out', mid(c, h)));
    return conv(c, 'conv_out', h, 2 * c.config.latentChannels, 3); // [N, 2z, H/f, W/f]
  });
}

/**
 * Encoder + quant_conv: image [N, 3, H, W] in [-1, 1] → the latent distribution (unscaled), each [N, z, H/f, W/f].
 * @example const { mean, logvar } = buildVAEEncoder(g, config.vae, componentOf(ckpt, 'vae'), g.input('image', 'f32', ['N', 3, 'H', 'W']))
 */
export function buildVAEEncoder(
  g: Graph,
  config: VAEConfig,
  weights: ParamSource,
  image: Node,
): { mean: Node; logvar: Node } {
  const c: Ctx = { g, config, weights };
  const z = config.latentChannels;
  const moments = conv(c, 'quant_conv', encoderTrunk(c, image), 2 * z, 1); // [N, 2z, h, w]
  const [mean, raw] = nn.split(g, moments, 2, 1); // [N, z, h, w] each
  const logvar = g.min(g.max(raw, LOGVAR_RANGE[0]), LOGVAR_RANGE[1]);
  return { mean, logvar };
}

/**
 * post_quant_conv + decoder: latents [N, z, h, w] (already divided by the scaling factor) → pixels
 * [N, 3, h·f, w·f], nominally in [-1, 1] but not clamped.
 * @example const pixels = buildVAEDecoder(g, config.vae, componentOf(ckpt, 'vae'), g.input('latents', 'f32', ['N', 4, 'h', 'w']))
 */
export function buildVAEDecoder(g: Graph, config: VAEConfig, weights: ParamSource, latents: Node): Node {
  const c: Ctx = { g, config, weights };
  const chans = config.blockOutChannels;
  const last = chans.length - 1;
  const z = conv(c, 'post_quant_conv', latents, config.latentChannels, 1); // [N, z, h, w]
  return g.scope('decoder', () => {
    let h = mid(c, conv(c, 'conv_in', z, chans[last], 3)); // [N, ch_last, h, w]
    // LDM numbers levels by resolution, so the decoder walks them from the last to up.0.
    for (let i = last; i >= 0; i--)
      g.scope(`up.${i}`, () => {
        for (let j = 0; j <= c.config.layersPerBlock; j++) h = resnet(c, `block.${j}`, h, chans[i]);
        if (i > 0) h = upsample(c, h); // [N, ch_i, 2h, 2w]
      });
    h = nn.silu(g, norm(c, 'norm_out', h));
    return conv(c, 'conv_out', h, config.outChannels, 3); // [N, 3, h·f, w·f]
  });
}
