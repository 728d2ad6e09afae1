// A rough device-memory estimate for a training run, shown before it starts. Weights and LoRA state are
// counted exactly; activations follow what `npm run bench train` and the same step at 512 px measured for the
// SD1.5 UNet (rank 16, batch 1, f32, weights read in place, anonymous memory a run adds): 0.84 GiB at 256 px
// and 6.4 GiB at 512 px without checkpointing, 0.47 and 3.2 GiB with it, 0.74 and 3.95 GiB with only the
// attention maps recomputed. Attention maps grow with the square of the latent pixels, so the fit has a linear
// and a quadratic term.

import { recomputeMode, type RecomputeMode, type TrainConfig } from './config';

/**
 * Activation + workspace bytes per image at f32 for SD1.5 as `perPx·px + perPx2·px²` (px = latent pixels),
 * fitted exactly through the two measurements above.
 */
const SD15_ACTIVATIONS: Record<RecomputeMode, { perPx: number; perPx2: number }> = {
  none: { perPx: 6.13e5, perPx2: 262 },
  blocks: { perPx: 3.76e5, perPx2: 114 },
  attention: { perPx: 6.73e5, perPx2: 82.5 },
};
/** UNet parameters of SD1.5; other UNets are scaled by their parameter count (a coarse, stated proxy). */
const SD15_UNET_PARAMS = 859_520_964;

export interface MemoryEstimateInput {
  unetParams: number;
  /** Parameters of the LoRA being trained (A and B of every module). */
  loraParams: number;
  config: Pick<
    TrainConfig,
    'batchSize' | 'resolution' | 'precision' | 'gradientCheckpointing' | 'recomputeAttention' | 'optimizer'
  >;
}

/**
 * Bytes the training step needs on the device: frozen UNet weights, LoRA parameters, gradients and optimizer
 * state (fp32), and activations for the largest bucket (resolution²).
 * @example estimateTrainingMemory({ unetParams: 859_520_964, loraParams: 3_188_736, config }) // ≈ 10.4e9 at 512 px
 */
export function estimateTrainingMemory({ unetParams, loraParams, config }: MemoryEstimateInput): number {
  const weightBytes = config.precision === 'fp16' ? 2 : 4;
  const latentPx = (config.resolution / 8) ** 2;
  const fit = SD15_ACTIVATIONS[recomputeMode(config)];
  const perImage = fit.perPx * latentPx + fit.perPx2 * latentPx ** 2;
  const activations = perImage * config.batchSize * (unetParams / SD15_UNET_PARAMS) * (weightBytes / 4);
  const optimizerSlots = config.optimizer === 'prodigy' ? 4 : 2;
  return unetParams * weightBytes + loraParams * 4 * (2 + optimizerSlots) + activations;
}
