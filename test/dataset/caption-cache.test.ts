// The caption-embedding cache with the real text encoders of the tiny checkpoints: encode once, reuse, stale keys
// after a settings change, torn files, per-caption failures, abort + resume, and pruning.
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captionCacheFile,
  captionCacheKey,
  ensureCaptionEmbeddings,
  pruneCaptionCache,
  readCaptionEmbedding,
  type CaptionCacheProgress,
  type CaptionEncoder,
} from '../../src-main/dataset/caption-cache';
import { Encoder } from '../../src-main/models/conditioning';
import { openCheckpoint, type OpenedCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { testTokenizer } from '../fixtures/tokenizer';

const tok = testTokenizer();

let dir = '';
const ckpts: Record<string, OpenedCheckpoint> = {};
const encoders: Encoder[] = [];

/** The real encoder, counting encode() calls, optionally failing on one caption. */
function counting(enc: Encoder, failOn?: string): CaptionEncoder & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    identity: () => enc.identity(),
    encode: async (caption) => {
      calls.push(caption);
      if (caption === failOn) throw new Error(`cannot encode "${caption}"`);
      return enc.encode(caption);
    },
  };
}

function encoder(id: string, clipSkip = 1): Encoder {
  const e = Encoder.fromCheckpoint(ckpts[id], tok, { clipSkip, cacheDir: join(dir, 'onnx') });
  encoders.push(e);
  return e;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-caption-cache-'));
  const paths = await makeTinyCheckpoints(join(dir, 'models'));
  for (const id of ['tiny-sd1', 'tiny-sdxl']) ckpts[id] = await openCheckpoint(paths[id]);
});
afterAll(async () => {
  for (const e of encoders) e.dispose();
  await rm(dir, { recursive: true, force: true });
});

const CAPTIONS = ['a red fox, watercolor', 'a blue bird', 'a red fox, watercolor', 'ink sketch of a cat'];

describe('ensureCaptionEmbeddings', () => {
  it('encodes each distinct caption once, reports progress, and reads back exactly what was encoded', async () => {
    const cacheDir = join(dir, 'cache-a');
    const enc = encoder('tiny-sd1');
    const counted = counting(enc);
    const progress: CaptionCacheProgress[] = [];
    const report = await ensureCaptionEmbeddings(CAPTIONS, {
      dir: cacheDir,
      encoder: counted,
      onProgress: (p) => progress.push(p),
    });
    expect(counted.calls).toEqual(['a red fox, watercolor', 'a blue bird', 'ink sketch of a cat']);
    expect(report).toMatchObject({ hits: 0, encoded: 3, failed: [] });
    expect(progress.map((p) => [p.done, p.total, p.status])).toEqual([
      [1, 3, 'encoded'],
      [2, 3, 'encoded'],
      [3, 3, 'encoded'],
    ]);
    const entry = report.entries[1];
    expect(entry.key).toBe(captionCacheKey(await enc.identity(), 'a blue bird'));
    expect(entry.file).toBe(captionCacheFile(cacheDir, entry.key));
    const cached = await readCaptionEmbedding(entry);
    const fresh = await enc.encode('a blue bird');
    expect(cached.shape).toEqual([1, 77, 32]);
    expect(cached.context).toEqual(fresh.context);
    expect(cached.pooled).toBeUndefined();

    const again = counting(enc);
    const second = await ensureCaptionEmbeddings(CAPTIONS, { dir: cacheDir, encoder: again });
    expect(again.calls).toEqual([]);
    expect(second).toMatchObject({ hits: 3, encoded: 0 });
  });

  it('a new clip skip makes every entry stale; prune then removes the old ones', async () => {
    const cacheDir = join(dir, 'cache-b');
    const first = await ensureCaptionEmbeddings(CAPTIONS, { dir: cacheDir, encoder: encoder('tiny-sd1') });
    const skip2 = counting(encoder('tiny-sd1', 2));
    const second = await ensureCaptionEmbeddings(CAPTIONS, { dir: cacheDir, encoder: skip2 });
    expect(second.encoded).toBe(3);
    expect(second.entries.map((e) => e.key)).not.toContain(first.entries[0].key);
    const a = await readCaptionEmbedding(first.entries[0]);
    const b = await readCaptionEmbedding(second.entries[0]);
    expect(a.context).not.toEqual(b.context);
    expect(await pruneCaptionCache(cacheDir, new Set(second.entries.map((e) => e.key)))).toBe(3);
    await expect(readCaptionEmbedding(first.entries[0])).rejects.toThrow();
    await expect(readCaptionEmbedding(second.entries[0])).resolves.toBeDefined();
  });

  it('re-encodes a torn file, reports a failing caption without stopping, and prunes temp leftovers', async () => {
    const cacheDir = join(dir, 'cache-c');
    const enc = encoder('tiny-sd1');
    const first = await ensureCaptionEmbeddings(['one', 'two'], { dir: cacheDir, encoder: enc });
    await truncate(first.entries[0].file, 20);
    const shard = join(cacheDir, first.entries[1].key.slice(0, 2));
    await writeFile(join(shard, `${first.entries[1].key}.safetensors.tmp-abc`), 'partial');
    const counted = counting(enc, 'three');
    const report = await ensureCaptionEmbeddings(['one', 'two', 'three', 'four'], {
      dir: cacheDir,
      encoder: counted,
    });
    expect(counted.calls).toEqual(['one', 'three', 'four']);
    expect(report.hits).toBe(1);
    expect(report.encoded).toBe(2);
    expect(report.failed).toEqual([{ caption: 'three', reason: 'cannot encode "three"' }]);
    expect(report.entries.map((e) => e.caption)).toEqual(['one', 'two', 'four']);
    await readCaptionEmbedding(report.entries[0]);
    expect(await pruneCaptionCache(cacheDir, new Set(report.entries.map((e) => e.key)))).toBe(1);
    expect((await readdir(shard)).some((n) => n.includes('.tmp-'))).toBe(false);
  });

  it('stops on abort between captions and resumes from what was finished', async () => {
    const cacheDir = join(dir, 'cache-d');
    const controller = new AbortController();
    const enc = encoder('tiny-sd1');
    const run = ensureCaptionEmbeddings(['p1', 'p2', 'p3'], {
      dir: cacheDir,
      encoder: enc,
      signal: controller.signal,
      onProgress: (p) => p.done === 1 && controller.abort(),
    });
    await expect(run).rejects.toThrow();
    const counted = counting(enc);
    const report = await ensureCaptionEmbeddings(['p1', 'p2', 'p3'], { dir: cacheDir, encoder: counted });
    expect(counted.calls).toEqual(['p2', 'p3']);
    expect(report.hits).toBe(1);
  });

  it('stores and reads SDXL pooled vectors', async () => {
    const cacheDir = join(dir, 'cache-e');
    const enc = encoder('tiny-sdxl');
    const report = await ensureCaptionEmbeddings(['a photo of a cat'], { dir: cacheDir, encoder: enc });
    const cached = await readCaptionEmbedding(report.entries[0]);
    const fresh = await enc.encode('a photo of a cat');
    expect(cached.shape).toEqual([1, 77, 64]);
    expect(cached.pooled).toEqual(fresh.pooled);
    expect(await pruneCaptionCache(join(dir, 'no-such-cache'), new Set())).toBe(0);
  });
});
