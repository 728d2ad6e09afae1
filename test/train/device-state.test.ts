// Device-resident training state: the in-graph AdamW update equals the TypeScript AdamW, and a DeviceTrainer
// (state kept between steps) follows the same trajectory as host-side steps. On the CPU provider here; the
// WebGPU run is in test/gpu/device-state.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src-main/engine/runtime/compile';
import type { TensorValue } from '../../src-main/engine';
import { adamwUpdateGraph, DeviceTrainer } from '../../src-main/train/device-state';
import { AdamW } from '../../src-main/train/optim/adamw';
import { compileTrainStep } from '../../src-main/train/train-step';
import { resolveConfig } from '../../src-main/train/config';
import { runTraining, type BatchSource } from '../../src-main/train/loop';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { tinyStep, wave } from '../fixtures/tiny-step';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-device-state-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 0.5 };

/** Host reference: clip to the global norm, then the TypeScript AdamW. */
function hostUpdate(
  opt: AdamW,
  params: Map<string, Float32Array>,
  grads: Map<string, Float32Array>,
  lr: number,
) {
  let sq = 0;
  for (const g of grads.values()) for (const x of g) sq += x * x;
  const norm = Math.sqrt(sq);
  const scale = norm > settings.maxGradNorm ? settings.maxGradNorm / (norm + 1e-6) : 1;
  const scaled = new Map([...grads].map(([k, g]) => [k, g.map((x) => x * scale)]));
  opt.step(params, scaled, lr);
}

describe('adamwUpdateGraph', () => {
  it('equals the TypeScript AdamW with global-norm clipping', async () => {
    const n = 64;
    const p = wave(n, 0.3);
    const g = wave(n, 0.7, 2);
    const s = await compileGraph(adamwUpdateGraph(n), { cacheDir: join(dir, 'onnx') });
    const lr = 0.01;
    const hyper = Float32Array.from([
      lr,
      1 - 0.9,
      Math.sqrt(1 - 0.999),
      0.9,
      0.999,
      1e-8,
      1 - lr * 0.01,
      0.5,
    ]);
    const f = (d: Float32Array): TensorValue => ({ dtype: 'f32', shape: [d.length], data: d });
    const out = (await s.run({
      'opt.p': f(p),
      'opt.g': f(g),
      'opt.m': f(new Float32Array(n)),
      'opt.v': f(new Float32Array(n)),
      'opt.hyper': f(hyper),
    })) as Record<string, TensorValue>;
    const ref = new Map([['w', Float32Array.from(p)]]);
    hostUpdate(new AdamW(settings), ref, new Map([['w', g]]), lr);
    const got = out['opt.p.next'].data as Float32Array;
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - ref.get('w')![i])).toBeLessThan(1e-6);
    s.dispose();
  });
});

describe('DeviceTrainer', () => {
  it('three steps with the state kept in the sessions follow the host-side trajectory', async () => {
    const t = await tinyStep(paths['tiny-sd1']);
    const cache = { cacheDir: join(dir, 'onnx') };
    const device = await DeviceTrainer.create(t.options(), settings, cache, t.params);
    const hostStep = await compileTrainStep(t.options(), cache);
    const params = new Map([...t.params].map(([k, v]) => [k, Float32Array.from(v)]));
    const opt = new AdamW(settings);
    for (let i = 0; i < 3; i++) {
      const lr = 0.002;
      const a = await device.forward(t.feeds);
      await device.apply(lr);
      const b = await hostStep.run(t.feeds, params);
      hostUpdate(opt, params, b.grads, lr);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5 * Math.abs(b.loss));
    }
    const { params: got, state } = await device.download();
    for (const [name, want] of params) {
      const have = got.get(name)!;
      for (let i = 0; i < want.length; i++) expect(Math.abs(have[i] - want[i])).toBeLessThan(1e-5);
    }
    expect(state.scalars.step).toBe(3);
    // Round trip through the host format (what a checkpoint holds) keeps the trajectory.
    device.upload(got, state);
    expect((await device.download()).params.get(t.modules.length ? [...got.keys()][0] : '')).toEqual(
      [...got.values()][0],
    );
    device.dispose();
    hostStep.dispose();
  });
});

describe('runTraining with device-resident state', () => {
  it('follows the host loop (AdamW, clipping, checkpoints through the host format)', async () => {
    const t = await tinyStep(paths['tiny-sd1']);
    const cache = { cacheDir: join(dir, 'onnx') };
    const { latents, context } = t.feeds as Record<string, TensorValue>;
    const data: BatchSource = {
      batchesPerEpoch: 2,
      batch: async () => ({ feeds: { latents, context }, latentShape: latents.shape }),
    };
    const shapes = new Map([...t.params].map(([k, v]) => [k, [v.length]]));
    const copy = () => new Map([...t.params].map(([k, v]) => [k, Float32Array.from(v)]));
    const config = resolveConfig({
      resolution: 64,
      maxSteps: 4,
      saveEverySteps: 2,
      warmupSteps: 0,
      learningRate: 0.002,
      maxGradNorm: 0.5,
    });
    const final = async (runDir: string, withDevice: boolean) => {
      let last: Map<string, Float32Array> | null = null;
      const step = await compileTrainStep(t.options(), cache);
      const device = withDevice
        ? await DeviceTrainer.create(t.options(), { ...config, epsilon: config.epsilon }, cache, t.params)
        : undefined;
      await runTraining(
        { config, runDir, step, data, params: copy(), shapes, ...(device ? { device } : {}) },
        {
          exportAdapter: async (p) => (
            (last = new Map([...p].map(([k, v]) => [k, Float32Array.from(v)]))),
            'x'
          ),
        },
      );
      step.dispose();
      device?.dispose();
      return last!;
    };
    const host = await final(join(dir, 'host'), false);
    const dev = await final(join(dir, 'device'), true);
    for (const [name, want] of host) {
      const have = dev.get(name)!;
      for (let i = 0; i < want.length; i++) expect(Math.abs(have[i] - want[i])).toBeLessThan(1e-5);
    }
  });
});
