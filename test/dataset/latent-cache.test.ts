// The latent cache on real image files and the tiny VAE: hits, misses, stale entries, corrupt files, resume.
import { mkdir, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildLatentCache,
  latentCacheFile,
  pruneLatentCache,
  readLatentEntry,
  type LatentCacheOptions,
  type LatentEncoder,
} from '../../src-main/dataset/latent-cache';
import { renderTrainingCrop } from '../../src-main/dataset/image-decode';
import { rgbToTensor, type NCHW } from '../../src-main/models/vae-image';
import { VAE } from '../../src-main/models/vae-run';
import { openCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { tempDir } from './make-images';

let dir = '';
let cleanup = async () => {};
let vae: VAE;
let modelId = '';
let images: string[] = [];

/** A PNG with a horizontal gradient, so its mirror image differs. */
async function gradientPng(path: string, width: number, height: number, seed: number): Promise<string> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 4 + y * c + seed * 50) % 256;
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
  return path;
}

/** The real tiny VAE, counting how many images it is asked to encode. */
function counting(): LatentEncoder & { images: number } {
  const c = {
    images: 0,
    encodeDistribution: (pixels: NCHW) => {
      c.images += pixels.shape[0];
      return vae.encodeDistribution(pixels);
    },
  };
  return c;
}

const settings = { bucket: { resolution: 64, minSide: 32, maxSide: 128, step: 16 }, flip: true };

function options(encoder: LatentEncoder, extra: Partial<LatentCacheOptions> = {}): LatentCacheOptions {
  return { dir: join(dir, 'cache'), modelId, encoder, settings, ...extra };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('latent-cache'));
  const paths = await makeTinyCheckpoints(join(dir, 'models'));
  vae = VAE.fromCheckpoint(await openCheckpoint(paths['tiny-sd1']), { cacheDir: join(dir, 'onnx') });
  modelId = await vae.encoderIdentity();
  await mkdir(join(dir, 'images'));
  images = [
    await gradientPng(join(dir, 'images', 'a.png'), 96, 64, 1),
    await gradientPng(join(dir, 'images', 'b.png'), 64, 64, 2),
    await gradientPng(join(dir, 'images', 'c.png'), 60, 100, 3),
  ];
});
afterAll(async () => {
  vae.dispose();
  await cleanup();
});

describe('buildLatentCache', () => {
  it('encodes each image at its bucket with its crop, the mirrored crop too, then reuses the entries', async () => {
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    const encoder = counting();
    const progress: string[] = [];
    const first = await buildLatentCache(
      images.map((path) => ({ path })),
      options(encoder, { onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.status}`) }),
    );
    expect(first).toMatchObject({ hits: 0, encoded: 3, failed: [] });
    expect(encoder.images).toBe(6); // plain + flipped per image
    expect(progress).toEqual(['1/3 encoded', '2/3 encoded', '3/3 encoded']);
    const a = first.entries[0];
    expect(a.bucket).toEqual({ width: 80, height: 48 });
    expect(a.file).toBe(latentCacheFile(join(dir, 'cache'), a.key));
    const plain = await readLatentEntry(a.file);
    const flipped = await readLatentEntry(a.file, true);
    expect(plain.mean.shape).toEqual([1, 4, 24, 40]); // tiny VAE: 2 px per latent
    const direct = await vae.encodeDistribution(
      rgbToTensor([await renderTrainingCrop(a.path, a.resized, a.crop, true)]),
    );
    expect(Array.from(flipped.mean.data)).toEqual(Array.from(direct.mean.data));
    expect(Array.from(flipped.logvar.data)).toEqual(Array.from(direct.logvar.data));
    expect(Array.from(plain.mean.data)).not.toEqual(Array.from(flipped.mean.data));

    const again = counting();
    const second = await buildLatentCache(
      images.map((path) => ({ path })),
      options(again),
    );
    expect(second).toMatchObject({ hits: 3, encoded: 0 });
    expect(again.images).toBe(0);
    expect(second.entries.map((e) => e.key)).toEqual(first.entries.map((e) => e.key));
  });

  it('ignores stale and damaged entries: changed image, other model or settings, truncated file', async () => {
    const items = images.map((path) => ({ path }));
    const before = await buildLatentCache(items, options(counting()));
    await gradientPng(images[1], 64, 64, 9); // same name, new content
    await truncate(before.entries[2].file, 100);
    const encoder = counting();
    const after = await buildLatentCache(items, options(encoder));
    expect(after).toMatchObject({ hits: 1, encoded: 2 });
    expect(after.entries[1].key).not.toBe(before.entries[1].key);
    expect(after.entries[2].key).toBe(before.entries[2].key);
    expect((await readLatentEntry(after.entries[2].file)).mean.shape[1]).toBe(4);

    const noFlip = await buildLatentCache(
      items,
      options(counting(), { settings: { ...settings, flip: false } }),
    );
    expect(noFlip).toMatchObject({ hits: 0, encoded: 3 });
    await expect(readLatentEntry(noFlip.entries[0].file, true)).rejects.toThrow(/no 4-D tensor 'mean.flip'/);
    const otherModel = await buildLatentCache(items, options(counting(), { modelId: 'another-vae' }));
    expect(otherModel.encoded).toBe(3);

    const keep = new Set(after.entries.map((e) => e.key));
    await writeFile(`${after.entries[0].file}.tmp-abc123`, 'left by a crash');
    expect(await pruneLatentCache(join(dir, 'cache'), keep)).toBe(1 + 3 + 3 + 1); // old b, no-flip, other model, temp
    const rerun = await buildLatentCache(items, options(counting()));
    expect(rerun).toMatchObject({ hits: 3, encoded: 0 });
    expect(await pruneLatentCache(join(dir, 'no-such-cache'), keep)).toBe(0);
  });

  it('resumes after an interruption, skipping finished entries', async () => {
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    const items = images.map((path) => ({ path }));
    const controller = new AbortController();
    const stopAfterFirst = options(counting(), {
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('user stopped')),
    });
    await expect(buildLatentCache(items, stopAfterFirst)).rejects.toThrow('user stopped');
    const shards = await readdir(join(dir, 'cache'));
    expect(shards).toHaveLength(1);
    const encoder = counting();
    const resumed = await buildLatentCache(items, options(encoder));
    expect(resumed).toMatchObject({ hits: 1, encoded: 2 });
    expect(encoder.images).toBe(4);
  });

  it('reports an unreadable file and caches the others', async () => {
    const bad = join(dir, 'images', 'not-an-image.png');
    await writeFile(bad, 'hello');
    const report = await buildLatentCache(
      [{ path: bad }, ...images.map((path) => ({ path }))],
      options(counting()),
    );
    expect(report.failed).toEqual([{ path: bad, reason: expect.stringMatching(/not an image|cannot read/) }]);
    expect(report.entries).toHaveLength(3);
    const hashed = await buildLatentCache(
      report.entries.map((e) => ({ path: e.path, hash: e.hash })),
      options(counting()),
    );
    expect(hashed.entries.map((e) => e.key)).toEqual(report.entries.map((e) => e.key));
  });

  it('stops on an encoder failure (not a per-image problem) and keeps what was finished', async () => {
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    let calls = 0;
    const failing: LatentEncoder = {
      encodeDistribution: (pixels) => {
        if (++calls > 1) throw new Error('ORT ran out of memory');
        return vae.encodeDistribution(pixels);
      },
    };
    const items = images.map((path) => ({ path }));
    await expect(buildLatentCache(items, options(failing))).rejects.toThrow('ORT ran out of memory');
    expect(await buildLatentCache(items, options(counting()))).toMatchObject({ hits: 1, encoded: 2 });
  });
});
