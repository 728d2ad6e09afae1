// Settings that are valid one by one but contradict the run they are for: the Train screen and the CLI show
// these before a start, in plain words naming the option and the fix. Pure: the plan supplies the facts.
import type { TrainConfig } from './config';

export interface RunFacts {
  /** Optimizer steps the run will make. */
  totalSteps: number;
  /** The size the base model was trained at, null when unknown. */
  nativeResolution: number | null;
}

/** Rank at which adapters stop getting better for styles and only get bigger. */
export const LARGE_RANK = 128;

/**
 * @example settingsWarnings({ ...DEFAULT_CONFIG, warmupSteps: 50 }, { totalSteps: 40, nativeResolution: 512 })
 * // ['Warm-up (50 steps) is as long as the whole run (40 steps): …']
 */
export function settingsWarnings(config: TrainConfig, run: RunFacts): string[] {
  const warnings: string[] = [];
  const warms = config.lrSchedule !== 'constant' && config.warmupSteps > 0;
  if (warms && run.totalSteps > 0 && config.warmupSteps >= run.totalSteps)
    warnings.push(
      `Warm-up (${config.warmupSteps} steps) is as long as the whole run (${run.totalSteps} steps): the learning rate never reaches its value. Lower Warm-up steps below ${run.totalSteps}.`,
    );
  if (run.nativeResolution !== null && config.resolution > run.nativeResolution)
    warnings.push(
      `Resolution ${config.resolution} is above the model's own size (${run.nativeResolution} px): training is slower and the model did not learn that size. Use ${run.nativeResolution}.`,
    );
  if (config.rank >= LARGE_RANK)
    warnings.push(`Rank ${config.rank} makes a large file and rarely helps a style; 8–32 is usual.`);
  if (config.alpha > config.rank)
    warnings.push(
      `Alpha (${config.alpha}) above Rank (${config.rank}) scales the update up; half the rank is usual.`,
    );
  if (run.totalSteps > 0 && config.sampleEverySteps > run.totalSteps)
    warnings.push(
      `Preview every ${config.sampleEverySteps} steps: the run ends at ${run.totalSteps}, so it makes no previews. Lower Preview every.`,
    );
  return warnings;
}
