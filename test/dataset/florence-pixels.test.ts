import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { florencePixels } from '../../src-main/dataset/florence-pixels';
import { tempDir } from './make-images';

const IMAGENET = {
  width: 768,
  height: 768,
  rescale: 1 / 255,
  mean: [0.485, 0.456, 0.406] as const,
  std: [0.229, 0.224, 0.225] as const,
};

describe('florencePixels', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    root = await tempDir('florence-pixels');
  });
  afterAll(() => root.cleanup());

  it('rescales and normalizes each channel into planar [3, H, W]', async () => {
    const path = join(root.dir, 'solid.png');
    await sharp({ create: { width: 768, height: 768, channels: 3, background: { r: 255, g: 0, b: 51 } } })
      .png()
      .toFile(path);
    const px = await florencePixels(path, IMAGENET);
    const plane = 768 * 768;
    expect(px.length).toBe(3 * plane);
    const want = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.2 - 0.406) / 0.225];
    for (let c = 0; c < 3; c++) {
      expect(px[c * plane]).toBeCloseTo(want[c], 5);
      expect(px[c * plane + plane - 1]).toBeCloseTo(want[c], 5);
    }
  });

  it('stretches any aspect ratio to the full size without cropping, and flattens alpha onto white', async () => {
    // Left half red, right half transparent (white once flattened): both must survive the resize.
    const path = join(root.dir, 'wide.png');
    const w = 400;
    const h = 100;
    const rgba = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) rgba.set([255, 0, 0, 255], (y * w + x) * 4);
    await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toFile(path);
    const n = { ...IMAGENET, width: 64, height: 32, mean: [0, 0, 0] as const, std: [1, 1, 1] as const };
    const px = await florencePixels(path, n);
    const at = (c: number, y: number, x: number) => px[c * 64 * 32 + y * 64 + x];
    expect([at(0, 0, 0), at(1, 0, 0), at(2, 31, 0)]).toEqual([1, 0, 0]);
    expect([at(0, 31, 63), at(1, 0, 63), at(2, 0, 63)]).toEqual([1, 1, 1]);
  });

  it('names the file it cannot read', async () => {
    const path = join(root.dir, 'missing.png');
    await expect(florencePixels(path, IMAGENET)).rejects.toThrow(/missing\.png/);
  });
});
