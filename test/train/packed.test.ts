// Packed LoRA state: one `lora.packed` input and one `grad.packed` output instead of two per adapted layer,
// with the same loss and gradients as the separate-input graph.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStepGraph, UNET_BLOCK_SEGMENTS } from '../../src-main/train/step-graph';
import { compileTrainStep } from '../../src-main/train/train-step';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { relativeGradError, tinyStep } from '../fixtures/tiny-step';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-packed-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('packed LoRA state', () => {
  it('gives the loss and gradients of separate inputs through one input and one output', async () => {
    const t = await tinyStep(paths['tiny-sd1'], 'transformer');
    const options = (packed: boolean) => t.options({ checkpoint: UNET_BLOCK_SEGMENTS, packed });
    const loraInputs = (packed: boolean) =>
      buildStepGraph(options(packed))
        .graph.nodes.filter((n) => n.op === 'Input' && n.name!.startsWith('lora.'))
        .map((n) => n.name);
    expect(loraInputs(true)).toEqual(['lora.packed']);
    expect(loraInputs(false).length).toBe(2 * t.modules.length);
    const cache = { cacheDir: join(dir, 'onnx') };
    const [packed, separate] = [
      await compileTrainStep(options(true), cache),
      await compileTrainStep(options(false), cache),
    ];
    const [a, b] = [await packed.run(t.feeds, t.params), await separate.run(t.feeds, t.params)];
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6 * Math.abs(b.loss));
    expect([...a.grads.keys()].sort()).toEqual([...b.grads.keys()].sort());
    expect(relativeGradError(b.grads, a.grads)).toBeLessThan(1e-5);
    packed.dispose();
    separate.dispose();
  });
});
