// RGB 8-bit images ↔ the VAE's NCHW float tensors in [-1, 1] (diffusers `VaeImageProcessor`: x/127.5 − 1 in,
// clamp, (x + 1)/2 · 255 rounded out). Pure arithmetic: decoding and encoding files is dataset/'s job (sharp).

/** A float tensor in NCHW order. */
export interface NCHW {
  data: Float32Array;
  shape: readonly [number, number, number, number];
}

/** RGB8 pixels, row-major, 3 interleaved channels (the shape dataset/image-decode renders). */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Stacks same-size RGB images into one [N, 3, H, W] tensor in [-1, 1].
 * @example const pixels = rgbToTensor([await renderTrainingCrop(path, resized, crop, false)])
 */
export function rgbToTensor(images: readonly RgbPixels[]): NCHW {
  if (images.length === 0) throw new Error('rgbToTensor: no images');
  const { width, height } = images[0];
  const plane = width * height;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((img, n) => {
    if (img.width !== width || img.height !== height)
      throw new Error(`rgbToTensor: image ${n} is ${img.width}×${img.height}, image 0 is ${width}×${height}`);
    if (img.data.length !== 3 * plane)
      throw new Error(
        `rgbToTensor: image ${n} has ${img.data.length} bytes, ${width}×${height} RGB needs ${3 * plane}`,
      );
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++) data[(n * 3 + c) * plane + i] = img.data[3 * i + c] / 127.5 - 1;
  });
  return { data, shape: [images.length, 3, height, width] };
}

/**
 * Splits a [N, 3, H, W] tensor into RGB8 images; values outside [-1, 1] are clamped.
 * @example const [rgb] = tensorToRgb(await vae.decode(latents))
 */
export function tensorToRgb(pixels: NCHW): RgbPixels[] {
  const [n, c, height, width] = pixels.shape;
  if (c !== 3) throw new Error(`tensorToRgb: expected 3 channels, got ${c}`);
  const plane = width * height;
  return Array.from({ length: n }, (_, b) => {
    const data = new Uint8Array(3 * plane);
    for (let i = 0; i < plane; i++)
      for (let ch = 0; ch < 3; ch++) {
        const v = Math.min(1, Math.max(-1, pixels.data[(b * 3 + ch) * plane + i]));
        data[3 * i + ch] = Math.round((v + 1) * 127.5);
      }
    return { data, width, height };
  });
}
