// Cheap live preview: a per-family linear map from the 4 latent channels to RGB, as ComfyUI's Latent2RGB previewer.
// Factors are ComfyUI `comfy/latent_formats.py` `latent_rgb_factors` (+ `_bias` for SDXL); shaders/latent-preview.wgsl
// does the same on the GPU, and this function is its reference.

export type PreviewFamily = 'sd1' | 'sd2' | 'sdxl';

export interface LatentRgbFactors {
  /** rows = latent channels 0..3, columns = R, G, B */
  factors: readonly (readonly [number, number, number])[];
  bias: readonly [number, number, number];
}

const SD1_FACTORS: LatentRgbFactors = {
  factors: [
    [0.3512, 0.2297, 0.3227],
    [0.325, 0.4974, 0.235],
    [-0.2829, 0.1762, 0.2721],
    [-0.212, -0.2616, -0.7177],
  ],
  bias: [0, 0, 0],
};

export const LATENT_RGB: Record<PreviewFamily, LatentRgbFactors> = {
  sd1: SD1_FACTORS,
  // SD2 shares SD1's VAE (ComfyUI uses its SD15 latent format for both).
  sd2: SD1_FACTORS,
  sdxl: {
    factors: [
      [0.3651, 0.4232, 0.4341],
      [-0.2533, -0.0042, 0.1068],
      [0.1076, 0.1111, -0.0362],
      [-0.3165, -0.2492, -0.2188],
    ],
    bias: [0.1084, -0.0175, -0.0011],
  },
};

/** The factors as the shader's uniform wants them: 4 columns of vec4 (R,G,B,0) per channel, then the bias vec4. */
export function previewUniform(family: PreviewFamily): Float32Array {
  const { factors, bias } = LATENT_RGB[family];
  return Float32Array.from([...factors.flatMap((row) => [...row, 0]), ...bias, 0]);
}

/**
 * Latent [4, h, w] (channel-major) → RGBA bytes [h, w, 4]: rgb = latent·F + b, then byte = round(clamp((v + 1)/2) · 255).
 * @example const rgba = latentToRGB(latent, 64, 64, 'sd1'); new ImageData(rgba, 64, 64)
 */
export function latentToRGB(
  latent: Float32Array,
  height: number,
  width: number,
  family: PreviewFamily,
): Uint8ClampedArray {
  const plane = height * width;
  if (latent.length !== 4 * plane)
    throw new Error(`latentToRGB: expected 4×${height}×${width} values, got ${latent.length}`);
  const { factors, bias } = LATENT_RGB[family];
  const out = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      let v = bias[c];
      for (let k = 0; k < 4; k++) v += latent[k * plane + p] * factors[k][c];
      out[p * 4 + c] = Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
