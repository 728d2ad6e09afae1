// An image as Florence-2's vision encoder reads it: decoded like every derived image (orientation, alpha
// flattened, sRGB), resized to exactly W×H (no crop, aspect not kept, as its processor does), bicubic, then
// rescaled and normalised per channel into a planar NCHW float tensor.
import { normalizedImage } from './image-decode';

export interface PixelNormalization {
  width: number;
  height: number;
  /** Multiplies the 0–255 byte before the mean is taken (1/255 maps to 0–1). */
  rescale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Decodes `path` into `[3, height, width]` floats, channel-planar (the batch axis is the caller's).
 * @example const px = await florencePixels('/p/dataset/cat.jpg', { width: 768, height: 768, rescale: 1 / 255, mean, std });
 */
export async function florencePixels(path: string, n: PixelNormalization): Promise<Float32Array> {
  const { data, info } = await normalizedImage(path)
    .resize(n.width, n.height, { fit: 'fill', kernel: 'cubic' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = n.width * n.height;
  if (info.channels !== 3 || data.length !== plane * 3)
    throw new Error(
      `${path}: decoded to ${info.channels} channels at ${info.width}×${info.height}, expected RGB`,
    );
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const scale = n.rescale / n.std[c];
    const shift = n.mean[c] / n.std[c];
    for (let i = 0; i < plane; i++) out[c * plane + i] = data[i * 3 + c] * scale - shift;
  }
  return out;
}
