// Euler sampler (Karras et al. 2022 Algorithm 2 without churn), as k-diffusion `sample_euler` / A1111 "Euler".
import { toD, type Sampler } from './denoiser';

export const sample: Sampler = async (model, x, sigmas, opts) => {
  let cur: Float32Array = Float32Array.from(x);
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const denoised = await model(cur, sigma);
    opts.callback?.(i, cur, denoised);
    const d = toD(cur, sigma, denoised);
    const dt = sigmas[i + 1] - sigma;
    cur = cur.map((v, j) => v + d[j] * dt);
  }
  return cur;
};
