// Epoch plans as kohya builds them: every image repeated by its folder's count, grouped by aspect bucket,
// shuffled within buckets, cut into batches of one bucket each, then the batches shuffled. A plan is a pure
// function of (seed, epoch), so any batch of any epoch can be rebuilt on resume without replaying the run.
import type { TensorValue } from '../engine';
import { trainingCaption, type CaptionOptions } from '../dataset/caption-options';
import type { Batch, BatchSource } from './loop';
import { shuffled, streamRng, type Rng } from '../random';

export interface TrainItem {
  /** Stable id (the image's path relative to the dataset). */
  id: string;
  /** Absolute path of the image. */
  path: string;
  caption: string;
  /** Bucket size in pixels (multiples of 64). */
  bucket: { width: number; height: number };
  /** The image's own size (after EXIF orientation): SDXL's original-size conditioning. */
  size?: { width: number; height: number };
  repeats: number;
}

/** One item's latent for one step, and where its crop sits in the resized image (SDXL's crop conditioning). */
export interface LatentSample {
  /** [4, h/8, w/8], already × scaling factor. */
  data: Float32Array;
  crop: { top: number; left: number };
}

/** Where a batch's tensors come from: cached latents and encoded captions. */
export interface BatchLoader {
  /** The item's latent, mirrored when `flip`; may sample (noise, a random crop) with `rng`. */
  latent(item: TrainItem, flip: boolean, rng: Rng): Promise<LatentSample>;
  /** Conditioning feeds for the captions of one batch (e.g. `context`, SDXL `text_embeds`/`time_ids`). */
  condition(
    captions: readonly string[],
    items: readonly TrainItem[],
    crops: readonly LatentSample['crop'][],
  ): Promise<Record<string, TensorValue>>;
}

export interface BatchPlanOptions {
  seed: number;
  batchSize: number;
  flip: boolean;
  caption: CaptionOptions;
  /** Feed name of the latents input of the step graph. */
  latentFeed?: string;
  /** Pixels per latent cell (8 for SD VAEs; 2 for the tiny test models). */
  downscale?: number;
}

const bucketKey = (b: TrainItem['bucket']) => `${b.width}x${b.height}`;

/** One epoch's batches as lists of items, all of one bucket each. */
export function planEpoch(
  items: readonly TrainItem[],
  batchSize: number,
  seed: number,
  epoch: number,
): TrainItem[][] {
  const rng = streamRng(seed, 'order', epoch);
  const byBucket = new Map<string, TrainItem[]>();
  for (const item of items) {
    const list = byBucket.get(bucketKey(item.bucket)) ?? [];
    for (let r = 0; r < item.repeats; r++) list.push(item);
    byBucket.set(bucketKey(item.bucket), list);
  }
  const batches: TrainItem[][] = [];
  for (const key of [...byBucket.keys()].sort()) {
    const list = shuffled(byBucket.get(key)!, rng);
    for (let i = 0; i < list.length; i += batchSize) batches.push(list.slice(i, i + batchSize));
  }
  return shuffled(batches, rng);
}

/** Batches per epoch: the same for every epoch, since only the order changes. */
export function batchesPerEpoch(items: readonly TrainItem[], batchSize: number): number {
  const counts = new Map<string, number>();
  for (const item of items)
    counts.set(bucketKey(item.bucket), (counts.get(bucketKey(item.bucket)) ?? 0) + item.repeats);
  let n = 0;
  for (const c of counts.values()) n += Math.ceil(c / batchSize);
  return n;
}

/**
 * The loop's BatchSource over a dataset: latents stacked per batch, captions varied per step (shuffle,
 * dropout) from the batch's own stream, conditioning from the loader.
 * @example const data = datasetBatches(items, loader, { seed: 1, batchSize: 2, flip: false, caption: {} })
 */
export function datasetBatches(
  items: readonly TrainItem[],
  loader: BatchLoader,
  o: BatchPlanOptions,
): BatchSource {
  if (items.length === 0) throw new Error('the dataset has no images to train on');
  const plans = new Map<number, TrainItem[][]>();
  const planFor = (epoch: number) => {
    let plan = plans.get(epoch);
    if (!plan) {
      plan = planEpoch(items, o.batchSize, o.seed, epoch);
      plans.clear(); // NOTE: one epoch at a time is all the loop ever asks for.
      plans.set(epoch, plan);
    }
    return plan;
  };
  return {
    batchesPerEpoch: batchesPerEpoch(items, o.batchSize),
    async batch(epoch: number, index: number): Promise<Batch> {
      const batch = planFor(epoch)[index];
      const rng = streamRng(o.seed, 'data', epoch, index);
      const latents = [];
      const crops = [];
      const captions = [];
      for (const item of batch) {
        const flip = o.flip && rng() < 0.5;
        const sample = await loader.latent(item, flip, rng);
        latents.push(sample.data);
        crops.push(sample.crop);
        captions.push(trainingCaption(item.caption, o.caption, rng));
      }
      const { width, height } = batch[0].bucket;
      const f = o.downscale ?? 8;
      const shape = [batch.length, 4, height / f, width / f];
      const data = new Float32Array(latents.reduce((n, l) => n + l.length, 0));
      let at = 0;
      for (const l of latents) {
        data.set(l, at);
        at += l.length;
      }
      return {
        feeds: {
          [o.latentFeed ?? 'latents']: { dtype: 'f32', shape, data },
          ...(await loader.condition(captions, batch, crops)),
        },
        latentShape: shape,
      };
    },
  };
}
