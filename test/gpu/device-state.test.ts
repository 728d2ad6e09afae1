// Device-resident training state on WebGPU: parameters, AdamW moments and gradients stay in GPU buffers
// between steps and follow the CPU provider's trajectory. Skipped with the reason where WebGPU cannot start.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceTrainer } from '../../src-main/train/device-state';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { lossScaleFeed, tinyStep } from '../fixtures/tiny-step';
import { webgpuUnavailable } from './gate';

const reason = await webgpuUnavailable();
let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-gpu-state-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };

describe.skipIf(reason !== null)(
  `device-resident state on WebGPU${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    it('keeps parameters and moments on the device for two f16 steps, matching the CPU provider', async () => {
      const t = await tinyStep(paths['tiny-sd1']);
      const feeds = { ...t.feeds, ...lossScaleFeed(256) };
      const run = async (providers: readonly ('webgpu' | 'cpu')[]) => {
        const d = await DeviceTrainer.create(
          t.options({ precision: 'f16' }),
          settings,
          { cacheDir: join(dir, 'onnx'), providers },
          t.params,
        );
        for (let i = 0; i < 2; i++) {
          await d.forward(feeds);
          await d.apply(0.002);
        }
        const resident = d.resident;
        const { params } = await d.download();
        d.dispose();
        return { params, resident };
      };
      const [gpu, cpu] = [await run(['webgpu']), await run(['cpu'])];
      expect(gpu.resident).toBe(true);
      expect(cpu.resident).toBe(false);
      // Adam moves each weight by about lr per step whatever the gradient's size, so f16-vs-f32 gradient noise
      // shows as O(lr) differences in small-gradient weights; compare the direction of the whole update instead.
      let [dot, ng, nc] = [0, 0, 0];
      for (const [name, start] of t.params) {
        const [g, c] = [gpu.params.get(name)!, cpu.params.get(name)!];
        for (let i = 0; i < start.length; i++) {
          const [dg, dc] = [g[i] - start[i], c[i] - start[i]];
          dot += dg * dc;
          ng += dg * dg;
          nc += dc * dc;
        }
      }
      expect(dot / Math.sqrt(ng * nc)).toBeGreaterThan(0.95);
    });
  },
);
