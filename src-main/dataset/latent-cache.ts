// The latent cache: each image's VAE latent distribution at its bucket size and crop (plus the mirrored crop when
// flip is on), one safetensors file per image, keyed by content hash + VAE identity + settings (kohya
// `cache_latents_to_disk`, but storing mean/logvar so the trainer samples fresh noise each step). Random crops
// cannot be cached (kohya refuses too): `encodeCrop` encodes one at the moment it is drawn.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  readSafetensorsHeader,
  readTensorF32,
  SafetensorsError,
  writeSafetensors,
  type TensorToWrite,
} from '../formats/safetensors';
import type { LatentDistribution } from '../models/vae-run';
import { rgbToTensor, type NCHW } from '../models/vae-image';
import { createBucketer, planCrop, type BucketConfig, type Bucketer, type Size } from './buckets';
import { hashFile } from './hash';
import { probeImage, renderTrainingCrop, type Rect } from './image-decode';
import { pruneShards, shardFile } from './cache-shards';

/** Bump when the file layout or the pixels fed to the VAE change: every older entry becomes stale. */
export const LATENT_CACHE_FORMAT = 1;
const KEY_FIELD = 'tessera.latent_key';

/** What encodes pixels: a models/vae-run `VAE`, or anything with its encodeDistribution. */
export interface LatentEncoder {
  encodeDistribution(pixels: NCHW): Promise<LatentDistribution>;
}

/** Settings that change the cached pixels. Cached crops are centred; random ones go through `encodeCrop`. */
export interface LatentCacheSettings {
  bucket: BucketConfig;
  /** Also cache the mirrored crop, for training with horizontal flip. */
  flip: boolean;
  /** Colour under transparent pixels (image-decode's default when absent). */
  background?: string;
}

export interface LatentCacheItem {
  path: string;
  /** Content hash (dataset/hash.ts); computed when absent. */
  hash?: string;
}

export type LatentCacheStatus = 'hit' | 'encoded' | 'failed';

export interface LatentCacheProgress {
  done: number;
  total: number;
  path: string;
  status: LatentCacheStatus;
}

export interface LatentCacheEntry {
  path: string;
  hash: string;
  key: string;
  /** The cache file holding `mean`, `logvar` (and `mean.flip`, `logvar.flip`). */
  file: string;
  bucket: Size;
  resized: Size;
  crop: Rect;
  hasFlip: boolean;
}

export interface LatentCacheReport {
  entries: LatentCacheEntry[];
  hits: number;
  encoded: number;
  /** Images that could not be read or encoded; the others are cached all the same. */
  failed: { path: string; reason: string }[];
}

export interface LatentCacheOptions {
  /** Cache folder; deleting it (or any file in it) only costs re-encoding. */
  dir: string;
  /** Identity of the VAE encoder, e.g. `await vae.encoderIdentity()`. */
  modelId: string;
  encoder: LatentEncoder;
  settings: LatentCacheSettings;
  onProgress?: (p: LatentCacheProgress) => void;
  /** Stops between images; finished entries stay on disk and are reused by the next run. */
  signal?: AbortSignal;
}

/** The part of an entry the key is made of; changing any of it makes a new key, so old files are never read. */
function keyOf(
  modelId: string,
  hash: string,
  plan: Omit<LatentCacheEntry, 'path' | 'hash' | 'key' | 'file'>,
  settings: LatentCacheSettings,
): string {
  const parts = {
    format: LATENT_CACHE_FORMAT,
    model: modelId,
    content: hash,
    bucket: plan.bucket,
    resized: plan.resized,
    crop: plan.crop,
    flip: plan.hasFlip,
    background: settings.background ?? null,
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Where an entry lives: two-level fan-out keeps folders small for large datasets. */
export function latentCacheFile(dir: string, key: string): string {
  return shardFile(dir, key);
}

async function plan(
  item: LatentCacheItem,
  options: LatentCacheOptions,
  bucketer: Bucketer,
): Promise<LatentCacheEntry> {
  const probe = await probeImage(item.path);
  if (!probe.ok) throw new Error(probe.reason);
  const { width, height } = probe.info;
  const p = planCrop(bucketer, width, height, { mode: 'center' });
  const shape = { bucket: p.bucket, resized: p.resized, crop: p.crop, hasFlip: options.settings.flip };
  const hash = item.hash ?? (await hashFile(item.path));
  const key = keyOf(options.modelId, hash, shape, options.settings);
  return { path: item.path, hash, key, file: latentCacheFile(options.dir, key), ...shape };
}

/** A finished entry: the file parses and says it holds this key. A torn or foreign file is a miss. */
async function isCached(entry: LatentCacheEntry): Promise<boolean> {
  try {
    const header = await readSafetensorsHeader(entry.file);
    return header.metadata[KEY_FIELD] === entry.key;
  } catch (error) {
    // Missing, damaged or not safetensors at all (writes are atomic, so never half ours): re-encode over it.
    if (error instanceof SafetensorsError) return false;
    throw error;
  }
}

const tensor = (name: string, t: NCHW, n: number): TensorToWrite => {
  const [, c, h, w] = t.shape;
  const size = c * h * w;
  return { name, dtype: 'F32', shape: [1, c, h, w], data: t.data.slice(n * size, (n + 1) * size) };
};

/** The crop (and its mirror when flip is on) as the VAE sees it: [1 or 2, 3, H, W]. */
async function renderEntry(entry: LatentCacheEntry, settings: LatentCacheSettings): Promise<NCHW> {
  const decode = settings.background ? { background: settings.background } : {};
  const images = [];
  for (const flip of [false, ...(entry.hasFlip ? [true] : [])])
    images.push(await renderTrainingCrop(entry.path, entry.resized, entry.crop, flip, decode));
  return rgbToTensor(images);
}

/**
 * One crop of an entry's image (resized as planned, cut at `crop`, mirrored when `flip`), encoded now: [1, z, h, w].
 * @example const dist = await encodeCrop(entry, cropWindow(entry.resized, entry.bucket, 'random', rng), false, vae)
 */
export async function encodeCrop(
  entry: Pick<LatentCacheEntry, 'path' | 'resized'>,
  crop: Rect,
  flip: boolean,
  encoder: LatentEncoder,
  background?: string,
): Promise<LatentDistribution> {
  const image = await renderTrainingCrop(
    entry.path,
    entry.resized,
    crop,
    flip,
    background ? { background } : {},
  );
  return encoder.encodeDistribution(rgbToTensor([image]));
}

async function writeEntry(entry: LatentCacheEntry, dist: LatentDistribution): Promise<void> {
  const tensors = [false, ...(entry.hasFlip ? [true] : [])].flatMap((flip, n) => {
    const suffix = flip ? '.flip' : '';
    return [tensor(`mean${suffix}`, dist.mean, n), tensor(`logvar${suffix}`, dist.logvar, n)];
  });
  await mkdir(dirname(entry.file), { recursive: true });
  await writeSafetensors(entry.file, tensors, { [KEY_FIELD]: entry.key, 'tessera.source': entry.path });
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One image. A file that cannot be read or decoded is that image's failure; an encoder or disk failure is
 * everyone's, so it stops the run (finished entries stay).
 */
async function cacheOne(
  item: LatentCacheItem,
  options: LatentCacheOptions,
  bucketer: Bucketer,
): Promise<{ status: LatentCacheStatus; entry?: LatentCacheEntry; reason?: string }> {
  let entry: LatentCacheEntry;
  let pixels: NCHW;
  try {
    entry = await plan(item, options, bucketer);
    if (await isCached(entry)) return { status: 'hit', entry };
    pixels = await renderEntry(entry, options.settings);
  } catch (error) {
    return { status: 'failed', reason: reasonOf(error) };
  }
  await writeEntry(entry, await options.encoder.encodeDistribution(pixels)); // [1 or 2, z, h, w]
  return { status: 'encoded', entry };
}

/**
 * Makes sure every image has a cache entry: plans its bucket and crop, reuses a finished entry, encodes the rest
 * one image at a time (memory stays at one image), and writes each entry atomically. Safe to interrupt and rerun.
 * @example const report = await buildLatentCache(items, { dir, modelId: await vae.encoderIdentity(), encoder: vae, settings: { bucket: { resolution: 512 }, flip: true } })
 */
export async function buildLatentCache(
  items: readonly LatentCacheItem[],
  options: LatentCacheOptions,
): Promise<LatentCacheReport> {
  const report: LatentCacheReport = { entries: [], hits: 0, encoded: 0, failed: [] };
  const bucketer = createBucketer(options.settings.bucket);
  for (const [i, item] of items.entries()) {
    options.signal?.throwIfAborted();
    const { status, entry, reason } = await cacheOne(item, options, bucketer);
    if (entry) report.entries.push(entry);
    if (status === 'failed') report.failed.push({ path: item.path, reason: reason ?? 'unknown' });
    else report[status === 'hit' ? 'hits' : 'encoded']++;
    options.onProgress?.({ done: i + 1, total: items.length, path: item.path, status });
  }
  return report;
}

/**
 * The cached distribution of one entry, plain or mirrored; sample it with models/vae-run `latentsFromDistribution`.
 * @example const dist = await readLatentEntry(entry.file, flip); const z = latentsFromDistribution(dist, scalingFactor, rng)
 */
export async function readLatentEntry(file: string, flip = false): Promise<LatentDistribution> {
  const header = await readSafetensorsHeader(file);
  const suffix = flip ? '.flip' : '';
  const read = async (name: string): Promise<NCHW> => {
    const shape = header.tensors.get(name)?.shape;
    if (!shape || shape.length !== 4)
      throw new SafetensorsError(file, `no 4-D tensor '${name}' in this latent cache entry`);
    return { data: await readTensorF32(header, name), shape: [shape[0], shape[1], shape[2], shape[3]] };
  };
  return { mean: await read(`mean${suffix}`), logvar: await read(`logvar${suffix}`) };
}

/**
 * Deletes cache files not in `keep` (stale entries) and leftovers of interrupted writes; returns how many.
 * @example await pruneLatentCache(dir, new Set(report.entries.map((e) => e.key)))
 */
export function pruneLatentCache(dir: string, keep: ReadonlySet<string>): Promise<number> {
  return pruneShards(dir, keep);
}
