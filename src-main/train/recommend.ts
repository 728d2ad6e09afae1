// The first-run recommendation: which preset (and which length) suits a base model's family and the size of the
// dataset, with the reason in words the Train screen shows. Pure: the plan supplies family, images and size.
import type { Recommendation } from '../api/train-config';
import { PRESETS, type TrainConfig } from './config';

export type { Recommendation } from '../api/train-config';

export interface RecommendInput {
  /** The base model's family (`ModelFamily`), e.g. `sd1`. */
  family: string;
  /** Usable images in the dataset (repeats not counted). */
  images: number;
  /** The size the model was trained at (64 for the tiny test models), null when unknown. */
  nativeResolution: number | null;
}

/** Style adapters settle after about this many updates per image, within the bounds below. */
export const STEPS_PER_IMAGE = 100;
export const MIN_STEPS = 400;
export const MAX_STEPS = 2000;
/** Warm-up is this share of the run, never more than the defaults' 50 steps. */
const WARMUP_SHARE = 0.05;
const MAX_WARMUP = 50;

const PRESET_BY_FAMILY: Readonly<Record<string, string>> = {
  sd1: 'sd15-style',
  sd2: 'sd2-style',
  'sd2-v': 'sd2-style',
  sdxl: 'sdxl-style',
};

/**
 * The preset and run length for a family and dataset size; null when the family is not one Tessera trains.
 * @example recommendSettings({ family: 'sd1', images: 12, nativeResolution: 512 })
 * // { presetId: 'sd15-style', config: { maxSteps: 1200, warmupSteps: 50, resolution: 512, … }, reason: 'SD1.5 style …' }
 */
export function recommendSettings(input: RecommendInput): Recommendation | null {
  const presetId = PRESET_BY_FAMILY[input.family];
  const preset = PRESETS.find((p) => p.id === presetId);
  if (!preset) return null;
  const images = Math.max(0, Math.floor(input.images));
  const maxSteps = Math.min(MAX_STEPS, Math.max(MIN_STEPS, STEPS_PER_IMAGE * images));
  const warmupSteps = Math.min(MAX_WARMUP, Math.round(WARMUP_SHARE * maxSteps));
  // Checkpoints and previews at quarters of the run: four points to compare in the Gallery.
  const every = Math.max(1, Math.round(maxSteps / 4));
  const resolution = input.nativeResolution ?? preset.config.resolution;
  const config: Partial<TrainConfig> = {
    maxSteps,
    warmupSteps,
    saveEverySteps: every,
    sampleEverySteps: every,
    ...(resolution === undefined ? {} : { resolution }),
  };
  const size = images === 1 ? '1 image' : `${images} images`;
  const length =
    STEPS_PER_IMAGE * images > MAX_STEPS
      ? `${maxSteps} steps (the most a style needs)`
      : STEPS_PER_IMAGE * images < MIN_STEPS
        ? `${maxSteps} steps (the least that learns a style)`
        : `${maxSteps} steps (${STEPS_PER_IMAGE} per image)`;
  const reason = `${preset.label} for ${size}: ${length} at ${resolution ?? 'the preset'} px, the model's own size, previews every ${every} steps.`;
  return { presetId: preset.id, config, reason };
}
