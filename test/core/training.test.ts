import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainerJobs } from '../../src-main/core/jobs';
import { runStamp, TrainingService } from '../../src-main/core/training';
import { forkLauncher } from '../../src-main/jobs/worker-host';
import { loadLoRA } from '../../src-main/lora/load';
import { inspectModel } from '../../src-main/models/inspect';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let paths: Record<string, string> = {};
let service: TrainingService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-training-'));
  paths = await makeTinyCheckpoints(join(dir, 'models'));
  const data = join(dir, 'data');
  await import('node:fs/promises').then((fs) => fs.mkdir(data));
  for (const [name, w, h] of [
    ['a', 64, 64],
    ['b', 96, 64],
  ] as const) {
    await writeFile(
      join(data, `${name}.png`),
      await sharp({ create: { width: w, height: h, channels: 3, background: '#335577' } })
        .png()
        .toBuffer(),
    );
  }
  await writeFile(join(data, 'a.txt'), 'ink style, cat');
  service = new TrainingService(new TrainerJobs(forkLauncher()), join(dir, 'cache'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TrainingService', () => {
  it('offers the option table, presets and defaults', () => {
    const o = service.options();
    expect(o.options.length).toBeGreaterThan(20);
    expect(o.presets.map((p) => p.id)).toContain('quick-test');
  });

  it('plans a run: images, captions, buckets, steps; problems in plain words', async () => {
    const request = {
      modelPath: paths['tiny-sd1'],
      datasetDir: join(dir, 'data'),
      name: 'ink',
      runsDir: join(dir, 'runs'),
      config: { resolution: 64, epochs: 3 },
    };
    const plan = await service.plan(request);
    expect(plan.problems).toEqual([]);
    expect(plan).toMatchObject({ family: 'sd1', images: 2, captioned: 1, batchesPerEpoch: 2, totalSteps: 6 });
    expect(plan.memoryEstimate).toBeGreaterThan(0);
    expect(plan.warnings.join(' ')).toMatch(/1 image\(s\) have no caption/);
    // The defaults' 50-step warm-up on a 6-step run, said before the start; the tiny model's own size is 64.
    expect(plan.warnings.join(' ')).toMatch(/Warm-up \(50 steps\) is as long as the whole run \(6 steps\)/);
    expect(plan.nativeResolution).toBe(64);
    expect(plan.recommendation).toMatchObject({ presetId: 'sd15-style', config: { resolution: 64 } });
    const big = await service.plan({ ...request, config: { resolution: 128, epochs: 3 } });
    expect(big.warnings.join(' ')).toMatch(/Resolution 128 is above the model's own size \(64 px\)/);
    const bad = await service.plan({
      ...request,
      modelPath: paths['tiny-sd1-lora'],
      name: 'bad name',
      config: { rank: 0 },
    });
    expect(bad.problems.join('\n')).toMatch(/is a LoRA, not a base model/);
    expect(bad.problems.join('\n')).toMatch(/Adapter name/);
    expect(bad.problems.join('\n')).toMatch(/Rank must be between 1 and 256/);
    await expect(service.start({ ...request, name: 'bad name' })).rejects.toThrow(/Adapter name/);
  });

  it('exports an adapter as PEFT and back to kohya with the same weights', async () => {
    const peft = join(dir, 'out-peft.safetensors');
    const kohya = join(dir, 'out-kohya.safetensors');
    const a = await service.exportAdapter({
      adapterPath: paths['tiny-sd1-lora'],
      outPath: peft,
      format: 'peft',
      precision: 'fp32',
    });
    const b = await service.exportAdapter({
      adapterPath: peft,
      outPath: kohya,
      format: 'kohya',
      precision: 'fp32',
      title: 'Ink',
      triggerWords: ['ink style'],
    });
    expect(a.tensors).toBeGreaterThan(0);
    const [orig, back] = [await loadLoRA(paths['tiny-sd1-lora']), await loadLoRA(b.path)];
    expect(back.adapter.modules.length).toBe(orig.adapter.modules.length);
    expect(back.adapter.metadata['modelspec.trigger_phrase']).toBe('ink style');
    expect(back.adapter.metadata['modelspec.title']).toBe('Ink');
  });

  it('merges the adapter into a base checkpoint when asked', async () => {
    const merged = join(dir, 'merged.safetensors');
    const r = await service.exportAdapter({
      adapterPath: paths['tiny-sd1-lora'],
      outPath: join(dir, 'plain.safetensors'),
      format: 'kohya',
      precision: 'fp16',
      mergeInto: { modelPath: paths['tiny-sd1'], outPath: merged, strength: 0.5 },
    });
    expect(r.mergedPath).toBe(merged);
    expect((await inspectModel(merged)).family).toBe('sd1');
  });

  it('names run folders by local time', () => {
    expect(runStamp(new Date(2026, 10, 28, 9, 5, 7))).toBe('20261128-090507');
  });
});
