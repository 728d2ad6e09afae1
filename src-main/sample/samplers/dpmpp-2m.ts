// DPM-Solver++(2M), as k-diffusion `sample_dpmpp_2m` (A1111 "DPM++ 2M"; "Karras" is only the sigma list).
// Works in t = −log σ; the second-order correction uses the previous step's denoised prediction.
import type { Sampler } from './denoiser';

export const sample: Sampler = async (model, x, sigmas, opts) => {
  let cur: Float32Array = Float32Array.from(x);
  let previous: Float32Array | null = null;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    const denoised = await model(cur, sigma);
    opts.callback?.(i, cur, denoised);
    if (next === 0) {
      // NOTE: the limit of the update at σ_next = 0 is x = D; taking it directly avoids log(0).
      cur = Float32Array.from(denoised);
    } else {
      const h = Math.log(sigma) - Math.log(next);
      const ratio = next / sigma;
      const gain = -Math.expm1(-h);
      const target =
        previous === null
          ? denoised
          : extrapolate(denoised, previous, (Math.log(sigmas[i - 1]) - Math.log(sigma)) / h);
      cur = cur.map((v, j) => ratio * v + gain * target[j]);
    }
    previous = denoised;
  }
  return cur;
};

/** (1 + 1/2r)·D − (1/2r)·D_prev with r = h_last / h. */
function extrapolate(denoised: Float32Array, previous: Float32Array, r: number): Float64Array {
  const c = 1 / (2 * r);
  const out = new Float64Array(denoised.length);
  for (let j = 0; j < out.length; j++) out[j] = (1 + c) * denoised[j] - c * previous[j];
  return out;
}
