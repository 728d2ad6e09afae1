// Memory-efficient attention on a real (tiny) UNet step: only attention cores are recomputed, the gradients
// are the same bits, and fewer bytes are live at the simulated peak than when the maps are kept.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateLiveness } from '../../src-main/engine/passes/liveness';
import { planTargets } from '../../src-main/lora/plan';
import { FAMILIES } from '../../src-main/models/families';
import { buildUNet } from '../../src-main/models/unet';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import {
  ATTENTION_CORE_SEGMENTS,
  buildStepGraph,
  type StepGraphOptions,
} from '../../src-main/train/step-graph';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let options: Omit<StepGraphOptions, 'checkpoint'>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-attn-recompute-'));
  const paths = await makeTinyCheckpoints(join(dir, 'm'));
  const ckpt = await openCheckpoint(paths['tiny-sd1']);
  const family = FAMILIES['tiny-sd1'];
  const weights = componentOf(ckpt, 'unet');
  const modules = planTargets({ family: 'tiny-sd1', targetSet: 'attention', rank: 2, alpha: 2 }).map(
    (target) => ({ target, rank: 2, alpha: 2 }),
  );
  options = {
    config: family,
    modules,
    denoiser: (g, inputs) => buildUNet(g, family.unet, weights, inputs),
    // 32×32 latents: 1024-token attention, where the maps dominate as in a full-size UNet.
    shape: { batch: 1, height: 32, width: 32, contextLength: 77 },
    packed: true,
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ATTENTION_CORE_SEGMENTS', () => {
  it('names one segment per attention core or query chunk, and leaves projections and norms alone', () => {
    const scope = 'input_blocks.1.1.transformer_blocks.0.attn1';
    expect(ATTENTION_CORE_SEGMENTS(scope)).toBe(scope);
    expect(ATTENTION_CORE_SEGMENTS(`${scope}.q_chunk3`)).toBe(`${scope}.q_chunk3`);
    expect(ATTENTION_CORE_SEGMENTS(`${scope}.to_q`)).toBeUndefined();
    expect(ATTENTION_CORE_SEGMENTS('input_blocks.1.1.transformer_blocks.0.norm1')).toBeUndefined();
    expect(ATTENTION_CORE_SEGMENTS('input_blocks.1.0.in_layers.2')).toBeUndefined();
  });

  it('keeps fewer bytes live at the peak of a UNet step than keeping the attention maps', () => {
    const kept = buildStepGraph(options);
    const recomputed = buildStepGraph({ ...options, checkpoint: ATTENTION_CORE_SEGMENTS });
    const a = simulateLiveness(kept.outputs, kept.loss);
    const b = simulateLiveness(recomputed.outputs, recomputed.loss);
    expect(b.ops).toBeGreaterThan(a.ops); // the recomputed cores
    expect(b.peakBytes).toBeLessThan(0.9 * a.peakBytes);
  });
});
