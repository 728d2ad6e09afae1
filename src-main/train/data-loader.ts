// Where a batch's tensors come from during training: the latent cache (a fresh sample of each image's cached
// distribution per step, mirrored when flipped), or with random crop a crop drawn and encoded per step (kohya's
// random_crop, which cannot be cached), and the text encoder (captions vary per step, so they are encoded on
// demand and remembered). SDXL adds pooled text and the size/crop ids.
import type { TensorValue } from '../engine';
import { cropWindow } from '../dataset/buckets';
import type { LatentCacheEntry, LatentEncoder } from '../dataset/latent-cache';
import { encodeCrop, readLatentEntry } from '../dataset/latent-cache';
import type { Conditioning, Encoder } from '../models/conditioning';
import { sdxlTimeIds } from '../models/conditioning';
import { latentsFromDistribution } from '../models/vae-run';
import { TorchCpuGenerator, type Rng } from '../random';
import type { BatchLoader, LatentSample, TrainItem } from './batches';

/** Feed names of the conditioning inputs of the training step. */
export const CONDITION_FEEDS = {
  context: 'context',
  textEmbeds: 'text_embeds',
  timeIds: 'time_ids',
} as const;

/** diffusers' default `aesthetic_score` for SDXL refiner conditioning. */
const REFINER_AESTHETIC_SCORE = 6;

export interface LoaderOptions {
  entries: ReadonlyMap<string, LatentCacheEntry>;
  encoder: Pick<Encoder, 'encode'>;
  scalingFactor: number;
  /**
   * SDXL-style conditioning from the model's config: the pooled text width and how many size ids the UNet
   * takes (6 for the base: original size, crop, target size; 5 for the refiner: original size, crop, aesthetic
   * score). Absent: the UNet takes text only.
   */
  addition?: { pooledWidth: number; timeIds: number };
  /** Random crop: each step draws a crop offset from the batch's stream and encodes that crop with this VAE. */
  randomCrop?: LatentEncoder;
  /** Captions remembered at most (the encoder is the slow part; a dataset has few distinct ones without shuffle). */
  memo?: number;
}

/** Concatenates token chunks so every caption of a batch has as many as the longest (empty-prompt chunks pad). */
async function padTokens(
  conds: Conditioning[],
  emptyOf: () => Promise<Conditioning>,
): Promise<Float32Array[]> {
  const tokens = Math.max(...conds.map((c) => c.shape[1]));
  // Only a batch mixing lengths needs the empty caption's encoding (one text-encoder run saved otherwise).
  const empty = conds.every((c) => c.shape[1] === tokens) ? undefined : await emptyOf();
  return conds.map((c) => {
    if (!empty || c.shape[1] === tokens) return c.context;
    const out = new Float32Array(tokens * c.shape[2]);
    out.set(c.context);
    for (let at = c.context.length; at < out.length; at += empty.context.length)
      out.set(empty.context.subarray(0, out.length - at), at);
    return out;
  });
}

/** @example const loader = cachedLoader({ entries, encoder, scalingFactor: 0.18215 }) */
export function cachedLoader(o: LoaderOptions): BatchLoader {
  const memo = new Map<string, Promise<Conditioning>>();
  const limit = o.memo ?? 4096;
  const encode = (caption: string): Promise<Conditioning> => {
    let hit = memo.get(caption);
    if (!hit) {
      if (memo.size >= limit) memo.delete(memo.keys().next().value!);
      hit = o.encoder.encode(caption);
      memo.set(caption, hit);
    }
    return hit;
  };
  return {
    async latent(item: TrainItem, flip: boolean, rng: Rng): Promise<LatentSample> {
      const entry = o.entries.get(item.path);
      if (!entry)
        throw new Error(`${item.path} has no cached latent (was it added after the cache was built?)`);
      const { resized, bucket } = entry;
      const fits = resized.width === bucket.width && resized.height === bucket.height;
      // An image that exactly fits its bucket has one crop only: the cached one.
      const encoder = fits ? undefined : o.randomCrop;
      const crop = encoder ? cropWindow(resized, bucket, 'random', rng) : entry.crop;
      const dist = encoder
        ? await encodeCrop(entry, crop, flip, encoder)
        : await readLatentEntry(entry.file, flip && entry.hasFlip);
      const noise = new TorchCpuGenerator(Math.floor(rng() * 2 ** 32));
      const data = latentsFromDistribution(dist, o.scalingFactor, noise).data;
      return { data, crop: { top: crop.top, left: crop.left } };
    },
    async condition(
      captions: readonly string[],
      items: readonly TrainItem[],
      crops: readonly LatentSample['crop'][],
    ): Promise<Record<string, TensorValue>> {
      const conds = await Promise.all(captions.map(encode));
      const contexts = await padTokens(conds, () => encode(''));
      const [tokens, channels] = [contexts[0].length / conds[0].shape[2], conds[0].shape[2]];
      const context = new Float32Array(contexts.length * tokens * channels);
      contexts.forEach((c, i) => context.set(c, i * tokens * channels));
      const feeds: Record<string, TensorValue> = {
        [CONDITION_FEEDS.context]: {
          dtype: 'f32',
          shape: [captions.length, tokens, channels],
          data: context,
        },
      };
      if (o.addition) {
        const { pooledWidth: width, timeIds: n } = o.addition;
        const embeds = new Float32Array(conds.length * width);
        conds.forEach((c, i) => {
          if (c.pooled && c.pooled.length !== width)
            throw new Error(`the text encoder pools ${c.pooled.length} values, the UNet takes ${width}`);
          if (c.pooled) embeds.set(c.pooled, i * width);
        });
        const ids = new Float32Array(items.length * n);
        items.forEach((item, i) => {
          const original = item.size ?? item.bucket;
          const all = sdxlTimeIds(original, crops[i] ?? { top: 0, left: 0 }, item.bucket);
          // The refiner's fifth id is the aesthetic score; diffusers trains and samples it at 6.
          ids.set(n === 5 ? [...all.subarray(0, 4), REFINER_AESTHETIC_SCORE] : all.subarray(0, n), i * n);
        });
        feeds[CONDITION_FEEDS.textEmbeds] = { dtype: 'f32', shape: [items.length, width], data: embeds };
        feeds[CONDITION_FEEDS.timeIds] = { dtype: 'f32', shape: [items.length, n], data: ids };
      }
      return feeds;
    },
  };
}
