// The VAE at run time: encoder and decoder graphs built once per checkpoint, each compiled into one ORT
// session on first use (symbolic N, H, W, so every bucket size shares it).
// latent = sample(encode(x)) · scaling_factor and decode(latent / scaling_factor), as diffusers
// `AutoencoderKL` + pipelines do (docs/reference/checkpoint-formats.md#layer-constants).
import { createHash } from 'node:crypto';
import { Graph, liveOrder, type Node } from '../engine';
import { materialize } from '../engine/onnx/external-data';
import { fileStateKey, rememberedDigest } from '../formats/remembered-digest';
import { compileGraph, type CompileOptions } from '../engine/runtime/compile';
import type { Feed, Session } from '../engine/runtime/session';
import type { VAEConfig } from './families';
import { buildVAEDecoder, buildVAEEncoder, vaeDownscale, type ParamSource } from './vae';
import type { NCHW } from './vae-image';
import { decodeTiled, type TileOptions } from './vae-tiles';
import { componentOf, type OpenedCheckpoint } from './weights';

/** Gaussian noise, e.g. random/torch-cpu.ts `TorchCpuGenerator` (same seed ⇒ same latents as torch's CPU RNG). */
export interface NoiseSource {
  randn(count: number): Float32Array;
}

/** The encoder's output: the diagonal Gaussian over (unscaled) latents, mean and logvar each [N, z, h, w]. */
export interface LatentDistribution {
  mean: NCHW;
  logvar: NCHW;
}

/**
 * Scaled latents from a distribution: (mean + exp(½·logvar)·ε) · scalingFactor, ε drawn in one call for the
 * whole [N, z, h, w] block (diffusers `randn_tensor` with one generator); the mean alone without `rng`.
 * @example const latents = latentsFromDistribution(dist, config.vae.scalingFactor, new TorchCpuGenerator(42))
 */
export function latentsFromDistribution(
  dist: LatentDistribution,
  scalingFactor: number,
  rng?: NoiseSource,
): NCHW {
  const { mean, logvar } = dist;
  const eps = rng?.randn(mean.data.length);
  const data = mean.data.map(
    (m, i) => (eps ? m + Math.exp(0.5 * logvar.data[i]) * eps[i] : m) * scalingFactor,
  );
  return { data, shape: mean.shape };
}

function asNCHW(v: Feed, what: string): NCHW {
  if (!('data' in v) || !(v.data instanceof Float32Array) || v.shape.length !== 4)
    throw new Error(`VAE ${what}: expected a 4-D f32 tensor, got [${v.shape.join(', ')}]`);
  return { data: v.data, shape: [v.shape[0], v.shape[1], v.shape[2], v.shape[3]] };
}

/** One checkpoint's VAE; dispose() releases the sessions. */
export class VAE {
  readonly downscale: number;
  private readonly encoderOut: { mean: Node; logvar: Node };
  private readonly decoderOut: Node;
  private readonly sessions = new Map<'encoder' | 'decoder', Promise<Session>>();

  constructor(
    readonly config: VAEConfig,
    weights: ParamSource,
    private readonly options: CompileOptions = {},
  ) {
    this.downscale = vaeDownscale(config);
    const enc = new Graph();
    this.encoderOut = buildVAEEncoder(
      enc,
      config,
      weights,
      enc.input('image', 'f32', ['N', config.inChannels, 'H', 'W']),
    );
    const dec = new Graph();
    const latents = dec.input('latents', 'f32', ['N', config.latentChannels, 'h', 'w']);
    this.decoderOut = buildVAEDecoder(dec, config, weights, latents);
  }

  /**
   * The VAE of an opened checkpoint (single file or diffusers folder).
   * @example const vae = VAE.fromCheckpoint(await openCheckpoint(path), { cacheDir })
   */
  static fromCheckpoint(ckpt: OpenedCheckpoint, options: CompileOptions = {}): VAE {
    return new VAE(ckpt.config.vae, componentOf(ckpt, 'vae'), options);
  }

  /** The encoder's graph outputs (for the interpreter or a custom compile). */
  get encoderGraph(): { mean: Node; logvar: Node } {
    return this.encoderOut;
  }

  get decoderGraph(): Node {
    return this.decoderOut;
  }

  /** One compile per graph; a failed compile is forgotten so the next call retries (the caller saw the error). */
  private session(kind: 'encoder' | 'decoder', outputs: Record<string, Node>): Promise<Session> {
    let s = this.sessions.get(kind);
    if (!s) {
      s = compileGraph(outputs, { name: `vae_${kind}`, ...this.options });
      this.sessions.set(kind, s);
      s.then(undefined, () => this.sessions.delete(kind));
    }
    return s;
  }

  private checkPixels(pixels: NCHW): void {
    const [, c, h, w] = pixels.shape;
    const f = this.downscale;
    if (c !== this.config.inChannels || h % f || w % f)
      throw new Error(
        `VAE encode: pixels must be [N, ${this.config.inChannels}, H, W] with H and W multiples of ${f}, got [${pixels.shape.join(', ')}]`,
      );
  }

  /**
   * The latent distribution (unscaled mean and clamped logvar) of [N, 3, H, W] pixels in [-1, 1].
   * @example const { mean, logvar } = await vae.encodeDistribution(rgbToTensor([rgb]))
   */
  async encodeDistribution(pixels: NCHW): Promise<LatentDistribution> {
    this.checkPixels(pixels);
    const session = await this.session('encoder', { ...this.encoderOut });
    const out = await session.run({ image: { dtype: 'f32', ...pixels } });
    return { mean: asNCHW(out.mean, 'mean'), logvar: asNCHW(out.logvar, 'logvar') };
  }

  /**
   * Scaled latents: sampled with `rng`, or the distribution mean without it.
   * @example const latents = await vae.encode(pixels, new TorchCpuGenerator(0))
   */
  async encode(pixels: NCHW, rng?: NoiseSource): Promise<NCHW> {
    return latentsFromDistribution(await this.encodeDistribution(pixels), this.config.scalingFactor, rng);
  }

  /** Runs post_quant_conv + decoder on latents already divided by the scaling factor. */
  private async decodeUnscaled(z: NCHW): Promise<NCHW> {
    if (z.shape[1] !== this.config.latentChannels)
      throw new Error(
        `VAE decode: latents must have ${this.config.latentChannels} channels, got [${z.shape.join(', ')}]`,
      );
    const session = await this.session('decoder', { pixels: this.decoderOut });
    const out = await session.run({ latents: { dtype: 'f32', ...z } });
    return asNCHW(out.pixels, 'pixels');
  }

  private unscale(latents: NCHW): NCHW {
    return { data: latents.data.map((v) => v / this.config.scalingFactor), shape: latents.shape };
  }

  /**
   * Pixels [N, 3, h·f, w·f] (nominally [-1, 1], unclamped) from scaled latents [N, z, h, w].
   * @example const [rgb] = tensorToRgb(await vae.decode(latents))
   */
  async decode(latents: NCHW): Promise<NCHW> {
    return this.decodeUnscaled(this.unscale(latents));
  }

  /**
   * Like decode(), tile by tile with blended overlaps; equals decode() when one tile covers the latents.
   * @example await vae.decodeTiled(latents, { tile: 64, overlap: 16 })
   */
  async decodeTiled(latents: NCHW, options: TileOptions = {}): Promise<NCHW> {
    return decodeTiled(this.unscale(latents), this.downscale, (t) => this.decodeUnscaled(t), options);
  }

  /**
   * A hash of the encoder's weights (as f32, layout-independent) and config: the same VAE in a single file, a
   * diffusers folder or another checkpoint gives the same id, so latent caches can be shared. With `cacheDir`
   * it is remembered by the weight files' state and byte ranges, so reading 130 MB of weights happens once per
   * model file, not once per run.
   * @example const modelId = await vae.encoderIdentity('/cache')
   */
  async encoderIdentity(cacheDir?: string): Promise<string> {
    const params = liveOrder([this.encoderOut.mean, this.encoderOut.logvar])
      .filter((n) => n.op === 'Param')
      .sort((a, b) => (a.name! < b.name! ? -1 : 1));
    const compute = async () => {
      const hash = createHash('sha256');
      hash.update(JSON.stringify(this.config));
      for (const n of params) {
        hash.update(`${n.name}[${n.shape.join(',')}]`);
        hash.update(
          materialize({ param: n.param!, dtype: 'f32', shape: n.shape as number[], name: n.name! }),
        );
      }
      return hash.digest('hex');
    };
    if (!cacheDir) return compute();
    const where = params.map((n) => {
      const { key, storedAs, byteStart, byteEnd, transform } = n.param!;
      return [n.name, n.shape, key, storedAs, byteStart, byteEnd, transform ?? null];
    });
    const key = await fileStateKey(
      params.map((n) => n.param!.file),
      { of: 'vae-encoder', config: this.config, where },
    );
    return rememberedDigest(cacheDir, key, '.vae-encoder', compute);
  }

  dispose(): void {
    // A session whose compile failed has nothing to release; its error already reached the caller.
    for (const s of this.sessions.values())
      void s.then(
        (session) => session.dispose(),
        () => undefined,
      );
    this.sessions.clear();
  }
}
