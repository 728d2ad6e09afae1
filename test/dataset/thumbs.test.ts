import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src-main/dataset/hash';
import { THUMB_SIZE, Thumbnailer, thumbPathFor } from '../../src-main/dataset/thumbs';
import { canvas, tempDir } from './make-images';

describe('Thumbnailer', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  const images: { path: string; hash: string }[] = [];
  beforeAll(async () => {
    root = await tempDir('thumbs');
    for (let i = 0; i < 6; i++) {
      const path = join(root.dir, `img${i}.png`);
      await canvas(800 + i * 10, 600, i)
        .png()
        .toFile(path);
      images.push({ path, hash: await hashFile(path) });
    }
  });
  afterAll(() => root.cleanup());

  it('schedules once per hash, reports readiness, then answers from the cache', async () => {
    const thumbsDir = join(root.dir, 'cache', 'thumbs');
    const ready: string[] = [];
    const thumbs = new Thumbnailer({
      thumbsDir,
      concurrency: 2,
      onReady: (hash, _p, error) => ready.push(error ? 'error' : hash),
    });
    const first = await Promise.all(images.map((i) => thumbs.request(i.path, i.hash)));
    expect(first.map((r) => r.status)).toEqual(Array(6).fill('scheduled'));
    expect((await thumbs.request(images[0].path, images[0].hash)).status).toBe('scheduled');
    await thumbs.idle();
    expect(ready.sort()).toEqual(images.map((i) => i.hash).sort());
    const meta = await sharp(thumbPathFor(thumbsDir, images[0].hash)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', THUMB_SIZE, 192]);
    const fresh = new Thumbnailer({ thumbsDir });
    expect((await fresh.request(images[1].path, images[1].hash)).status).toBe('cached');
  });

  it('ready() waits for the file; a broken source rejects and reports the error', async () => {
    const thumbsDir = join(root.dir, 'cache2');
    const errors: (Error | null)[] = [];
    const thumbs = new Thumbnailer({ thumbsDir, size: 64, onReady: (_h, _p, error) => errors.push(error) });
    const path = await thumbs.ready(images[2].path, images[2].hash);
    expect((await stat(path)).size).toBeGreaterThan(0);
    await expect(thumbs.ready(join(root.dir, 'missing.png'), 'feed')).rejects.toThrow();
    expect(errors.at(-1)).toBeInstanceOf(Error);
  });
});
