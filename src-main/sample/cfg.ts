// Classifier-free guidance: one batched model call on [uncond; cond], combined as uncond + scale·(cond − uncond).
// Follows k-diffusion's CFGDenoiser / ComfyUI `cfg_function` (batch both halves in one call).
import type { Denoiser } from './samplers/denoiser';

/** A denoiser over a batch: `x` holds `batch` latents back to back, row i conditioned on `conds[i]`. */
export type BatchedDenoiser<C> = (
  x: Float32Array,
  sigma: number,
  conds: readonly C[],
) => Promise<Float32Array>;

/** uncond + scale·(cond − uncond), element-wise. */
export function combineGuidance(
  uncond: ArrayLike<number>,
  cond: ArrayLike<number>,
  scale: number,
): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < out.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return out;
}

/**
 * A single-latent denoiser with guidance; scale 1 skips the unconditional half entirely.
 * @example const denoiser = guided(unetBatch, { cond: positive, uncond: negative, scale: 7 });
 */
export function guided<C>(
  model: BatchedDenoiser<C>,
  config: { cond: C; uncond: C; scale: number },
): Denoiser {
  return async (x, sigma) => {
    if (config.scale === 1) return model(x, sigma, [config.cond]);
    const batch = new Float32Array(x.length * 2);
    batch.set(x, 0);
    batch.set(x, x.length);
    const out = await model(batch, sigma, [config.uncond, config.cond]);
    return combineGuidance(out.subarray(0, x.length), out.subarray(x.length), config.scale);
  };
}
