// Tile plans and linear blending, with plain-TypeScript "decoders" whose exact output is known.
import { describe, expect, it } from 'vitest';
import type { NCHW } from '../../src-main/models/vae-image';
import { cropNCHW, decodeTiled, tileStarts } from '../../src-main/models/vae-tiles';

/** Nearest ×2 upsampling: a per-position function, so any correctly normalised blend reproduces it exactly. */
async function upsample2(t: NCHW): Promise<NCHW> {
  const [n, c, h, w] = t.shape;
  const data = new Float32Array(n * c * 4 * h * w);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < 2 * h; y++)
      for (let x = 0; x < 2 * w; x++)
        data[(p * 2 * h + y) * 2 * w + x] = t.data[(p * h + (y >> 1)) * w + (x >> 1)];
  return { data, shape: [n, c, 2 * h, 2 * w] };
}

const ramp = (n: number, c: number, h: number, w: number): NCHW => ({
  data: Float32Array.from({ length: n * c * h * w }, (_, i) => i),
  shape: [n, c, h, w],
});

describe('tileStarts', () => {
  it('steps by tile − overlap and puts the last tile flush with the end', () => {
    expect(tileStarts(8, 8, 2)).toEqual([0]);
    expect(tileStarts(5, 8, 2)).toEqual([0]);
    expect(tileStarts(20, 8, 2)).toEqual([0, 6, 12]);
    expect(tileStarts(21, 8, 2)).toEqual([0, 6, 12, 13]);
    expect(() => tileStarts(20, 4, 4)).toThrow(/larger than the overlap/);
  });
});

describe('cropNCHW', () => {
  it('copies a spatial window of every batch item and channel', () => {
    const t = cropNCHW(ramp(1, 2, 3, 4), 1, 2, 2, 2);
    expect(t.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(t.data)).toEqual([6, 7, 10, 11, 18, 19, 22, 23]);
  });
});

describe('decodeTiled', () => {
  it('reassembles a position-wise decoder exactly, whatever the tiling', async () => {
    const latents = ramp(2, 3, 11, 17);
    const full = await upsample2(latents);
    for (const [tile, overlap] of [
      [4, 2],
      [6, 3],
      [5, 0],
      [32, 8],
    ]) {
      const out = await decodeTiled(latents, 2, upsample2, { tile, overlap });
      expect(out.shape).toEqual(full.shape);
      out.data.forEach((v, i) => expect(v).toBeCloseTo(full.data[i], 3));
    }
  });

  it('ramps linearly across an overlap between tiles that disagree', async () => {
    let call = 0;
    const constant = async (t: NCHW): Promise<NCHW> => {
      const v = call++; // tile 0 decodes to 0s, tile 1 to 1s
      return { data: new Float32Array(t.data.length).fill(v), shape: t.shape };
    };
    const out = await decodeTiled({ data: new Float32Array(8), shape: [1, 1, 1, 8] }, 1, constant, {
      tile: 6,
      overlap: 4,
    });
    // tiles at 0..5 and 2..7: the overlap 2..5 goes from mostly tile 0 to mostly tile 1
    expect(Array.from(out.data).map((v) => +v.toFixed(3))).toEqual([0, 0, 0.125, 0.375, 0.625, 0.875, 1, 1]);
  });
});
