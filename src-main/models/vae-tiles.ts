// Tiled VAE decode: overlapping latent tiles decoded one at a time and blended with linear ramps in the
// overlaps, so peak memory follows the tile, not the image (the idea of diffusers `AutoencoderKL.tiled_decode`).
import type { NCHW } from './vae-image';

export interface TileOptions {
  /** Tile side in latent pixels (default 64, i.e. 512 px for SD). */
  tile?: number;
  /** Overlap between neighbouring tiles in latent pixels (default 16). */
  overlap?: number;
}

export const TILE_DEFAULTS = { tile: 64, overlap: 16 } as const;

/** One axis of a tile plan: start offsets of tiles of `tile` cells covering `total`, the last flush with the end. */
export function tileStarts(total: number, tile: number, overlap: number): number[] {
  if (tile <= overlap) throw new Error(`tile ${tile} must be larger than the overlap ${overlap}`);
  if (total <= tile) return [0];
  const starts: number[] = [];
  for (let s = 0; s + tile < total; s += tile - overlap) starts.push(s);
  starts.push(total - tile);
  return starts;
}

/**
 * Blend weight along one axis of a decoded tile of `size` px starting at `start` in an image of `total` px:
 * ramps up over the overlap with the previous tile and down over the overlap with the next; 1 at image edges.
 */
function ramp(start: number, size: number, total: number, overlapPx: number): Float32Array {
  const w = new Float32Array(size).fill(1);
  for (let i = 0; i < size; i++) {
    const fromStart = start > 0 ? (i + 0.5) / overlapPx : 1;
    const fromEnd = start + size < total ? (size - i - 0.5) / overlapPx : 1;
    w[i] = Math.min(1, fromStart, fromEnd);
  }
  return w;
}

/** Copies the [.., y0:y0+h, x0:x0+w] window of a tensor. */
export function cropNCHW(t: NCHW, y0: number, x0: number, h: number, w: number): NCHW {
  const [n, c, height, width] = t.shape;
  const data = new Float32Array(n * c * h * w);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < h; y++) {
      const src = (p * height + y0 + y) * width + x0;
      data.set(t.data.subarray(src, src + w), (p * h + y) * w);
    }
  return { data, shape: [n, c, h, w] };
}

/** Weighted accumulation of decoded tiles into one image. */
class Blender {
  private readonly sum: Float32Array;
  private readonly weight: Float32Array;
  constructor(private readonly shape: readonly [number, number, number, number]) {
    this.sum = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
    this.weight = new Float32Array(shape[2] * shape[3]);
  }

  add(tile: NCHW, y0: number, x0: number, overlapPx: number): void {
    const [n, c, height, width] = this.shape;
    const [, , h, w] = tile.shape;
    const wy = ramp(y0, h, height, overlapPx);
    const wx = ramp(x0, w, width, overlapPx);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const k = wy[y] * wx[x];
        const at = (y0 + y) * width + x0 + x;
        this.weight[at] += k;
        for (let p = 0; p < n * c; p++)
          this.sum[p * height * width + at] += k * tile.data[(p * h + y) * w + x];
      }
  }

  result(): NCHW {
    const plane = this.shape[2] * this.shape[3];
    const data = this.sum.map((v, i) => v / this.weight[i % plane]);
    return { data, shape: this.shape };
  }
}

/**
 * Decodes `latents` tile by tile with `decode` and blends the results; a single tile when it covers the latent.
 * @example await decodeTiled(latents, 8, (t) => vae.decode(t), { tile: 64, overlap: 16 })
 */
export async function decodeTiled(
  latents: NCHW,
  downscale: number,
  decode: (tile: NCHW) => Promise<NCHW>,
  options: TileOptions = {},
): Promise<NCHW> {
  const { tile, overlap } = { ...TILE_DEFAULTS, ...options };
  const [n, , h, w] = latents.shape;
  const ys = tileStarts(h, tile, overlap);
  const xs = tileStarts(w, tile, overlap);
  if (ys.length === 1 && xs.length === 1) return decode(latents);
  let blender: Blender | undefined;
  for (const y0 of ys)
    for (const x0 of xs) {
      const out = await decode(cropNCHW(latents, y0, x0, Math.min(tile, h), Math.min(tile, w)));
      blender ??= new Blender([n, out.shape[1], h * downscale, w * downscale]);
      blender.add(out, y0 * downscale, x0 * downscale, overlap * downscale);
    }
  return blender!.result();
}
