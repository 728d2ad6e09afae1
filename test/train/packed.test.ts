// Packed LoRA state: one `lora.packed` input and one `grad.packed` output instead of two per adapted layer,
// with the same loss and gradients as the separate-input graph.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorValue } from '../../src-main/engine';
import { loraInputNames } from '../../src-main/lora/inject';
import { planTargets } from '../../src-main/lora/plan';
import { FAMILIES } from '../../src-main/models/families';
import { buildUNet } from '../../src-main/models/unet';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { buildStepGraph, STEP_INPUTS, UNET_BLOCK_SEGMENTS } from '../../src-main/train/step-graph';
import { compileTrainStep } from '../../src-main/train/train-step';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-packed-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const wave = (n: number, f: number, a = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * a);

describe('packed LoRA state', () => {
  it('gives the loss and gradients of separate inputs through one input and one output', async () => {
    const ckpt = await openCheckpoint(paths['tiny-sd1']);
    const cfg = FAMILIES['tiny-sd1'];
    const unet = componentOf(ckpt, 'unet');
    const modules = planTargets({ family: 'tiny-sd1', targetSet: 'transformer', rank: 4, alpha: 2 }).map(
      (target) => ({ target, rank: 4, alpha: 2 }),
    );
    const options = (packed: boolean) => ({
      config: cfg,
      modules,
      denoiser: (g: Parameters<typeof buildUNet>[0], inputs: Parameters<typeof buildUNet>[3]) =>
        buildUNet(g, cfg.unet, unet, inputs),
      shape: { batch: 1, height: 8, width: 8, contextLength: 77 },
      minSnrGamma: 5,
      checkpoint: UNET_BLOCK_SEGMENTS,
      packed,
    });
    const inputsOf = (packed: boolean) =>
      buildStepGraph(options(packed))
        .graph.nodes.filter((n) => n.op === 'Input')
        .map((n) => n.name);
    expect(inputsOf(true).filter((n) => n!.startsWith('lora.'))).toEqual(['lora.packed']);
    expect(inputsOf(false).filter((n) => n!.startsWith('lora.')).length).toBe(2 * modules.length);
    const [packed, separate] = [
      await compileTrainStep(options(true), { cacheDir: join(dir, 'onnx') }),
      await compileTrainStep(options(false), { cacheDir: join(dir, 'onnx') }),
    ];
    const params = new Map<string, Float32Array>();
    modules.forEach((m, i) => {
      const n = loraInputNames(m.target);
      params.set(n.down, wave(4 * m.target.inFeatures, 0.1 + i / 100, 0.2));
      params.set(n.up, wave(m.target.outFeatures * 4, 0.2 + i / 100, 0.1));
    });
    const c = cfg.unet.crossAttentionDim;
    const feeds: Record<string, TensorValue> = {
      [STEP_INPUTS.latents]: { dtype: 'f32', shape: [1, 4, 8, 8], data: wave(256, 0.3) },
      [STEP_INPUTS.noise]: { dtype: 'f32', shape: [1, 4, 8, 8], data: wave(256, 0.7) },
      [STEP_INPUTS.timesteps]: { dtype: 'i64', shape: [1], data: BigInt64Array.of(400n) },
      [STEP_INPUTS.context]: { dtype: 'f32', shape: [1, 77, c], data: wave(77 * c, 0.05) },
    };
    const [a, b] = [await packed.run(feeds, params), await separate.run(feeds, params)];
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6 * Math.abs(b.loss));
    expect([...a.grads.keys()].sort()).toEqual([...b.grads.keys()].sort());
    for (const [name, g] of b.grads) {
      const h = a.grads.get(name)!;
      expect(h.length).toBe(g.length);
      for (let i = 0; i < g.length; i++)
        expect(Math.abs(h[i] - g[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(g[i]));
    }
    packed.dispose();
    separate.dispose();
  });
});
