import { describe, expect, it } from 'vitest';
import {
  batchesPerEpoch,
  datasetBatches,
  planEpoch,
  type BatchLoader,
  type TrainItem,
} from '../../src-main/train/batches';

const item = (
  id: string,
  width: number,
  height: number,
  repeats = 1,
  caption = `${id}, red, blue`,
): TrainItem => ({
  id,
  path: `/d/${id}.png`,
  caption,
  bucket: { width, height },
  repeats,
});
const items = [
  item('a', 64, 64, 2),
  item('b', 64, 64),
  item('c', 128, 64),
  item('d', 128, 64),
  item('e', 64, 128, 3),
];

describe('planEpoch', () => {
  it('keeps each batch inside one bucket, repeats images by their count, and depends only on (seed, epoch)', () => {
    const plan = planEpoch(items, 2, 7, 0);
    expect(plan.flat()).toHaveLength(2 + 1 + 1 + 1 + 3);
    for (const batch of plan)
      expect(new Set(batch.map((i) => `${i.bucket.width}x${i.bucket.height}`)).size).toBe(1);
    expect(plan.flat().filter((i) => i.id === 'e')).toHaveLength(3);
    expect(planEpoch(items, 2, 7, 0)).toEqual(plan);
    expect(plan).toHaveLength(batchesPerEpoch(items, 2));
    const orders = new Set(
      [0, 1, 2, 3, 4].map((e) => JSON.stringify(planEpoch(items, 2, 7, e).map((b) => b.map((i) => i.id)))),
    );
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('datasetBatches', () => {
  const loader: BatchLoader = {
    async latent(it, flip) {
      const n = 4 * (it.bucket.height / 8) * (it.bucket.width / 8);
      const data = new Float32Array(n).fill(flip ? -it.id.charCodeAt(0) : it.id.charCodeAt(0));
      return { data, crop: { top: 0, left: 0 } };
    },
    async condition(captions) {
      return {
        context: {
          dtype: 'f32',
          shape: [captions.length, 1],
          data: Float32Array.from(captions, (c) => c.length),
        },
      };
    },
  };

  it('stacks latents of one bucket, varies captions and flips from the batch stream, reproducibly', async () => {
    const source = datasetBatches(items, loader, {
      seed: 3,
      batchSize: 2,
      flip: true,
      caption: { shuffleTags: true, keepTokens: 1, captionDropout: 0.3 },
    });
    expect(source.batchesPerEpoch).toBe(batchesPerEpoch(items, 2));
    for (let i = 0; i < source.batchesPerEpoch; i++) {
      const b = await source.batch(0, i);
      const [n, c, h, w] = b.latentShape;
      expect(c).toBe(4);
      expect(b.feeds.latents.data).toHaveLength(n * 4 * h * w);
      expect(b.feeds.context.shape).toEqual([n, 1]);
      expect(await source.batch(0, i)).toEqual(b);
    }
    const signs = new Set<number>();
    for (let e = 0; e < 6; e++)
      for (let i = 0; i < source.batchesPerEpoch; i++)
        signs.add(Math.sign((await source.batch(e, i)).feeds.latents.data[0] as number));
    expect(signs).toEqual(new Set([1, -1]));
  });

  it('refuses an empty dataset', () => {
    expect(() => datasetBatches([], loader, { seed: 1, batchSize: 1, flip: false, caption: {} })).toThrow(
      /no images/,
    );
  });
});
