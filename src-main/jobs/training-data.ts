// A run's training data, prepared: the dataset scanned at the run's resolution, every image encoded once into the
// latent cache, and the batch source the loop draws from (latents per batch, captions varied per step and encoded
// on demand). Owns the VAE and text encoder sessions the batches need until the run ends.
import { join } from 'node:path';
import type { LatentCacheEntry } from '../dataset/latent-cache';
import { buildLatentCache } from '../dataset/latent-cache';
import { Encoder } from '../models/conditioning';
import type { FamilyConfig } from '../models/families';
import { VAE } from '../models/vae-run';
import { datasetBatches, type TrainItem } from '../train/batches';
import type { TrainConfig } from '../train/config';
import { cachedLoader } from '../train/data-loader';
import { bucketConfigFor, scanDataset } from '../train/dataset-items';
import type { BatchSource } from '../train/loop';
import type { BaseModel, JobCompute } from './open-model';

/** How the data preparation reports: a stage with its count, and a warning line per skipped image. */
export interface DataReport {
  stage(name: string, done?: number, total?: number): void;
  warn(message: string): void;
  signal?: AbortSignal;
}

export interface TrainingData {
  /** The images that made it into the latent cache, in dataset order. */
  items: TrainItem[];
  /** Latent cache entries by image path. */
  entries: Map<string, LatentCacheEntry>;
  data: BatchSource;
  /** Releases the encoder sessions. */
  dispose(): void;
}

/** The pooled-text width and size-id count the UNet takes, read from the model's config (SDXL base 1280/6). */
function additionOf(family: FamilyConfig): { addition?: { pooledWidth: number; timeIds: number } } {
  const add = family.unet.addition;
  const pooledWidth = family.textEncoders.at(-1)?.projectionDim;
  if (!add || !pooledWidth) return {};
  return { addition: { pooledWidth, timeIds: (add.inputDim - pooledWidth) / add.timeEmbedDim } };
}

/**
 * Scans the dataset, fills the latent cache and builds the batch source; throws when no image can be trained on.
 * @example const prepared = await prepareTrainingData(spec, config, model, compute, report); prepared.data.batchesPerEpoch
 */
export async function prepareTrainingData(
  where: { datasetDir: string; cacheDir: string },
  config: TrainConfig,
  model: BaseModel,
  { onnx }: JobCompute,
  report: DataReport,
): Promise<TrainingData> {
  report.stage('Reading the dataset');
  const scan = await scanDataset(where.datasetDir, config.resolution);
  for (const s of scan.skipped) report.warn(`Skipped ${s.path}: ${s.reason}`);
  if (!scan.items.length) throw new Error(`${where.datasetDir} has no images Tessera can train on.`);

  const vae = VAE.fromCheckpoint(model.ckpt, onnx);
  const latentReport = await buildLatentCache(
    scan.items.map((i) => ({ path: i.path })),
    {
      dir: join(where.cacheDir, 'latents'),
      modelId: await vae.encoderIdentity(where.cacheDir),
      encoder: vae,
      settings: { bucket: bucketConfigFor(config.resolution), flip: config.flip },
      onProgress: (p) => report.stage('Encoding images', p.done, p.total),
      ...(report.signal ? { signal: report.signal } : {}),
    },
  );
  // Random crops are encoded as they are drawn, so the encoder stays loaded for the run.
  if (!config.randomCrop) vae.dispose();
  for (const f of latentReport.failed) report.warn(`Skipped ${f.path}: ${f.reason}`);
  const entries = new Map(latentReport.entries.map((e) => [e.path, e]));
  const items = scan.items.filter((i) => entries.has(i.path));

  const encoder = Encoder.fromCheckpoint(model.ckpt, model.tokenizer, onnx);
  const data = datasetBatches(items, loaderOf(config, model.ckpt.config, entries, encoder, vae), {
    seed: config.seed,
    batchSize: config.batchSize,
    flip: config.flip,
    downscale: vae.downscale,
    caption: {
      shuffleTags: config.shuffleTags,
      keepTokens: config.keepTokens,
      captionDropout: config.captionDropout,
      tagDropout: config.tagDropout,
    },
  });
  const dispose = () => {
    encoder.dispose();
    if (config.randomCrop) vae.dispose();
  };
  return { items, entries, data, dispose };
}

/** The per-image loader: cached latents (or crops drawn and encoded per step) and the text conditioning. */
function loaderOf(
  config: TrainConfig,
  family: FamilyConfig,
  entries: Map<string, LatentCacheEntry>,
  encoder: Encoder,
  vae: VAE,
) {
  return cachedLoader({
    entries,
    encoder,
    scalingFactor: family.vae.scalingFactor,
    ...additionOf(family),
    ...(config.randomCrop ? { randomCrop: vae } : {}),
  });
}
