import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { OPTIMIZED_DIR } from '../../src-main/engine/runtime/optimized-models';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../src-main/formats/safetensors';
import { loadLoRA } from '../../src-main/lora/load';
import { resolveConfig } from '../../src-main/train/config';
import { runTrainJob } from '../../src-main/jobs/train-job';
import type { TrainJobSpec, WorkerMessage } from '../../src-main/api/worker-messages';
import { readMetrics } from '../../src-main/train/metrics';
import { tinyWorkspace } from '../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};

/** A few small images with captions: a colour ramp per image so the latents differ. */
async function dataset(at: string): Promise<void> {
  await mkdir(join(at, '2_ink'), { recursive: true });
  const specs = [
    ['a', 64, 64, 'ink, cat'],
    ['b', 96, 64, 'ink, dog'],
    ['c', 64, 64, 'ink, bird'],
  ] as const;
  for (const [name, w, h, caption] of specs) {
    const px = Buffer.from(
      Array.from({ length: w * h * 3 }, (_, i) => ((i * (name.charCodeAt(0) - 90)) % 251) & 255),
    );
    await writeFile(
      join(at, '2_ink', `${name}.png`),
      await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    );
    await writeFile(join(at, '2_ink', `${name}.txt`), caption);
  }
}

beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('job', { cache: true }));
  await dataset(join(dir, 'data'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (runDir: string, over: Partial<TrainJobSpec['config']> = {}): TrainJobSpec => ({
  runDir,
  modelPath: paths['tiny-sd1'],
  datasetDir: join(dir, 'data'),
  name: 'ink',
  cacheDir: join(dir, 'cache'),
  config: resolveConfig({
    resolution: 64,
    maxSteps: 30,
    learningRate: 3e-3,
    warmupSteps: 0,
    saveEverySteps: 15,
    sampleEverySteps: 0,
    rank: 4,
    alpha: 4,
    saveDtype: 'fp32',
    ...over,
  }),
});

describe('runTrainJob', () => {
  it('trains a tiny SD1 LoRA: loss falls, adapters load as kohya files, reruns are bit-identical', async () => {
    const messages: WorkerMessage[] = [];
    const out = await runTrainJob(spec(join(dir, 'run-a')), { post: (m) => messages.push(m) });
    expect(out).toMatchObject({ status: 'finished', step: 30 });
    const m = await readMetrics(join(dir, 'run-a'));
    const first = m.slice(0, 5).reduce((s, x) => s + x.loss, 0) / 5;
    const last = m.slice(-5).reduce((s, x) => s + x.loss, 0) / 5;
    expect(last).toBeLessThan(first * 0.9);
    expect(messages.some((x) => x.type === 'stage' && x.stage === 'Encoding images')).toBe(true);
    const files = (await readdir(join(dir, 'run-a'))).filter((f) => f.endsWith('.safetensors')).sort();
    expect(files).toEqual(['ink-step000015.safetensors', 'ink.safetensors']);
    const { adapter, naming } = await loadLoRA(join(dir, 'run-a', 'ink.safetensors'));
    expect(naming).toBe('kohya');
    expect(adapter.family).toBe('tiny-sd1');
    expect(adapter.modules.every((x) => x.B.some((v) => v !== 0))).toBe(true);
    const again = await runTrainJob(spec(join(dir, 'run-b')), { post: () => {} });
    expect(again.status).toBe('finished');
    const [a, b] = await Promise.all(
      ['run-a', 'run-b'].map((r) => readFile(join(dir, r, 'ink.safetensors'))),
    );
    const dataOf = (buf: Buffer) => buf.subarray(8 + Number(buf.readBigUInt64LE(0)));
    expect(dataOf(a).equals(dataOf(b))).toBe(true);
    // The rerun loaded the step compiled by the first run (one remembered recipe, not two).
    const graphs = await readdir(join(dir, 'cache', 'onnx', OPTIMIZED_DIR));
    expect(graphs.filter((f) => f.endsWith('.recipe.json'))).toHaveLength(1);
  });

  it("writes the run's own facts into each adapter's metadata (resolution, steps, dataset, tags, hashes)", async () => {
    const meta = async (f: string) => (await readSafetensorsHeader(join(dir, 'run-a', f))).metadata;
    const [final, mid] = [await meta('ink.safetensors'), await meta('ink-step000015.safetensors')];
    expect(final).toMatchObject({
      ss_resolution: '(64, 64)',
      'modelspec.resolution': '64x64',
      ss_steps: '30',
      ss_max_train_steps: '30',
      ss_learning_rate: '0.003',
      ss_lr_scheduler: 'constant_with_warmup',
      ss_min_snr_gamma: '5.0',
      ss_seed: '42',
      ss_num_train_images: '6',
      ss_sd_model_name: basename(paths['tiny-sd1']),
      'modelspec.trigger_phrase': 'ink',
    });
    expect(mid.ss_steps).toBe('15');
    // 64 px run: a 64×64 bucket for the squares, 64×64 for the 96×64 image too (max area 64²)
    const buckets = JSON.parse(final.ss_bucket_info) as { buckets: Record<string, { count: number }> };
    expect(Object.values(buckets.buckets).reduce((n, b) => n + b.count, 0)).toBe(6);
    expect(final).toMatchObject({ ss_keep_tokens: '1', ss_shuffle_caption: 'False', ss_flip_aug: 'False' });
    expect(final.ss_optimizer).toMatch(/^AdamW\(weight_decay=0\.01,/);
    expect(JSON.parse(final.ss_dataset_dirs)).toEqual({ '2_ink': { n_repeats: 2, img_count: 3 } });
    expect(JSON.parse(final.ss_tag_frequency)).toEqual({ '2_ink': { ink: 3, cat: 1, dog: 1, bird: 1 } });
    // A1111's hashes of the base model, computed here independently
    const model = await readFile(paths['tiny-sd1']);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(final.ss_new_sd_model_hash).toBe(sha(model));
    expect(final.ss_sd_model_hash).toBe(sha(model.subarray(0x100000, 0x110000)).slice(0, 8));
    expect(Number(final.ss_training_finished_at)).toBeGreaterThanOrEqual(
      Number(final.ss_training_started_at),
    );
  });

  it('continues from an exported adapter with its exact weights (export → load → continue round trip)', async () => {
    const from = join(dir, 'run-a', 'ink-step000015.safetensors');
    const s = {
      ...spec(join(dir, 'run-cont'), {
        maxSteps: 2,
        learningRate: 1e-7,
        lrSchedule: 'constant' as const,
        weightDecay: 0,
        saveEverySteps: 0,
      }),
      initialLoRA: from,
    };
    await runTrainJob(
      { ...s, config: { ...s.config, learningRate: 0 } as typeof s.config },
      { post: () => {} },
    );
    const [before, after] = [await loadLoRA(from), await loadLoRA(join(dir, 'run-cont', 'ink.safetensors'))];
    const key = (m: { module: string }) => m.module;
    const a = [...before.adapter.modules].sort((x, y) => key(x).localeCompare(key(y)));
    const b = [...after.adapter.modules].sort((x, y) => key(x).localeCompare(key(y)));
    expect(b.map(key)).toEqual(a.map(key));
    b.forEach((m, i) => {
      expect(Array.from(m.A)).toEqual(Array.from(a[i].A));
      expect(Array.from(m.B)).toEqual(Array.from(a[i].B));
    });
  });

  it('trains SDXL (pooled text and size ids) and SD2 (OpenCLIP, linear projections) tiny models too', async () => {
    for (const id of ['tiny-sdxl', 'tiny-sd2'] as const) {
      const s = { ...spec(join(dir, `run-${id}`), { maxSteps: 3, saveEverySteps: 0 }), modelPath: paths[id] };
      const out = await runTrainJob(s, { post: () => {} });
      expect(out.status).toBe('finished');
      const { adapter } = await loadLoRA(out.adapterPath);
      expect(adapter.family).toBe(id);
      expect(adapter.modules.some((m) => m.B.some((v) => v !== 0))).toBe(true);
      // the run's own resolution and steps, and the family A1111 files it under
      expect(adapter.metadata).toMatchObject({
        ss_resolution: '(64, 64)',
        ss_steps: '3',
        ss_base_model_version: id === 'tiny-sdxl' ? 'sdxl_base_v1-0' : 'sd_v2',
      });
    }
  });

  it('renders preview prompts into the run folder with an index', async () => {
    const messages: WorkerMessage[] = [];
    const s = {
      ...spec(join(dir, 'run-c'), { maxSteps: 2, sampleEverySteps: 2, saveEverySteps: 0 }),
      samplePrompts: ['ink cat --w 32 --h 32 --s 2 --d 7'],
    };
    await runTrainJob(s, { post: (m) => messages.push(m) });
    const index = (await readFile(join(dir, 'run-c', 'samples', 'index.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(index).toEqual([
      { step: 2, index: 0, prompt: 'ink cat', path: join(dir, 'run-c', 'samples', 'step000002-0.png') },
    ]);
    expect(messages.filter((x) => x.type === 'sample')).toHaveLength(1);
    const grid = JSON.parse(await readFile(join(dir, 'run-c', 'samples', 'compare.json'), 'utf8')) as {
      columns: { label: string }[];
    };
    expect(grid.columns.map((c) => c.label)).toEqual(['base', 'final ×0.5', 'final ×1']);
  });

  it('previews never change the adapter: with previews every step the bytes equal a run without', async () => {
    const over = { maxSteps: 3, saveEverySteps: 0 };
    const withPreviews = {
      ...spec(join(dir, 'run-p'), { ...over, sampleEverySteps: 1 }),
      samplePrompts: ['ink --w 32 --h 32 --s 1'],
    };
    await runTrainJob(withPreviews, { post: () => {} });
    await runTrainJob(spec(join(dir, 'run-q'), { ...over, sampleEverySteps: 0 }), { post: () => {} });
    const [p, q] = await Promise.all(
      ['run-p', 'run-q'].map((r) => readFile(join(dir, r, 'ink.safetensors'))),
    );
    const dataOf = (buf: Buffer) => buf.subarray(8 + Number(buf.readBigUInt64LE(0)));
    expect(dataOf(p).equals(dataOf(q))).toBe(true);
    expect((await readdir(join(dir, 'run-p', 'samples'))).filter((f) => f.startsWith('step'))).toHaveLength(
      3,
    );
  });
});
