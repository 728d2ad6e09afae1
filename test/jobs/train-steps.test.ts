// The trainable side of a run: what the device runs (fp16 only off the CPU, the optimizer on WebGPU only for
// AdamW without accumulation), and the seeded LoRA as the step graph's named parameters, back as an adapter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { adapterOf, forDevice, planLoRA, stepRecipe, trainsOnDevice } from '../../src-main/jobs/train-steps';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { openCheckpoint } from '../../src-main/models/weights';
import { FAMILIES } from '../../src-main/models/families';
import { DEFAULT_CONFIG } from '../../src-main/train/config';

describe('the steps of a training run', () => {
  it('trains fp32 on the CPU and keeps fp16 on a GPU', () => {
    const fp16 = { ...DEFAULT_CONFIG, precision: 'fp16' as const };
    expect(forDevice(fp16, 'cpu').precision).toBe('fp32');
    expect(forDevice(fp16, 'cuda')).toBe(fp16);
    expect(forDevice(DEFAULT_CONFIG, 'cpu')).toBe(DEFAULT_CONFIG);
  });

  it('keeps the optimizer on the device only on WebGPU with AdamW and no accumulation', () => {
    const adamw = { ...DEFAULT_CONFIG, optimizer: 'adamw' as const, gradientAccumulation: 1 };
    expect(trainsOnDevice('webgpu', adamw)).toBe(true);
    expect(trainsOnDevice('cpu', adamw)).toBe(false);
    expect(trainsOnDevice('webgpu', { ...adamw, gradientAccumulation: 2 })).toBe(false);
    expect(trainsOnDevice('webgpu', { ...adamw, optimizer: 'prodigy' })).toBe(false);
  });

  it('plans a seeded LoRA whose parameters come back as the same adapter', async () => {
    const config = { ...DEFAULT_CONFIG, rank: 4, alpha: 4, seed: 3 };
    const lora = await planLoRA(config, FAMILIES['tiny-sd1']);
    expect(lora.params.size).toBe(2 * lora.modules.length);
    const [down, shape] = [...lora.shapes][0];
    expect(shape[0]).toBe(4); // A is rank × in
    expect(lora.params.get(down)!.length).toBe(shape[0] * shape[1]);
    const again = await planLoRA(config, FAMILIES['tiny-sd1']);
    expect(again.params.get(down)).toEqual(lora.params.get(down)); // the seed decides the init
    const adapter = adapterOf(lora, lora.params);
    expect(adapter.modules.map((m) => m.A)).toEqual(lora.initial.modules.map((m) => m.A));
  });

  it("keys a remembered step by what shapes its graph, not by the optimizer's settings", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-recipe-'));
    const ckpt = await openCheckpoint((await makeTinyCheckpoints(dir))['tiny-sd1']);
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const lora = await planLoRA({ ...DEFAULT_CONFIG, rank: 4, alpha: 4 }, FAMILIES['tiny-sd1']);
    const key = (over: Partial<typeof DEFAULT_CONFIG>) =>
      JSON.stringify(stepRecipe(ckpt, { ...DEFAULT_CONFIG, ...over }, lora.modules));
    expect(key({ learningRate: 1e-3 })).toBe(key({ learningRate: 5e-4 }));
    expect(key({ gradientCheckpointing: true })).not.toBe(key({}));
    expect(key({ recomputeAttention: true })).not.toBe(key({}));
    expect(key({ minSnrGamma: 0 })).not.toBe(key({ minSnrGamma: 5 }));
    expect(key({ noiseOffset: 0.05 })).not.toBe(key({ noiseOffset: 0 }));
    const wider = await planLoRA({ ...DEFAULT_CONFIG, rank: 8, alpha: 4 }, FAMILIES['tiny-sd1']);
    expect(JSON.stringify(stepRecipe(ckpt, DEFAULT_CONFIG, wider.modules))).not.toBe(key({}));
  });
});
