// The caption-embedding cache: each distinct caption's text-encoder conditioning (context, and SDXL's pooled
// vector), one safetensors file per caption, keyed by sha256(caption + encoder identity incl. clip skip and family)
// (kohya `cache_text_encoder_outputs_to_disk`; like kohya it only fits fixed captions: no shuffle or dropout).
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
import { pruneShards, shardFile } from './cache-shards';

/** Bump when the stored layout or the encoding changes: every older entry becomes stale. */
export const CAPTION_CACHE_FORMAT = 1;
const KEY_FIELD = 'tessera.caption_key';

/** A caption's conditioning as the UNet takes it (models/conditioning `Conditioning` fits). */
export interface CaptionEmbedding {
  /** [1, tokens, channels] */
  context: Float32Array;
  shape: [number, number, number];
  /** [1, projectionDim] (SDXL). */
  pooled?: Float32Array;
}

/** What encodes captions: a models/conditioning `Encoder`, or anything with its encode() and identity(). */
export interface CaptionEncoder {
  encode(caption: string): Promise<CaptionEmbedding>;
  /** Changes whenever the output could: weights, family, clip skip (`Encoder.identity()`). */
  identity(): Promise<string>;
}

export type CaptionCacheStatus = 'hit' | 'encoded' | 'failed';

export interface CaptionCacheProgress {
  done: number;
  total: number;
  caption: string;
  status: CaptionCacheStatus;
}

export interface CaptionCacheEntry {
  caption: string;
  key: string;
  file: string;
}

export interface CaptionCacheReport {
  /** One entry per distinct caption, in first-seen order. */
  entries: CaptionCacheEntry[];
  hits: number;
  encoded: number;
  failed: { caption: string; reason: string }[];
}

export interface CaptionCacheOptions {
  /** Cache folder; deleting it (or any file in it) only costs re-encoding. */
  dir: string;
  encoder: CaptionEncoder;
  onProgress?: (p: CaptionCacheProgress) => void;
  /** Stops between captions; finished entries stay on disk and are reused by the next run. */
  signal?: AbortSignal;
}

/**
 * The key of one caption under one encoder identity.
 * @example captionCacheKey(await encoder.identity(), 'a watercolor fox')
 */
export function captionCacheKey(modelId: string, caption: string): string {
  const parts = { format: CAPTION_CACHE_FORMAT, model: modelId, caption };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Where an entry lives: two-level fan-out keeps folders small for large datasets. */
export function captionCacheFile(dir: string, key: string): string {
  return shardFile(dir, key);
}

/** A finished entry: the file parses and says it holds this key. A torn or foreign file is a miss. */
async function isCached(entry: CaptionCacheEntry): Promise<boolean> {
  try {
    const header = await readSafetensorsHeader(entry.file);
    return header.metadata[KEY_FIELD] === entry.key;
  } catch (error) {
    // Missing or damaged (writes are atomic, so never half ours): encode again over it.
    if (error instanceof SafetensorsError) return false;
    throw error;
  }
}

async function encodeEntry(entry: CaptionCacheEntry, options: CaptionCacheOptions): Promise<void> {
  const e = await options.encoder.encode(entry.caption);
  const tensors: TensorToWrite[] = [{ name: 'context', dtype: 'F32', shape: [...e.shape], data: e.context }];
  if (e.pooled) tensors.push({ name: 'pooled', dtype: 'F32', shape: [1, e.pooled.length], data: e.pooled });
  await mkdir(dirname(entry.file), { recursive: true });
  await writeSafetensors(entry.file, tensors, { [KEY_FIELD]: entry.key, 'tessera.caption': entry.caption });
}

/**
 * Makes sure every distinct caption has a cache entry: reuses finished entries, encodes the rest one at a time and
 * writes each atomically. A caption that fails is reported and the others still cached. Safe to interrupt and rerun.
 * @example const report = await ensureCaptionEmbeddings(captions, { dir, encoder: Encoder.fromCheckpoint(ckpt, tok) })
 */
export async function ensureCaptionEmbeddings(
  captions: readonly string[],
  options: CaptionCacheOptions,
): Promise<CaptionCacheReport> {
  const modelId = await options.encoder.identity();
  const distinct = [...new Set(captions)];
  const report: CaptionCacheReport = { entries: [], hits: 0, encoded: 0, failed: [] };
  for (const [i, caption] of distinct.entries()) {
    options.signal?.throwIfAborted();
    const key = captionCacheKey(modelId, caption);
    const entry = { caption, key, file: captionCacheFile(options.dir, key) };
    let status: CaptionCacheStatus;
    try {
      status = (await isCached(entry)) ? 'hit' : 'encoded';
      if (status === 'encoded') await encodeEntry(entry, options);
      report.entries.push(entry);
      report[status === 'hit' ? 'hits' : 'encoded']++;
    } catch (error) {
      status = 'failed';
      report.failed.push({ caption, reason: error instanceof Error ? error.message : String(error) });
    }
    options.onProgress?.({ done: i + 1, total: distinct.length, caption, status });
  }
  return report;
}

/**
 * A cached embedding; throws when the file is missing, damaged or holds another key (a stale path).
 * @example const { context, pooled } = await readCaptionEmbedding(report.entries[0])
 */
export async function readCaptionEmbedding(
  entry: Pick<CaptionCacheEntry, 'file' | 'key'>,
): Promise<CaptionEmbedding> {
  const header = await readSafetensorsHeader(entry.file);
  if (header.metadata[KEY_FIELD] !== entry.key)
    throw new SafetensorsError(
      entry.file,
      `holds caption key ${header.metadata[KEY_FIELD]}, not ${entry.key}`,
    );
  const shape = header.tensors.get('context')?.shape;
  if (!shape || shape.length !== 3)
    throw new SafetensorsError(entry.file, "no 3-D tensor 'context' in this caption cache entry");
  const embedding: CaptionEmbedding = {
    context: await readTensorF32(header, 'context'),
    shape: [shape[0], shape[1], shape[2]],
  };
  if (header.tensors.has('pooled')) embedding.pooled = await readTensorF32(header, 'pooled');
  return embedding;
}

/**
 * Deletes cache files not in `keep` (stale entries) and leftovers of interrupted writes; returns how many.
 * @example await pruneCaptionCache(dir, new Set(report.entries.map((e) => e.key)))
 */
export function pruneCaptionCache(dir: string, keep: ReadonlySet<string>): Promise<number> {
  return pruneShards(dir, keep);
}
