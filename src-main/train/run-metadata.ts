// What a run's adapter says about the run (kohya `ss_*` keys, modelspec trigger phrase): the real resolution,
// steps and epochs done, optimizer and schedule, dataset folders with repeats and image counts, and per-folder
// tag counts the way kohya counts them. Pure functions of the settings and the scanned dataset.
import { basename } from 'node:path';
import type { TrainingFacts } from '../lora/metadata';
import { pyFloat } from '../lora/metadata';
import type { TrainItem } from './batches';
import type { TrainConfig } from './config';
import { bucketConfigFor } from './dataset-items';
import { totalStepsOf } from './loop';

/** kohya keys datasets by the image folder's name: a `10_name` subfolder, or the dataset folder itself. */
export function folderOf(datasetDir: string, item: Pick<TrainItem, 'id'>): string {
  const parts = item.id.split('/');
  return parts.length > 1 ? parts[0] : basename(datasetDir);
}

/** Caption tags as kohya counts them: comma-split, trimmed, lower-cased, empty ones dropped. */
export function captionTags(caption: string): string[] {
  return caption
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * `ss_tag_frequency`: {folder: {tag: images whose caption has it}} (each image once, repeats aside).
 * @example tagFrequency('/p/dataset', items) // { '10_ink': { 'ink style': 12, cat: 3 } }
 */
export function tagFrequency(
  datasetDir: string,
  items: readonly Pick<TrainItem, 'id' | 'caption'>[],
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const item of items) {
    const tags = (out[folderOf(datasetDir, item)] ??= {});
    for (const tag of captionTags(item.caption)) tags[tag] = (tags[tag] ?? 0) + 1;
  }
  return out;
}

/** `ss_dataset_dirs`: {folder: {n_repeats, img_count}}. */
export function datasetDirs(
  datasetDir: string,
  items: readonly Pick<TrainItem, 'id' | 'repeats'>[],
): TrainingFacts['datasetDirs'] {
  const out: TrainingFacts['datasetDirs'] = {};
  for (const item of items) {
    const dir = (out[folderOf(datasetDir, item)] ??= { n_repeats: item.repeats, img_count: 0 });
    dir.img_count += 1;
  }
  return out;
}

/**
 * The trigger phrase: the first tag of every caption when the run keeps it in front (keep tokens ≥ 1) and
 * all captions agree on it; otherwise none (a guess would be untrue).
 */
export function triggerPhrase(
  config: Pick<TrainConfig, 'keepTokens'>,
  items: readonly Pick<TrainItem, 'caption'>[],
): string | undefined {
  if (config.keepTokens < 1 || items.length === 0) return undefined;
  const firsts = new Set(items.map((i) => captionTags(i.caption)[0] ?? ''));
  const [only] = firsts;
  return firsts.size === 1 && only ? only : undefined;
}

/** kohya's bucket report: side range and images × repeats per bucket, largest area first. */
export function bucketCounts(
  resolution: number,
  items: readonly Pick<TrainItem, 'bucket' | 'repeats'>[],
): TrainingFacts['buckets'] {
  const { minSide, maxSide } = bucketConfigFor(resolution);
  const counts = new Map<string, { resolution: [number, number]; count: number }>();
  for (const item of items) {
    const key = `${item.bucket.width}x${item.bucket.height}`;
    const b = counts.get(key) ?? { resolution: [item.bucket.width, item.bucket.height], count: 0 };
    b.count += item.repeats;
    counts.set(key, b);
  }
  const sorted = [...counts.values()].sort(
    (a, b) =>
      b.resolution[0] * b.resolution[1] - a.resolution[0] * a.resolution[1] ||
      b.resolution[0] - a.resolution[0],
  );
  return { minSide: minSide ?? resolution / 2, maxSide: maxSide ?? resolution * 2, counts: sorted };
}

function optimizerText(c: TrainConfig): string {
  const betas = `betas=(${pyFloat(c.beta1)}, ${pyFloat(c.beta2)})`;
  const args = `weight_decay=${pyFloat(c.weightDecay)},${betas},eps=${pyFloat(c.epsilon)}`;
  return c.optimizer === 'prodigy' ? `Prodigy(${args})` : `AdamW(${args})`;
}

/**
 * The run's facts for an adapter written after `steps` optimizer steps.
 * @example trainingFacts(config, { batchesPerEpoch: 10, items, datasetDir, steps: 40 })
 */
export function trainingFacts(
  config: TrainConfig,
  run: {
    batchesPerEpoch: number;
    items: readonly Pick<TrainItem, 'id' | 'repeats' | 'bucket'>[];
    datasetDir: string;
    steps: number;
    hashes?: { legacy: string; sha256: string };
  },
): TrainingFacts {
  const stepsPerEpoch = Math.max(1, Math.ceil(run.batchesPerEpoch / config.gradientAccumulation));
  const maxTrainSteps = totalStepsOf(config, run.batchesPerEpoch);
  return {
    steps: run.steps,
    epoch: Math.ceil(run.steps / stepsPerEpoch),
    numEpochs: Math.ceil(maxTrainSteps / stepsPerEpoch),
    maxTrainSteps,
    learningRate: config.learningRate,
    lrScheduler: config.lrSchedule,
    optimizer: optimizerText(config),
    noiseOffset: config.noiseOffset,
    minSnrGamma: config.minSnrGamma > 0 ? config.minSnrGamma : null,
    batchSize: config.batchSize,
    gradientAccumulation: config.gradientAccumulation,
    seed: config.seed,
    mixedPrecision: config.precision === 'fp16' ? 'fp16' : 'no',
    timestepRange: [config.timestepMin, config.timestepMax],
    numTrainImages: run.items.reduce((n, i) => n + i.repeats, 0),
    datasetDirs: datasetDirs(run.datasetDir, run.items),
    captions: {
      shuffle: config.shuffleTags,
      keepTokens: config.keepTokens,
      dropout: config.captionDropout,
      tagDropout: config.tagDropout,
    },
    flip: config.flip,
    randomCrop: config.randomCrop,
    buckets: bucketCounts(config.resolution, run.items),
    ...(run.hashes ? { sdModelHash: run.hashes.legacy, newSdModelHash: run.hashes.sha256 } : {}),
  };
}
