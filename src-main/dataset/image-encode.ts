// sharp at the output edge: PNG encoding and compositing for rendered images (previews, compare grids), so
// that sharp stays inside dataset/ like every other native image call.
import sharp from 'sharp';

/** One image placed on a canvas: PNG or SVG bytes at a pixel offset. */
export interface CanvasLayer {
  input: Uint8Array;
  left: number;
  top: number;
}

/** Interleaved 8-bit RGB → PNG bytes. @example await rgbToPng(new Uint8Array(4 * 4 * 3), 4, 4) */
export async function rgbToPng(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

/** Pixel size of an encoded image. @example const { width, height } = await imageSize(png) */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const m = await sharp(bytes).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0 };
}

/** A `width`×`height` RGB canvas filled with `background` (CSS colour) with `layers` drawn in order, as PNG. */
export async function composePng(
  width: number,
  height: number,
  background: string,
  layers: CanvasLayer[],
): Promise<Uint8Array> {
  const png = await sharp({ create: { width, height, channels: 3, background } })
    .composite(layers.map((l) => ({ input: Buffer.from(l.input), left: l.left, top: l.top })))
    .png()
    .toBuffer();
  return new Uint8Array(png);
}
