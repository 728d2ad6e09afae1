// DDIM (Song et al. 2020, eq. 12) run on a k-diffusion sigma grid: ᾱ = 1/(1 + σ²), latents kept in the σ-scaled
// space x/sqrt(ᾱ). With η = 0 this is the deterministic DDIM; η > 0 adds seeded noise (η = 1 ≈ ancestral DDPM).
import type { SampleOptions, Sampler } from './denoiser';

export interface DdimOptions extends SampleOptions {
  eta?: number;
}

export const sample: Sampler = async (model, x, sigmas, opts: DdimOptions) => {
  const eta = opts.eta ?? 0;
  let cur: Float32Array = Float32Array.from(x);
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const denoised = await model(cur, sigma);
    opts.callback?.(i, cur, denoised);
    cur = ddimStep(cur, denoised, sigma, sigmas[i + 1], eta, opts);
  }
  return cur;
};

function ddimStep(
  x: Float32Array,
  denoised: Float32Array,
  sigma: number,
  next: number,
  eta: number,
  opts: SampleOptions,
): Float32Array {
  const alpha = 1 / (1 + sigma * sigma);
  const alphaPrev = 1 / (1 + next * next);
  const sigmaEta = eta * Math.sqrt(((1 - alphaPrev) / (1 - alpha)) * (1 - alpha / alphaPrev));
  const dirScale = Math.sqrt(Math.max(0, 1 - alphaPrev - sigmaEta ** 2) / alphaPrev);
  const noiseScale = sigmaEta / Math.sqrt(alphaPrev);
  const noise = noiseScale > 0 ? opts.rng.randn(x.length) : null;
  return x.map((v, j) => {
    const eps = (v - denoised[j]) / sigma;
    return denoised[j] + dirScale * eps + (noise ? noiseScale * noise[j] : 0);
  });
}
