// Where a batch's tensors come from during training: the latent cache (a fresh sample of each image's cached
// distribution per step, mirrored when flipped) and the text encoder (captions vary per step, so they are
// encoded on demand and remembered). SDXL adds pooled text and the size/crop ids.
import type { TensorValue } from '../engine';
import type { LatentCacheEntry } from '../dataset/latent-cache';
import { readLatentEntry } from '../dataset/latent-cache';
import type { Rng } from '../dataset/rng';
import type { Conditioning, Encoder } from '../models/conditioning';
import { sdxlTimeIds } from '../models/conditioning';
import { latentsFromDistribution } from '../models/vae-run';
import { TorchCpuGenerator } from '../sample/noise';
import type { BatchLoader, TrainItem } from './batches';

/** Feed names of the conditioning inputs of the training step. */
export const CONDITION_FEEDS = {
  context: 'context',
  textEmbeds: 'text_embeds',
  timeIds: 'time_ids',
} as const;

export interface LoaderOptions {
  entries: ReadonlyMap<string, LatentCacheEntry>;
  encoder: Pick<Encoder, 'encode'>;
  scalingFactor: number;
  /** SDXL: feed pooled text and time ids. */
  sdxl: boolean;
  /** Captions remembered at most (the encoder is the slow part; a dataset has few distinct ones without shuffle). */
  memo?: number;
}

/** Concatenates token chunks so every caption of a batch has as many as the longest (empty-prompt chunks pad). */
function padTokens(conds: Conditioning[], empty: Conditioning): Float32Array[] {
  const tokens = Math.max(...conds.map((c) => c.shape[1]));
  return conds.map((c) => {
    if (c.shape[1] === tokens) return c.context;
    const out = new Float32Array(tokens * c.shape[2]);
    out.set(c.context);
    for (let at = c.context.length; at < out.length; at += empty.context.length)
      out.set(empty.context.subarray(0, out.length - at), at);
    return out;
  });
}

/** @example const loader = cachedLoader({ entries, encoder, scalingFactor: 0.18215, sdxl: false }) */
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
    async latent(item: TrainItem, flip: boolean, rng: Rng): Promise<Float32Array> {
      const entry = o.entries.get(item.path);
      if (!entry)
        throw new Error(`${item.path} has no cached latent (was it added after the cache was built?)`);
      const dist = await readLatentEntry(entry.file, flip && entry.hasFlip);
      const noise = new TorchCpuGenerator(Math.floor(rng() * 2 ** 32));
      return latentsFromDistribution(dist, o.scalingFactor, noise).data;
    },
    async condition(
      captions: readonly string[],
      items: readonly TrainItem[],
    ): Promise<Record<string, TensorValue>> {
      const conds = await Promise.all(captions.map(encode));
      const contexts = padTokens(conds, await encode(''));
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
      if (o.sdxl) {
        const pooled = conds.map((c) => c.pooled ?? new Float32Array(1280));
        const width = pooled[0].length;
        const embeds = new Float32Array(pooled.length * width);
        pooled.forEach((p, i) => embeds.set(p, i * width));
        const ids = new Float32Array(items.length * 6);
        items.forEach((item, i) => {
          const entry = o.entries.get(item.path);
          const original = item.size ?? item.bucket;
          ids.set(
            sdxlTimeIds(original, { top: entry?.crop.top ?? 0, left: entry?.crop.left ?? 0 }, item.bucket),
            i * 6,
          );
        });
        feeds[CONDITION_FEEDS.textEmbeds] = { dtype: 'f32', shape: [items.length, width], data: embeds };
        feeds[CONDITION_FEEDS.timeIds] = { dtype: 'f32', shape: [items.length, 6], data: ids };
      }
      return feeds;
    },
  };
}
