// A rough device-memory estimate for a training run, shown before it starts. Weights and LoRA state are
// counted exactly; activations are scaled from what `npm run bench train` measured for the SD1.5 UNet
// (rank 16, 32×32 latents, batch 1, f32, weights read in place: peak 4.30 GiB with 3.2 GiB of weights and
// 0.95 GiB of activations and workspace; 3.94 GiB and 0.58 GiB with checkpointing).

import type { TrainConfig } from './config';

/** Activation + gradient bytes per latent pixel per image at f32, measured for SD1.5 (see above). */
const SD15_ACTIVATION_BYTES_PER_LATENT_PX = { plain: 1.0e6, checkpointed: 0.61e6 };
/** UNet parameters of SD1.5; other UNets are scaled by their parameter count (a coarse, stated proxy). */
const SD15_UNET_PARAMS = 859_520_964;

export interface MemoryEstimateInput {
  unetParams: number;
  /** Parameters of the LoRA being trained (A and B of every module). */
  loraParams: number;
  config: Pick<TrainConfig, 'batchSize' | 'resolution' | 'precision' | 'gradientCheckpointing' | 'optimizer'>;
}

/**
 * Bytes the training step needs on the device: frozen UNet weights, LoRA parameters, gradients and optimizer
 * state (fp32), and activations for the largest bucket (resolution²).
 * @example estimateTrainingMemory({ unetParams: 859_520_964, loraParams: 3_188_736, config }) // ≈ 7.6e9 at 512 px
 */
export function estimateTrainingMemory({ unetParams, loraParams, config }: MemoryEstimateInput): number {
  const weightBytes = config.precision === 'fp16' ? 2 : 4;
  const latentPx = (config.resolution / 8) ** 2;
  const perPx = config.gradientCheckpointing
    ? SD15_ACTIVATION_BYTES_PER_LATENT_PX.checkpointed
    : SD15_ACTIVATION_BYTES_PER_LATENT_PX.plain;
  const activations =
    perPx * latentPx * config.batchSize * (unetParams / SD15_UNET_PARAMS) * (weightBytes / 4);
  const optimizerSlots = config.optimizer === 'prodigy' ? 4 : 2;
  return unetParams * weightBytes + loraParams * 4 * (2 + optimizerSlots) + activations;
}
