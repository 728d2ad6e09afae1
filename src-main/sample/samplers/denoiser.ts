// The sampler contract (k-diffusion convention: a denoiser returns the predicted clean latent) and the adapters that
// turn an epsilon- or v-predicting UNet into one. Follows k-diffusion `external.DiscreteEpsDDPMDenoiser` / `VDenoiser`.
import type { NoiseSource } from '../../random';

/** D(x, σ): the denoised prediction for latent x at noise level σ. */
export type Denoiser = (x: Float32Array, sigma: number) => Promise<Float32Array>;

export interface SampleOptions {
  /** Per-step noise for ancestral/stochastic samplers; deterministic ones never draw from it. */
  rng: NoiseSource;
  callback?: (step: number, x: Float32Array, denoised: Float32Array) => void;
}

/** One sampler: walks `sigmas` (descending, usually ending in 0) from x = noise·σ₀ to a clean latent. */
export type Sampler = (
  model: Denoiser,
  x: Float32Array,
  sigmas: ArrayLike<number>,
  opts: SampleOptions,
) => Promise<Float32Array>;

/** The UNet as the adapters call it: scaled input x·c_in and the continuous timestep t. */
export type UNetCall = (xIn: Float32Array, t: number) => Promise<Float32Array>;

function scaled(x: Float32Array, c: number): Float32Array {
  return x.map((v) => v * c);
}

/** eps models (SD1, SD2-base, SDXL): D = x − σ·eps(x·c_in, t), c_in = 1/sqrt(σ² + 1). */
export function epsilonDenoiser(unet: UNetCall, sigmaToT: (sigma: number) => number): Denoiser {
  return async (x, sigma) => {
    const eps = await unet(scaled(x, 1 / Math.sqrt(sigma * sigma + 1)), sigmaToT(sigma));
    return x.map((v, i) => v - sigma * eps[i]);
  };
}

/** v models (SD2-768): D = c_skip·x + c_out·v(x·c_in, t), c_skip = 1/(σ²+1), c_out = −σ/sqrt(σ²+1). */
export function vPredictionDenoiser(unet: UNetCall, sigmaToT: (sigma: number) => number): Denoiser {
  return async (x, sigma) => {
    const s2 = sigma * sigma + 1;
    const v = await unet(scaled(x, 1 / Math.sqrt(s2)), sigmaToT(sigma));
    const cSkip = 1 / s2;
    const cOut = -sigma / Math.sqrt(s2);
    return x.map((xv, i) => cSkip * xv + cOut * v[i]);
  };
}

/** The probability-flow ODE slope dx/dσ = (x − D)/σ (k-diffusion `to_d`). */
export function toD(x: Float32Array, sigma: number, denoised: Float32Array): Float64Array {
  const d = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) d[i] = (x[i] - denoised[i]) / sigma;
  return d;
}
