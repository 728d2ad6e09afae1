// Deterministic data feeds of one training step (latents, noise, timestep, text conditioning, SDXL's pooled
// text and size ids) for the benches; the values are smooth waves, not data.
import type { TensorValue } from '../src-main/engine';
import type { FamilyConfig } from '../src-main/models/families';
import { STEP_INPUTS } from '../src-main/train/step-graph';

export const wave = (n: number, f: number, a = 1) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * a);

/** @example stepFeeds(FAMILIES.sd1, 32) // batch 1, 32×32 latents, 77 tokens */
export function stepFeeds(cfg: FamilyConfig, latent: number, size = latent * 8): Record<string, TensorValue> {
  const n = 1;
  const lat = [n, 4, latent, latent];
  const count = 4 * latent * latent;
  const ctx = cfg.unet.crossAttentionDim;
  const feeds: Record<string, TensorValue> = {
    [STEP_INPUTS.latents]: { dtype: 'f32', shape: lat, data: wave(count, 0.3) },
    [STEP_INPUTS.noise]: { dtype: 'f32', shape: lat, data: wave(count, 0.7) },
    [STEP_INPUTS.timesteps]: { dtype: 'i64', shape: [n], data: BigInt64Array.of(500n) },
    [STEP_INPUTS.context]: { dtype: 'f32', shape: [n, 77, ctx], data: wave(77 * ctx, 0.1) },
  };
  const add = cfg.unet.addition;
  if (add) {
    const pooled = cfg.textEncoders.at(-1)!.projectionDim!;
    const ids = (add.inputDim - pooled) / add.timeEmbedDim;
    feeds[STEP_INPUTS.textEmbeds] = { dtype: 'f32', shape: [n, pooled], data: wave(pooled, 0.2) };
    // original size, crop corner, target size (the refiner has an aesthetic score instead of the target)
    const sizeIds = [size, size, 0, 0, size, size].slice(0, ids);
    feeds[STEP_INPUTS.timeIds] = { dtype: 'f32', shape: [n, ids], data: Float32Array.from(sizeIds) };
  }
  return feeds;
}
