// PNG encoding and compositing through sharp, read back through sharp's decoder.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { composePng, imageSize, rgbToPng } from '../../src-main/dataset/image-encode';

describe('image-encode', () => {
  it('encodes interleaved RGB as a PNG that decodes to the same pixels', async () => {
    const rgb = new Uint8Array(3 * 2 * 3).map((_, i) => i * 13);
    const png = await rgbToPng(rgb, 3, 2);
    expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([3, 2, 3]);
    expect(Array.from(data)).toEqual(Array.from(rgb));
  });

  it('reads the size of an encoded image', async () => {
    expect(await imageSize(await rgbToPng(new Uint8Array(5 * 7 * 3), 5, 7))).toEqual({ width: 5, height: 7 });
  });

  it('composes layers over a background at their offsets', async () => {
    const red = await rgbToPng(new Uint8Array([255, 0, 0]), 1, 1);
    const png = await composePng(3, 1, '#0000ff', [{ input: red, left: 2, top: 0 }]);
    const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual([0, 0, 255, 0, 0, 255, 255, 0, 0]);
  });
});
