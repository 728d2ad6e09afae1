import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../src-main/random';
import { buildLatentCache } from '../../src-main/dataset/latent-cache';
import { FAMILIES } from '../../src-main/models/families';
import { Encoder } from '../../src-main/models/conditioning';
import { VAE } from '../../src-main/models/vae-run';
import { openCheckpoint } from '../../src-main/models/weights';
import type { TrainItem } from '../../src-main/train/batches';
import { cachedLoader, CONDITION_FEEDS } from '../../src-main/train/data-loader';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { testTokenizer } from '../fixtures/tokenizer';

const tok = testTokenizer();

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-loader-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cachedLoader', () => {
  it('samples cached latents per step and stacks SDXL conditioning with padded token chunks', async () => {
    const ckpt = await openCheckpoint(paths['tiny-sdxl']);
    const vae = VAE.fromCheckpoint(ckpt, { cacheDir: join(dir, 'onnx') });
    const image = join(dir, 'a.png');
    // A left-to-right ramp, so the mirrored crop differs.
    const ramp = Buffer.from(Array.from({ length: 80 * 64 * 3 }, (_, i) => (Math.floor(i / 3) % 80) * 3));
    await writeFile(
      image,
      await sharp(ramp, { raw: { width: 80, height: 64, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const report = await buildLatentCache([{ path: image }], {
      dir: join(dir, 'latents'),
      modelId: await vae.encoderIdentity(),
      encoder: vae,
      settings: { bucket: { resolution: 64, minSide: 32, maxSide: 128, step: 64 }, flip: true },
    });
    const entries = new Map(report.entries.map((e) => [e.path, e]));
    const encoder = Encoder.fromCheckpoint(ckpt, tok, { cacheDir: join(dir, 'onnx') });
    const asked: string[] = [];
    const loader = cachedLoader({
      entries,
      encoder: { encode: (prompt) => (asked.push(prompt), encoder.encode(prompt)) },
      scalingFactor: ckpt.config.vae.scalingFactor,
      addition: { pooledWidth: FAMILIES['tiny-sdxl'].textEncoders.at(-1)!.projectionDim!, timeIds: 6 },
    });
    const entry = report.entries[0];
    const item: TrainItem = {
      id: 'a.png',
      path: image,
      caption: 'x',
      bucket: entry.bucket,
      size: { width: 80, height: 64 },
      repeats: 1,
    };
    const a = (await loader.latent(item, false, seededRng(1))).data;
    const b = (await loader.latent(item, false, seededRng(1))).data;
    const flipped = (await loader.latent(item, true, seededRng(1))).data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a).toHaveLength(4 * (entry.bucket.height / 2) * (entry.bucket.width / 2)); // tiny VAE downsamples 2×
    expect(Array.from(flipped)).not.toEqual(Array.from(a));
    // Captions of one length need no padding, so the empty caption is not encoded.
    await loader.condition(['ink', 'fox'], [item, item], [entry.crop, entry.crop]);
    expect(asked).toEqual(['ink', 'fox']);
    const long = Array.from({ length: 50 }, () => 'cat dog').join(' ');
    const feeds = await loader.condition(['ink', long], [item, item], [entry.crop, entry.crop]);
    expect(asked).toEqual(['ink', 'fox', long, '']);
    const [n, tokens, channels] = feeds[CONDITION_FEEDS.context].shape;
    expect([n, tokens]).toEqual([2, 154]);
    // 'ink' is padded with the empty caption's 77-token chunk.
    const context = feeds[CONDITION_FEEDS.context].data as Float32Array;
    const empty = (await encoder.encode('')).context;
    expect(Array.from(context.subarray(77 * channels, 154 * channels))).toEqual(Array.from(empty));
    expect(channels).toBe(encoder.channels);
    expect(feeds[CONDITION_FEEDS.textEmbeds].shape[0]).toBe(2);
    expect(Array.from(feeds[CONDITION_FEEDS.timeIds].data as Float32Array).slice(0, 6)).toEqual([
      64,
      80,
      entry.crop.top,
      entry.crop.left,
      entry.bucket.height,
      entry.bucket.width,
    ]);
    vae.dispose();
    encoder.dispose();
  });

  it('random crop: draws a crop offset per step from the stream (same stream, same crop) and encodes that crop', async () => {
    const ckpt = await openCheckpoint(paths['tiny-sd1']);
    const vae = VAE.fromCheckpoint(ckpt, { cacheDir: join(dir, 'onnx') });
    const image = join(dir, 'wide.png');
    // 96×64 with a different value in every column: every horizontal offset gives different pixels.
    const ramp = Buffer.from(Array.from({ length: 96 * 64 * 3 }, (_, i) => (Math.floor(i / 3) % 96) * 2));
    await writeFile(
      image,
      await sharp(ramp, { raw: { width: 96, height: 64, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const report = await buildLatentCache([{ path: image }], {
      dir: join(dir, 'latents-sd1'),
      modelId: await vae.encoderIdentity(),
      encoder: vae,
      settings: { bucket: { resolution: 64, minSide: 64, maxSide: 64, step: 64 }, flip: false },
    });
    const entry = report.entries[0];
    expect([entry.resized.width, entry.bucket.width, entry.crop.left]).toEqual([96, 64, 16]); // centred
    const entries = new Map([[image, entry]]);
    const common = { entries, encoder: { encode: () => Promise.reject(new Error('unused')) } };
    const centre = cachedLoader({ ...common, scalingFactor: 1 });
    const random = cachedLoader({ ...common, scalingFactor: 1, randomCrop: vae });
    const item: TrainItem = { id: 'wide.png', path: image, caption: 'x', bucket: entry.bucket, repeats: 1 };

    const centred = await Promise.all([1, 2, 3, 4].map((s) => centre.latent(item, false, seededRng(s))));
    expect(new Set(centred.map((c) => c.crop.left))).toEqual(new Set([16]));
    const drawn = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => random.latent(item, false, seededRng(s))));
    const lefts = drawn.map((d) => d.crop.left);
    expect(new Set(lefts).size).toBeGreaterThan(2);
    expect(lefts.every((l) => l >= 0 && l <= 32)).toBe(true);
    expect(drawn.every((d) => d.crop.top === 0)).toBe(true);
    // The same stream position draws the same crop and the same latent (a resumed run repeats it exactly).
    const again = await random.latent(item, false, seededRng(1));
    expect(again.crop).toEqual(drawn[0].crop);
    expect(Array.from(again.data)).toEqual(Array.from(drawn[0].data));
    // What is encoded is that crop: the latents of two different offsets differ.
    const other = drawn.find((d) => d.crop.left !== drawn[0].crop.left)!;
    expect(Array.from(other.data)).not.toEqual(Array.from(drawn[0].data));
    vae.dispose();
  });
});

describe('cachedLoader conditioning widths come from the model', () => {
  it("feeds a refiner's five size ids (the fifth the aesthetic score) and refuses a pooled width the UNet does not take", async () => {
    const encoder = {
      encode: async () => ({
        context: new Float32Array(77 * 2),
        shape: [1, 77, 2],
        pooled: Float32Array.of(1, 2, 3),
      }),
    };
    const item: TrainItem = {
      id: 'a.png',
      path: '/a.png',
      caption: 'x',
      bucket: { width: 64, height: 48 },
      size: { width: 80, height: 60 },
      repeats: 1,
    };
    const refiner = cachedLoader({
      entries: new Map(),
      encoder: encoder as never,
      scalingFactor: 1,
      addition: { pooledWidth: 3, timeIds: 5 },
    });
    const feeds = await refiner.condition(['x'], [item], [{ top: 2, left: 4 }]);
    expect(feeds[CONDITION_FEEDS.timeIds].shape).toEqual([1, 5]);
    expect(Array.from(feeds[CONDITION_FEEDS.timeIds].data as Float32Array)).toEqual([60, 80, 2, 4, 6]);
    expect(Array.from(feeds[CONDITION_FEEDS.textEmbeds].data as Float32Array)).toEqual([1, 2, 3]);
    const wrong = cachedLoader({
      entries: new Map(),
      encoder: encoder as never,
      scalingFactor: 1,
      addition: { pooledWidth: 4, timeIds: 6 },
    });
    await expect(wrong.condition(['x'], [item], [{ top: 0, left: 0 }])).rejects.toThrow(
      'pools 3 values, the UNet takes 4',
    );
  });
});
