import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src-main/train/config';
import {
  configFingerprint,
  latestStatePath,
  loadTrainState,
  saveTrainState,
  type TrainState,
} from '../../src-main/train/checkpoint';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const state = (step: number, fingerprint: string): TrainState => ({
  counters: { step, skipped: 1, lossScale: 65536, goodSteps: 3, smoothLoss: 0.25 },
  params: new Map([['lora.a.down', Float32Array.from([0.1, -0.2, Math.PI, 1e-30])]]),
  shapes: new Map([['lora.a.down', [2, 2]]]),
  optimizer: { slots: { exp_avg: { 'lora.a.down': Float32Array.from([1, 2, 3, 4]) } }, scalars: { step } },
  fingerprint,
});

describe('training checkpoints', () => {
  it('round-trip parameters, optimizer state and counters bit for bit, keeping the newest two', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-ckpt-'));
    const fp = configFingerprint(resolveConfig());
    expect(await latestStatePath(dir)).toBeNull();
    for (const step of [10, 20, 30]) await saveTrainState(dir, state(step, fp));
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([
      'step-00000020.safetensors',
      'step-00000030.safetensors',
    ]);
    const path = await latestStatePath(dir);
    const loaded = await loadTrainState(path!, fp);
    const want = state(30, fp);
    expect(loaded.counters).toEqual(want.counters);
    expect(loaded.params).toEqual(want.params);
    expect(loaded.shapes).toEqual(want.shapes);
    expect(loaded.optimizer).toEqual(want.optimizer);
  });

  it('refuses a state saved with different settings, but allows a longer run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-ckpt-'));
    const fp = configFingerprint(resolveConfig());
    expect(configFingerprint(resolveConfig({ maxSteps: 500, saveEverySteps: 7 }))).toBe(fp);
    // A run that ran out of memory resumes with the memory settings on: they recompute the same values.
    expect(configFingerprint(resolveConfig({ gradientCheckpointing: true, recomputeAttention: true }))).toBe(
      fp,
    );
    const path = await saveTrainState(dir, state(5, fp));
    await expect(loadTrainState(path, configFingerprint(resolveConfig({ rank: 4 })))).rejects.toThrow(
      /different training settings/,
    );
  });
});
