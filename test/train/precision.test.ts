// The f16 training path (what GPU providers run), exercised on ORT's CPU provider: same loss and gradients
// as f32 within f16 tolerance, and an overflowing loss scale reported as not finite.
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

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-f16-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const wave = (n: number, f: number, a = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * a);

describe('f16 training step', () => {
  it('matches the f32 step within f16 tolerance and flags an overflowing loss scale', async () => {
    const ckpt = await openCheckpoint(paths['tiny-sd1']);
    const cfg = FAMILIES['tiny-sd1'];
    const unet = componentOf(ckpt, 'unet');
    const modules = planTargets({ family: 'tiny-sd1', targetSet: 'attention', rank: 4, alpha: 4 }).map(
      (target) => ({ target, rank: 4, alpha: 4 }),
    );
    const make = (precision: 'f32' | 'f16') =>
      compileTrainStep(
        {
          config: cfg,
          modules,
          denoiser: (g, inputs) => buildUNet(g, cfg.unet, unet, inputs),
          shape: { batch: 1, height: 8, width: 8, contextLength: 77 },
          minSnrGamma: 5,
          precision,
        },
        { cacheDir: join(dir, 'onnx') },
      );
    const [f32, f16] = [await make('f32'), await make('f16')];
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
    const scale = (s: number): Record<string, TensorValue> => ({
      [STEP_INPUTS.lossScale]: { dtype: 'f32', shape: [], data: Float32Array.of(s) },
    });
    const a = await f32.run(feeds, params);
    const b = await f16.run({ ...feeds, ...scale(1024) }, params);
    expect(b.allFinite).toBe(true);
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-2);
    let num = 0;
    let den = 0;
    for (const [name, g] of a.grads) {
      const h = b.grads.get(name)!;
      for (let i = 0; i < g.length; i++) {
        num += (g[i] - h[i]) ** 2;
        den += g[i] ** 2;
      }
    }
    expect(Math.sqrt(num / den)).toBeLessThan(5e-2);
    const overflow = await f16.run({ ...feeds, ...scale(1e30) }, params);
    expect(overflow.allFinite).toBe(false);
    f32.dispose();
    f16.dispose();
  });
});
