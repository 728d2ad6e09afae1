// sharp at the edge: probe headers, explain unusable files, and render normalised derived images
// (thumbnails, training crops): EXIF orientation applied, alpha flattened, CMYK/16-bit/ICC → 8-bit sRGB.
import { stat, open } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { replaceAtomically } from '../formats/atomic-write';

/** Formats we import, keyed by sharp's `metadata().format` (AVIF reports as 'heif'). */
export const IMPORT_FORMATS: Readonly<Record<string, string>> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  heif: 'AVIF/HEIF',
  tiff: 'TIFF',
  gif: 'GIF',
};

/** Formats libvips in the sharp build cannot read, told apart by magic bytes so the report says why. */
const UNSUPPORTED_MAGIC: readonly { name: string; magic: readonly number[]; hint: string }[] = [
  { name: 'BMP', magic: [0x42, 0x4d], hint: 'convert it to PNG first' },
  { name: 'PSD', magic: [0x38, 0x42, 0x50, 0x53], hint: 'export it as PNG first' },
  { name: 'ICO', magic: [0x00, 0x00, 0x01, 0x00], hint: 'convert it to PNG first' },
  { name: 'JPEG XL', magic: [0xff, 0x0a], hint: 'convert it to PNG first' },
];

/** Default pixel limit (sharp's own default): larger images are treated as decompression bombs. */
export const DEFAULT_PIXEL_LIMIT = 268_402_689;

export interface DecodeOptions {
  /** Largest width × height accepted; beyond it the file is refused before decoding. */
  pixelLimit?: number;
  /** Colour under transparent pixels; white matches what most captioners and trainers assume. */
  background?: string;
}

export interface ImageInfo {
  format: string;
  /** Size after EXIF orientation, i.e. as the image is meant to be seen and trained. */
  width: number;
  height: number;
  orientation: number;
  pages: number;
  hasAlpha: boolean;
  space: string;
  depth: string;
}

export type ProbeResult = { ok: true; info: ImageInfo } | { ok: false; reason: string };

/**
 * Reads an image header (no pixel decode) and says whether we can use it, with a human reason if not.
 * Example: `const r = await probeImage('/in/cat.jpg'); if (r.ok) r.info.width`.
 */
export async function probeImage(path: string, options: DecodeOptions = {}): Promise<ProbeResult> {
  const size = (await stat(path)).size;
  if (size === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  let meta: Metadata;
  try {
    // No pixel limit here: the header is cheap, and reading it lets the report give the bomb's size.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    return { ok: false, reason: await explainUnreadable(path, error) };
  }
  const format = meta.format ?? 'unknown';
  if (!(format in IMPORT_FORMATS)) return { ok: false, reason: `unsupported format: ${format}` };
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  const limit = options.pixelLimit ?? DEFAULT_PIXEL_LIMIT;
  if (width * height > limit) {
    return {
      ok: false,
      reason: `too many pixels: ${width}×${height} exceeds the limit of ${limit} (decompression bomb guard)`,
    };
  }
  return { ok: true, info: infoFrom(meta, format, width, height) };
}

function infoFrom(meta: Metadata, format: string, width: number, height: number): ImageInfo {
  return {
    format: format === 'heif' && meta.compression === 'av1' ? 'avif' : format,
    width,
    height,
    orientation: meta.orientation ?? 1,
    pages: meta.pages ?? 1,
    hasAlpha: meta.hasAlpha ?? false,
    space: meta.space ?? 'unknown',
    depth: meta.depth ?? 'unknown',
  };
}

async function explainUnreadable(path: string, error: unknown): Promise<string> {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes('unsupported image format')) return `cannot read image: ${message}`;
  const head = await readHead(path, 8);
  const known = UNSUPPORTED_MAGIC.find((m) => m.magic.every((byte, i) => head[i] === byte));
  if (known) return `${known.name} is not supported by sharp/libvips; ${known.hint}`;
  return 'not an image (unrecognised format)';
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * The normalising pipeline every derived image starts from: first page only (GIF/TIFF), EXIF
 * orientation applied, alpha flattened onto `background`, converted to 8-bit sRGB (sharp applies an
 * embedded ICC profile on the way, and a default CMYK profile for CMYK without one).
 * `failOn: 'truncated'` turns truncated data into an error instead of grey pixels.
 */
export function normalizedImage(path: string, options: DecodeOptions = {}): Sharp {
  return sharp(path, {
    limitInputPixels: options.pixelLimit ?? DEFAULT_PIXEL_LIMIT,
    pages: 1,
    failOn: 'truncated',
  })
    .rotate()
    .flatten({ background: options.background ?? '#ffffff' })
    .toColourspace('srgb');
}

/**
 * Writes a small WebP (longest side ≤ `size`, never enlarged) of `path` to `dest` atomically.
 * Decodes the whole file (so a truncated image fails here), using shrink-on-load where the format allows.
 * Example: `await renderThumbnail('/p/dataset/cat.jpg', '/p/cache/thumbs/ab12.webp', 256)`.
 */
export async function renderThumbnail(
  path: string,
  dest: string,
  size: number,
  options: DecodeOptions = {},
): Promise<void> {
  await replaceAtomically(dest, (temp) =>
    normalizedImage(path, options)
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toFile(temp),
  );
}

/**
 * A small JPEG of an image as a `data:` URL (modelspec.thumbnail, the cover other tools show for an adapter).
 * Example: `const cover = await imageDataUrl('/runs/ink/samples/step000250-0.png')`.
 */
export async function imageDataUrl(path: string, size = THUMBNAIL_COVER_SIZE): Promise<string> {
  const jpeg = await normalizedImage(path, {})
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/** Longest side of an adapter's cover image: small enough for a metadata string (~10–20 KB). */
export const THUMBNAIL_COVER_SIZE = 256;

/**
 * Decodes every pixel of `path` into a tiny buffer and throws if the data is bad (truncated, corrupt).
 * Example: `await verifyDecodes('/drop/cat.jpg')`.
 */
export async function verifyDecodes(path: string, options: DecodeOptions = {}): Promise<void> {
  await normalizedImage(path, options).resize(32, 32, { fit: 'inside' }).raw().toBuffer();
}

/** A region of an image in pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** RGB8 pixels, row-major, 3 channels. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A training sample's pixels: resize to `resized`, cut `crop`, optionally mirror. Shapes come from buckets.ts.
 * Example: `await renderTrainingCrop(p, {width: 683, height: 512}, {left: 85, top: 0, width: 512, height: 512}, false)`.
 */
export async function renderTrainingCrop(
  path: string,
  resized: { width: number; height: number },
  crop: Rect,
  flip: boolean,
  options: DecodeOptions = {},
): Promise<RgbImage> {
  const { data, info } = await normalizedImage(path, options)
    .resize(resized.width, resized.height, { fit: 'fill', kernel: 'lanczos3' })
    .extract(crop)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: 3 as const };
  // NOTE: sharp runs flop before resize and extract in one pipeline, which would mirror the crop window
  // too; a second pass over the cropped pixels mirrors only the sample.
  const pixels = flip ? await sharp(data, { raw }).flop().raw().toBuffer() : data;
  return {
    data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    width: info.width,
    height: info.height,
  };
}

/**
 * An image padded to a centred square on `background` (white by default), then resized to `size`×`size`
 * with a bicubic kernel: the WD tagger's preprocessing (pad first, so the border is resampled as the
 * authors' reference code does). Example: `(await squareImage('/p/dataset/cat.png', 448)).data.length` → 448·448·3.
 */
export async function squareImage(
  path: string,
  size: number,
  options: DecodeOptions = {},
): Promise<RgbImage> {
  const background = options.background ?? '#ffffff';
  const { data, info } = await normalizedImage(path, options)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const side = Math.max(info.width, info.height);
  const left = Math.floor((side - info.width) / 2);
  const top = Math.floor((side - info.height) / 2);
  // NOTE: sharp resizes before it extends within one pipeline, so padding and resizing are two passes.
  const padded = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .extend({ left, top, right: side - info.width - left, bottom: side - info.height - top, background })
    .raw()
    .toBuffer();
  const pixels = await sharp(padded, { raw: { width: side, height: side, channels: 3 } })
    .resize(size, size, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return {
    data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    width: size,
    height: size,
  };
}
