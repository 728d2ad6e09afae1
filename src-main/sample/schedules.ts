// Sampling schedules over the model's DDPM ᾱ (models/ddpm-schedule.ts): the sigma table and N-step sigma lists
// (k-diffusion, Karras, diffusers Euler).
// Follows docs/reference/checkpoint-formats.md#noise-schedule, k-diffusion `external.DiscreteSchedule` /
// `sampling.get_sigmas_karras`, and diffusers `EulerDiscreteScheduler.set_timesteps`.

import {
  alphasCumprod,
  linspace,
  SD_SCHEDULE,
  type ScheduleConfig,
  type TablePrecision,
} from '../models/ddpm-schedule';

/** σ_t = sqrt((1 − ᾱ_t) / ᾱ_t), ascending in t: the model's discrete noise levels (k-diffusion `DiscreteSchedule.sigmas`). */
export function sigmaTable(
  config: ScheduleConfig = SD_SCHEDULE,
  precision: TablePrecision = 'f64',
): Float64Array {
  return alphasCumprod(config, precision).map((a) => {
    const sigma = Math.sqrt((1 - a) / a);
    return precision === 'f32' ? Math.fround(sigma) : sigma;
  });
}

/** Continuous timestep → sigma by linear interpolation of log σ between neighbouring table entries. */
export function tToSigma(table: Float64Array, t: number): number {
  const low = Math.floor(t);
  const high = Math.ceil(t);
  const w = t - low;
  return Math.exp((1 - w) * Math.log(table[low]) + w * Math.log(table[high]));
}

/** Sigma → continuous timestep, the inverse of `tToSigma`; clamps outside the table. */
export function sigmaToT(table: Float64Array, sigma: number): number {
  const logSigma = Math.log(sigma);
  // Last index whose log σ is ≤ the query, kept one below the end so `low + 1` exists.
  let low = 0;
  for (let i = 0; i < table.length; i++) if (logSigma - Math.log(table[i]) >= 0) low = i;
  low = Math.min(low, table.length - 2);
  const lo = Math.log(table[low]);
  const hi = Math.log(table[low + 1]);
  const w = Math.min(1, Math.max(0, (lo - logSigma) / (lo - hi)));
  return (1 - w) * low + w * (low + 1);
}

function appendZero(sigmas: ArrayLike<number>): Float64Array {
  const out = new Float64Array(sigmas.length + 1);
  out.set(sigmas);
  return out;
}

/** A1111/k-diffusion "normal" schedule: n sigmas at t = linspace(T−1, 0, n), then a final 0. */
export function kDiffusionSigmas(table: Float64Array, n: number): Float64Array {
  return appendZero(linspace(table.length - 1, 0, n).map((t) => tToSigma(table, t)));
}

/** Karras et al. (2022) schedule, rho = 7, from σ_max down to σ_min in n steps, then 0. */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): Float64Array {
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return appendZero(linspace(0, 1, n).map((ramp) => (maxInv + ramp * (minInv - maxInv)) ** rho));
}

/** Karras sigmas spanning the model's own table (what "DPM++ 2M Karras" uses). */
export function karrasSigmasFor(table: Float64Array, n: number): Float64Array {
  return karrasSigmas(n, table[0], table[table.length - 1]);
}

export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';

/** diffusers timestep spacings (descending, possibly fractional for 'linspace'). */
export function diffusersTimesteps(
  trainSteps: number,
  n: number,
  spacing: TimestepSpacing,
  stepsOffset = 1,
): Float64Array {
  if (spacing === 'linspace') return linspace(0, trainSteps - 1, n).reverse();
  if (spacing === 'leading') {
    const ratio = Math.floor(trainSteps / n);
    return Float64Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + stepsOffset);
  }
  const ratio = trainSteps / n;
  return Float64Array.from({ length: n }, (_, i) => roundHalfEven(trainSteps - i * ratio) - 1);
}

/** NOTE: numpy's round() is half-to-even, which moves 'trailing' steps such as 812.5 → 812. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** diffusers Euler sigmas: the table interpolated *linearly in σ* at the spaced timesteps, then 0. */
export function diffusersEulerSigmas(table: Float64Array, timesteps: Float64Array): Float64Array {
  return appendZero(timesteps.map((t) => interpLinear(table, t)));
}

function interpLinear(table: Float64Array, t: number): number {
  if (t <= 0) return table[0];
  if (t >= table.length - 1) return table[table.length - 1];
  const low = Math.floor(t);
  const w = t - low;
  return (1 - w) * table[low] + w * table[Math.min(low + 1, table.length - 1)];
}
