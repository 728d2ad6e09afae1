// The training step on the WebGPU provider (the path GPUs take), against the CPU provider on the same
// emitted graph: f32 and the f16 policy. Skipped with the reason where WebGPU cannot start.
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
import { STEP_INPUTS } from '../../src-main/train/step-graph';
import { compileTrainStep } from '../../src-main/train/train-step';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { webgpuUnavailable } from './gate';

const reason = await webgpuUnavailable();
let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-gpu-step-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const wave = (n: number, f: number, a = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * a);

describe.skipIf(reason !== null)(`training step on WebGPU${reason ? ` (skipped: ${reason})` : ''}`, () => {
  // f16 is what GPU providers train in; f32 on WebGPU is the same graph minus the casts (and slower on lavapipe).
  for (const precision of ['f16'] as const) {
    it(`${precision}: loss and LoRA gradients match the CPU provider`, async () => {
      const ckpt = await openCheckpoint(paths['tiny-sd1']);
      const cfg = FAMILIES['tiny-sd1'];
      const unet = componentOf(ckpt, 'unet');
      const modules = planTargets({ family: 'tiny-sd1', targetSet: 'attention', rank: 4, alpha: 4 }).map(
        (target) => ({ target, rank: 4, alpha: 4 }),
      );
      const make = (providers: readonly ('webgpu' | 'cpu')[]) =>
        compileTrainStep(
          {
            config: cfg,
            modules,
            denoiser: (g, inputs) => buildUNet(g, cfg.unet, unet, inputs),
            shape: { batch: 1, height: 8, width: 8, contextLength: 77 },
            precision,
          },
          { cacheDir: join(dir, 'onnx'), providers },
        );
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
        ...(precision === 'f16'
          ? { [STEP_INPUTS.lossScale]: { dtype: 'f32', shape: [], data: Float32Array.of(256) } }
          : {}),
      };
      const [cpu, gpu] = [await make(['cpu']), await make(['webgpu'])];
      const a = await cpu.run(feeds, params);
      const b = await gpu.run(feeds, params);
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(precision === 'f16' ? 1e-2 : 1e-4);
      let num = 0;
      let den = 0;
      for (const [name, g] of a.grads) {
        const h = b.grads.get(name)!;
        for (let i = 0; i < g.length; i++) {
          num += (g[i] - h[i]) ** 2;
          den += g[i] ** 2;
        }
      }
      expect(Math.sqrt(num / den)).toBeLessThan(precision === 'f16' ? 5e-2 : 1e-3);
      cpu.dispose();
      gpu.dispose();
    });
  }
});
