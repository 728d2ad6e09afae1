// Learning-rate schedules as pure functions of the optimizer step, with diffusers' `get_scheduler` shapes
// (warmup ramps linearly from 0; cosine decays to 0; polynomial decays to 1e-7 like its lr_end default).
import type { LrScheduleName } from './config';

export interface LrScheduleSpec {
  schedule: LrScheduleName;
  baseLr: number;
  warmupSteps: number;
  totalSteps: number;
  /** cosine_with_restarts: number of hard restarts. */
  cycles?: number;
  /** polynomial: decay power. */
  power?: number;
}

const POLY_END_LR = 1e-7;

/** The multiplier on the base LR at `step` (0-based: the first update uses step 0). */
function factor(spec: LrScheduleSpec, step: number): number {
  const { schedule, warmupSteps: warm, totalSteps: total } = spec;
  if (schedule === 'constant') return 1;
  if (step < warm) return step / Math.max(1, warm);
  if (schedule === 'constant_with_warmup') return 1;
  const progress = (step - warm) / Math.max(1, total - warm);
  switch (schedule) {
    case 'linear':
      return Math.max(0, (total - step) / Math.max(1, total - warm));
    case 'cosine':
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
    case 'cosine_with_restarts': {
      if (progress >= 1) return 0;
      const cycles = spec.cycles ?? 1;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((cycles * progress) % 1))));
    }
    case 'polynomial': {
      const end = POLY_END_LR / spec.baseLr;
      if (step > total) return end;
      const remaining = 1 - (step - warm) / Math.max(1, total - warm);
      return (1 - end) * remaining ** (spec.power ?? 1) + end;
    }
  }
}

/**
 * The learning rate of update `step`.
 * @example learningRateAt({ schedule: 'cosine', baseLr: 1e-4, warmupSteps: 10, totalSteps: 100 }, 55) // 5e-5
 */
export function learningRateAt(spec: LrScheduleSpec, step: number): number {
  return spec.baseLr * factor(spec, step);
}
