// Euler ancestral sampler, as k-diffusion `sample_euler_ancestral` / A1111 "Euler a": step down to σ_down, then add
// fresh seeded noise of size σ_up so the marginal at σ_next is right.
import { toD, type Sampler } from './denoiser';

/** σ_up = min(σ_to, η·sqrt(σ_to²(σ_from² − σ_to²)/σ_from²)), σ_down = sqrt(σ_to² − σ_up²) (k-diffusion `get_ancestral_step`). */
export function ancestralStep(
  sigmaFrom: number,
  sigmaTo: number,
  eta = 1,
): { sigmaDown: number; sigmaUp: number } {
  if (eta === 0) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const up = Math.min(
    sigmaTo,
    eta * Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2),
  );
  return { sigmaDown: Math.sqrt(sigmaTo ** 2 - up ** 2), sigmaUp: up };
}

export const sample: Sampler = async (model, x, sigmas, opts) => {
  let cur: Float32Array = Float32Array.from(x);
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const denoised = await model(cur, sigma);
    opts.callback?.(i, cur, denoised);
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmas[i + 1]);
    const d = toD(cur, sigma, denoised);
    const dt = sigmaDown - sigma;
    cur = cur.map((v, j) => v + d[j] * dt);
    if (sigmas[i + 1] > 0) {
      const noise = opts.rng.randn(cur.length);
      cur = cur.map((v, j) => v + noise[j] * sigmaUp);
    }
  }
  return cur;
};
