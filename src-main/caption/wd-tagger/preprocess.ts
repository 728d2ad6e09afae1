// Pixels → the tagger's input tensor, laid out as the model's own input signature says: NHWC
// `[batch, H, W, 3]` (every published WD tagger) or NCHW `[batch, 3, H, W]`; BGR, float 0–255, no
// normalisation (the authors' reference app). Pure.
import { CaptionFileError } from '../errors';
import type { ModelIO } from '../../engine/runtime/session';

export interface TaggerInput {
  name: string;
  layout: 'NHWC' | 'NCHW';
  /** Square side in pixels. */
  size: number;
  /** A fixed batch size, or null when the batch axis is symbolic. */
  batch: number | null;
}

/**
 * Reads the layout from the model's first input.
 * @example taggerInput({ name: 'input', dtype: 'f32', shape: ['batch', 448, 448, 3] }) // { layout: 'NHWC', size: 448, batch: null, … }
 */
export function taggerInput(input: ModelIO, model: string): TaggerInput {
  const [b, d1, d2, d3] = input.shape;
  const bad = (why: string): CaptionFileError =>
    new CaptionFileError(
      `${model}: input '${input.name}' is ${input.dtype} [${input.shape.join(',')}]; ${why}. Is this a WD tagger?`,
    );
  if (input.dtype !== 'f32') throw bad('a WD tagger takes float32 pixels');
  if (input.shape.length !== 4) throw bad('expected 4 dims [batch, H, W, 3] or [batch, 3, H, W]');
  const batch = typeof b === 'number' && b > 0 ? b : null;
  if (d3 === 3 && typeof d1 === 'number' && d1 === d2)
    return { name: input.name, layout: 'NHWC', size: d1, batch };
  if (d1 === 3 && typeof d2 === 'number' && d2 === d3)
    return { name: input.name, layout: 'NCHW', size: d2, batch };
  throw bad('expected a fixed square image size with 3 channels');
}

/**
 * Packs RGB8 square images (`size²·3` bytes each) into one BGR float tensor.
 * @example toTaggerTensor([rgb], { layout: 'NHWC', size: 2, … }) // Float32Array of 1·2·2·3, pixel 0 = [b, g, r]
 */
export function toTaggerTensor(images: readonly Uint8Array[], input: TaggerInput): Float32Array {
  const plane = input.size * input.size;
  const out = new Float32Array(images.length * plane * 3);
  images.forEach((rgb, n) => {
    if (rgb.length !== plane * 3)
      throw new Error(`image ${n} has ${rgb.length} bytes, expected ${plane * 3}`);
    const base = n * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const value = rgb[p * 3 + (2 - c)];
        out[input.layout === 'NHWC' ? base + p * 3 + c : base + c * plane + p] = value;
      }
    }
  });
  return out;
}
