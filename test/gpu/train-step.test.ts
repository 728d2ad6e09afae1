// The training step on the WebGPU provider (the path GPUs take), against the CPU provider on the same
// emitted graph, in the f16 policy GPUs train with. Skipped with the reason where WebGPU cannot start.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTrainStep } from '../../src-main/train/train-step';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { lossScaleFeed, relativeGradError, tinyStep } from '../fixtures/tiny-step';
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

describe.skipIf(reason !== null)(`training step on WebGPU${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('f16: loss and LoRA gradients match the CPU provider (packed state, same graph)', async () => {
    const t = await tinyStep(paths['tiny-sd1']);
    const make = (providers: readonly ('webgpu' | 'cpu')[]) =>
      compileTrainStep(t.options({ precision: 'f16' }), { cacheDir: join(dir, 'onnx'), providers });
    const feeds = { ...t.feeds, ...lossScaleFeed(256) };
    const [cpu, gpu] = [await make(['cpu']), await make(['webgpu'])];
    const a = await cpu.run(feeds, t.params);
    const b = await gpu.run(feeds, t.params);
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-2);
    expect(relativeGradError(a.grads, b.grads)).toBeLessThan(5e-2);
    cpu.dispose();
    gpu.dispose();
  });
});
