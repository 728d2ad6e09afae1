// Aspect-ratio bucketing, compatible with kohya sd-scripts (model_util.make_bucket_resolutions,
// train_util.BucketManager.select_bucket / trim_and_resize_if_required), plus per-image crop plans.
import type { Rect } from './image-decode';
import { randomInt, type Rng } from '../random';

export interface Size {
  width: number;
  height: number;
}

export interface BucketConfig {
  /** Training resolution; max area = width × height (a number means square). */
  resolution: number | Size;
  /** kohya min_bucket_reso (default 256). */
  minSide?: number;
  /** kohya max_bucket_reso (default 1024). */
  maxSide?: number;
  /** kohya bucket_reso_steps (default 64). */
  step?: number;
  /** kohya bucket_no_upscale: only shrink images above the max area, buckets from the image's own shape. */
  noUpscale?: boolean;
}

export const BUCKET_DEFAULTS = { minSide: 256, maxSide: 1024, step: 64, noUpscale: false } as const;

/** Where one image lands: its bucket, the size it is resized to before cropping, and the aspect error. */
export interface BucketAssignment {
  bucket: Size;
  resized: Size;
  /** bucket aspect − image aspect, as kohya reports it. */
  aspectError: number;
}

function areaOf(config: BucketConfig): Size {
  return typeof config.resolution === 'number'
    ? { width: config.resolution, height: config.resolution }
    : config.resolution;
}

/**
 * The predefined buckets for a config, sorted by (width, height): the square bucket plus, for each width
 * from minSide to maxSide in steps, the tallest step-multiple height that keeps the area within max
 * (capped at maxSide, dropped below minSide), and its transpose.
 * Example: `makeBucketResolutions({resolution: 512})` → [{256, 1024}, …, {512, 512}, …, {1024, 256}].
 */
export function makeBucketResolutions(config: BucketConfig): Size[] {
  const { minSide, maxSide, step } = { ...BUCKET_DEFAULTS, ...config };
  const area = areaOf(config);
  const maxArea = area.width * area.height;
  const keys = new Set<string>();
  const square = Math.floor(Math.sqrt(maxArea) / step) * step;
  keys.add(`${square}x${square}`);
  for (let width = minSide; width <= maxSide; width += step) {
    const height = Math.min(maxSide, Math.floor(Math.floor(maxArea / width) / step) * step);
    if (height < minSide) continue;
    keys.add(`${width}x${height}`);
    keys.add(`${height}x${width}`);
  }
  return [...keys]
    .map((key) => {
      const [width, height] = key.split('x').map(Number);
      return { width, height };
    })
    .sort((a, b) => a.width - b.width || a.height - b.height);
}

/** A bucket chooser for one config; predefined buckets are computed once. */
export type Bucketer = (width: number, height: number) => BucketAssignment;

/**
 * Builds kohya's select_bucket for `config`: the predefined bucket of nearest aspect ratio with the image
 * scaled to cover it, or with `noUpscale` a bucket cut from the image's own (shrunk if too large) size.
 * Example: `createBucketer({resolution: 512})(1024, 768)` → bucket 576×448, resized 597×448.
 */
export function createBucketer(config: BucketConfig): Bucketer {
  const settings = { ...BUCKET_DEFAULTS, ...config };
  if (settings.noUpscale) {
    const area = areaOf(config);
    return (width, height) => selectNoUpscale(width, height, area.width * area.height, settings.step);
  }
  const predefined = makeBucketResolutions(config);
  return (width, height) => selectPredefined(width, height, predefined);
}

function selectPredefined(width: number, height: number, predefined: readonly Size[]): BucketAssignment {
  const aspect = width / height;
  // An image already at a bucket's exact size keeps it, even if another bucket's ratio is as close.
  let bucket = predefined.find((b) => b.width === width && b.height === height);
  if (!bucket) {
    // First minimum in sorted order, like numpy argmin.
    bucket = predefined.reduce((best, b) =>
      Math.abs(b.width / b.height - aspect) < Math.abs(best.width / best.height - aspect) ? b : best,
    );
  }
  // Scale so the image covers the bucket: the wider side overflows and is cropped.
  const scale = aspect > bucket.width / bucket.height ? bucket.height / height : bucket.width / width;
  const resized = { width: roundHalfUp(width * scale), height: roundHalfUp(height * scale) };
  return { bucket, resized, aspectError: bucket.width / bucket.height - aspect };
}

function selectNoUpscale(width: number, height: number, maxArea: number, step: number): BucketAssignment {
  const aspect = width / height;
  const resized = width * height > maxArea ? shrinkToArea(aspect, maxArea, step) : { width, height };
  // The bucket is the resized image trimmed down to step multiples: crop, never pad.
  const bucket = {
    width: resized.width - (resized.width % step),
    height: resized.height - (resized.height % step),
  };
  return { bucket, resized, aspectError: bucket.width / bucket.height - aspect };
}

/** kohya's no-upscale shrink: try rounding the width or the height to a step, keep whichever ratio is truer. */
function shrinkToArea(aspect: number, maxArea: number, step: number): Size {
  const toStep = (x: number): number => {
    const n = roundHalfUp(x);
    return n - (n % step);
  };
  const idealWidth = Math.sqrt(maxArea * aspect);
  const idealHeight = maxArea / idealWidth;
  const widthRounded = toStep(idealWidth);
  const aspectByWidth = widthRounded / toStep(widthRounded / aspect);
  const heightRounded = toStep(idealHeight);
  const aspectByHeight = toStep(heightRounded * aspect) / heightRounded;
  if (Math.abs(aspectByWidth - aspect) < Math.abs(aspectByHeight - aspect)) {
    return { width: widthRounded, height: roundHalfUp(widthRounded / aspect) };
  }
  return { width: roundHalfUp(heightRounded * aspect), height: heightRounded };
}

/** Python's int(x + 0.5) for the non-negative sizes used here. */
function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

export type CropMode = 'center' | 'random';

/** Everything the trainer (and the UI overlay) needs to turn one image into one training sample. */
export interface CropPlan extends BucketAssignment {
  /** The kept region, in resized-image pixels; its size equals the bucket. */
  crop: Rect;
  /** The same region in original-image pixels (after EXIF orientation), for drawing on the thumbnail. */
  sourceCrop: Rect;
  flip: boolean;
}

/**
 * Where a `bucket`-sized window sits in the `resized` image: centred, or at a random offset along the
 * overflowing side (left drawn before top). Example: `cropWindow({width: 96, height: 64}, {width: 64, height: 64}, 'random', rng)`.
 */
export function cropWindow(resized: Size, bucket: Size, mode: CropMode, rng: Rng = Math.random): Rect {
  const offset = (spare: number): number =>
    spare <= 0 ? 0 : mode === 'random' ? randomInt(rng, 0, spare) : Math.floor(spare / 2);
  return {
    left: offset(resized.width - bucket.width),
    top: offset(resized.height - bucket.height),
    width: bucket.width,
    height: bucket.height,
  };
}

/**
 * Plans the crop of one image: center crop, or a seeded random offset along the overflowing side
 * (kohya trim_and_resize_if_required); `flip` is drawn from `rng` with probability 0.5 when enabled.
 * Example: `planCrop(createBucketer({resolution: 512}), 1024, 768, {mode: 'center'})`.
 */
export function planCrop(
  bucketer: Bucketer,
  width: number,
  height: number,
  options: { mode: CropMode; flip?: boolean; rng?: Rng },
): CropPlan {
  const assignment = bucketer(width, height);
  const { bucket, resized } = assignment;
  const rng = options.rng ?? Math.random;
  const crop = cropWindow(resized, bucket, options.mode, rng);
  const flip = options.flip === true && rng() < 0.5;
  return { ...assignment, crop, sourceCrop: toSource(crop, resized, { width, height }), flip };
}

function toSource(crop: Rect, resized: Size, source: Size): Rect {
  const sx = source.width / resized.width;
  const sy = source.height / resized.height;
  return {
    left: Math.round(crop.left * sx),
    top: Math.round(crop.top * sy),
    width: Math.min(source.width, Math.round(crop.width * sx)),
    height: Math.min(source.height, Math.round(crop.height * sy)),
  };
}
