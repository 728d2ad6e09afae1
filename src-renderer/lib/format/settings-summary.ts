// The one line the Train screen shows instead of the settings form while a run is active.
import type { Preset, TrainConfig } from '../../../src-main/api/training';

/**
 * @example settingsSummary(config, preset, 400) // 'SD1.5 style · rank 16 · 512 px · 400 steps · learning rate 1e-4'
 */
export function settingsSummary(
  config: TrainConfig,
  preset: Preset | null,
  totalSteps: number | null,
): string {
  const parts = [
    preset ? preset.label : 'Custom settings',
    `rank ${config.rank}`,
    `${config.resolution} px`,
    totalSteps !== null
      ? `${totalSteps} steps`
      : config.maxSteps > 0
        ? `${config.maxSteps} steps`
        : `${config.epochs} epochs`,
    `learning rate ${config.learningRate}`,
  ];
  return parts.join(' · ');
}
