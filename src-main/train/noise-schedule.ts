// Per-timestep tables the training step gathers from: √ᾱ, √(1−ᾱ) of the family's DDPM schedule (scaled-linear
// betas, 1000 steps; docs/reference/checkpoint-formats.md#noise-schedule) and the min-SNR-γ loss weights
// (Hang et al. 2023, as kohya/diffusers apply them).

import type { FamilyConfig } from '../models/families';
import { alphasCumprod } from '../models/ddpm-schedule';

export type Prediction = FamilyConfig['prediction'];

/** ᾱ_t for t = 0…T−1, rounded step by step as the f32 model buffer holds it. */
export function trainAlphasCumprod(config: FamilyConfig): Float64Array {
  const s = config.schedule;
  return alphasCumprod(
    {
      trainSteps: s.trainTimesteps,
      betaStart: s.betaStart,
      betaEnd: s.betaEnd,
      betaSchedule: s.betaSchedule,
    },
    'f32',
  );
}

export interface NoiseTables {
  /** √ᾱ_t */
  signal: Float32Array;
  /** √(1 − ᾱ_t) */
  noise: Float32Array;
  /** The min-SNR-γ weight of each t (all ones without γ). */
  weight: Float32Array;
}

/**
 * min-SNR-γ weight with SNR = ᾱ/(1−ᾱ): ε-prediction min(SNR, γ)/SNR, v-prediction min(SNR, γ)/(SNR + 1).
 * @example minSnrWeight(4, 5, 'epsilon') === 1; minSnrWeight(10, 5, 'v') === 5 / 11
 */
export function minSnrWeight(snr: number, gamma: number, prediction: Prediction): number {
  const clipped = Math.min(snr, gamma);
  return prediction === 'v' ? clipped / (snr + 1) : clipped / snr;
}

/**
 * The tables of a family, optionally with min-SNR weights (γ absent or 0: all ones, plain MSE).
 * @example const { signal, noise } = noiseTables(FAMILIES.sd1); signal[999] ≈ 0.0683
 */
export function noiseTables(config: FamilyConfig, minSnrGamma?: number): NoiseTables {
  const abar = trainAlphasCumprod(config);
  const weight = abar.map((a) =>
    minSnrGamma === undefined || minSnrGamma <= 0
      ? 1
      : minSnrWeight(a / (1 - a), minSnrGamma, config.prediction),
  );
  return {
    signal: Float32Array.from(abar, Math.sqrt),
    noise: Float32Array.from(abar, (a) => Math.sqrt(1 - a)),
    weight: Float32Array.from(weight),
  };
}
