import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  normalizedImage,
  probeImage,
  renderThumbnail,
  renderTrainingCrop,
  squareImage,
  verifyDecodes,
} from '../../src-main/dataset/image-decode';
import { makeZoo, tempDir, TEST_PIXEL_LIMIT } from './make-images';

describe('image-decode on real files', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  const at = (name: string): string => join(root.dir, name);
  beforeAll(async () => {
    root = await tempDir('decode');
    await makeZoo(root.dir);
  });
  afterAll(() => root.cleanup());

  it('probes headers: oriented size, format, pages, depth', async () => {
    const rotated = await probeImage(at('rotated.jpg'));
    expect(rotated.ok && [rotated.info.width, rotated.info.height, rotated.info.orientation]).toEqual([
      300, 400, 6,
    ]);
    const gif = await probeImage(at('animated.gif'));
    expect(gif.ok && gif.info.pages).toBe(2);
    const deep = await probeImage(at('sixteen.png'));
    expect(deep.ok && deep.info.depth).toBe('ushort');
    const cmyk = await probeImage(at('cmyk.jpg'));
    expect(cmyk.ok && cmyk.info.space).toBe('cmyk');
  });

  it('explains files it cannot use', async () => {
    expect(await probeImage(at('empty.png'))).toEqual({ ok: false, reason: 'empty file (0 bytes)' });
    expect(await probeImage(at('text.png'))).toEqual({
      ok: false,
      reason: 'not an image (unrecognised format)',
    });
    const bmp = await probeImage(at('old.bmp'));
    expect(!bmp.ok && bmp.reason).toMatch(/^BMP is not supported/);
    const bomb = await probeImage(at('bomb.png'), { pixelLimit: TEST_PIXEL_LIMIT });
    expect(!bomb.ok && bomb.reason).toMatch(/3000×3000 exceeds the limit of 5000000/);
    await writeFile(at('vector.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>');
    expect(await probeImage(at('vector.svg'))).toEqual({ ok: false, reason: 'unsupported format: svg' });
  });

  it('normalises to 8-bit sRGB: CMYK, 16-bit, alpha flattened onto the chosen background', async () => {
    for (const name of ['cmyk.jpg', 'sixteen.png', 'gray.jpg', 'palette-alpha.png', 'animated.gif']) {
      const { info } = await normalizedImage(at(name)).raw().toBuffer({ resolveWithObject: true });
      expect([name, info.channels, info.width, info.height]).toEqual([name, 3, 400, 300]);
    }
    const { data } = await normalizedImage(at('palette-alpha.png'), { background: '#ff0000' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    // 50% blue over red.
    expect(data[0]).toBeGreaterThan(100);
    expect(data[2]).toBeGreaterThan(100);
    const gif = await normalizedImage(at('animated.gif')).raw().toBuffer();
    expect(gif[0]).toBeLessThan(100); // first frame (dark), not the second (light)
  });

  it('verifyDecodes and renderThumbnail fail on truncated data', async () => {
    await expect(verifyDecodes(at('truncated.jpg'))).rejects.toThrow(/premature end/);
    await expect(renderThumbnail(at('truncated.jpg'), at('t.webp'), 64)).rejects.toThrow();
    await verifyDecodes(at('rotated.jpg'));
    await renderThumbnail(at('rotated.jpg'), at('r.webp'), 64);
    expect((await sharp(at('r.webp')).metadata()).height).toBe(64);
  });

  it('converts an embedded ICC profile (Display P3) back to sRGB values', async () => {
    const red = { width: 300, height: 300, channels: 3 as const, background: { r: 255, g: 0, b: 0 } };
    await sharp({ create: red }).withIccProfile('p3').png().toFile(at('p3.png'));
    const stored = await sharp(at('p3.png'), { ignoreIcc: true }).raw().toBuffer();
    expect(stored[0]).toBeLessThan(245); // P3 encodes sRGB red with a lower red value
    const { data } = await normalizedImage(at('p3.png')).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(250);
    expect(data[1]).toBeLessThan(8);
  });

  it('renders a training crop of the bucket size, mirrored on request', async () => {
    const ramp = Buffer.alloc(400 * 300 * 3);
    for (let i = 0; i < ramp.length; i++) ramp[i] = Math.floor(((i / 3) % 400) * 0.6);
    await sharp(ramp, { raw: { width: 400, height: 300, channels: 3 } })
      .png()
      .toFile(at('ramp.png'));
    const size = { width: 341, height: 256 };
    const crop = { left: 42, top: 0, width: 256, height: 256 };
    const plain = await renderTrainingCrop(at('ramp.png'), size, crop, false);
    expect([plain.width, plain.height, plain.data.length]).toEqual([256, 256, 256 * 256 * 3]);
    const mirrored = await renderTrainingCrop(at('ramp.png'), size, crop, true);
    expect(plain.data[0]).toBeLessThan(plain.data[255 * 3]);
    expect(mirrored.data[0]).toBe(plain.data[255 * 3]);
    expect(mirrored.data[255 * 3]).toBe(plain.data[0]);
  });
});

describe('squareImage (the WD tagger input)', () => {
  it('pads to a centred square on white, then resizes', async () => {
    const root = await tempDir('square');
    try {
      const path = join(root.dir, 'strip.png');
      const red = Buffer.alloc(4 * 2 * 3);
      for (let p = 0; p < 8; p++) red[p * 3] = 255;
      await sharp(red, { raw: { width: 4, height: 2, channels: 3 } })
        .png()
        .toFile(path);
      const { data } = await squareImage(path, 4);
      const row = (y: number) => Array.from(data.subarray(y * 12, y * 12 + 3));
      expect([row(0), row(1), row(2), row(3)]).toEqual([
        [255, 255, 255],
        [255, 0, 0],
        [255, 0, 0],
        [255, 255, 255],
      ]);
      const big = await squareImage(path, 448);
      expect([big.width, big.height, big.data.length]).toEqual([448, 448, 448 * 448 * 3]);
    } finally {
      await root.cleanup();
    }
  });
});
