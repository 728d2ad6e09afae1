// The DDPM training schedule every SD model was trained on: betas and ᾱ (alphas_cumprod). One owner for the fact
// that both training (noise tables) and sampling (sigma tables) read. Follows
// docs/reference/checkpoint-formats.md#noise-schedule and diffusers `DDPMScheduler` betas.

export interface ScheduleConfig {
  trainSteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: 'scaled_linear' | 'linear';
}

/** SD1, SD2 and SDXL all train on this schedule. */
export const SD_SCHEDULE: ScheduleConfig = {
  trainSteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
};

/** 'f64' keeps the float64 table the LDM code computes; 'f32' rounds ᾱ as the model buffer (and A1111/ComfyUI) stores it. */
export type TablePrecision = 'f64' | 'f32';

/** torch.linspace: fills from both ends so the last value is exactly `end`. */
export function linspace(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (steps - 1);
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
  return out;
}

export function betas(config: ScheduleConfig = SD_SCHEDULE): Float64Array {
  if (config.betaSchedule === 'linear') return linspace(config.betaStart, config.betaEnd, config.trainSteps);
  const roots = linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), config.trainSteps);
  return roots.map((r) => r * r);
}

/** ᾱ_t = Π_{s≤t} (1 − β_s), index t = 0 … trainSteps−1. */
export function alphasCumprod(
  config: ScheduleConfig = SD_SCHEDULE,
  precision: TablePrecision = 'f64',
): Float64Array {
  const out = new Float64Array(config.trainSteps);
  let product = 1;
  betas(config).forEach((beta, t) => {
    product *= 1 - beta;
    out[t] = precision === 'f32' ? Math.fround(product) : product;
  });
  return out;
}
