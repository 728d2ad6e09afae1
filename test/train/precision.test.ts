// The f16 training path (what GPU providers run), exercised on ORT's CPU provider: same loss and gradients
// as f32 within f16 tolerance, and an overflowing loss scale reported as not finite.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTrainStep } from '../../src-main/train/train-step';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { lossScaleFeed, relativeGradError, tinyStep } from '../fixtures/tiny-step';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-f16-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('f16 training step', () => {
  it('matches the f32 step within f16 tolerance and flags an overflowing loss scale', async () => {
    const t = await tinyStep(paths['tiny-sd1']);
    const cache = { cacheDir: join(dir, 'onnx') };
    const [f32, f16] = [
      await compileTrainStep(t.options({ precision: 'f32' }), cache),
      await compileTrainStep(t.options({ precision: 'f16' }), cache),
    ];
    const a = await f32.run(t.feeds, t.params);
    const b = await f16.run({ ...t.feeds, ...lossScaleFeed(1024) }, t.params);
    expect(b.allFinite).toBe(true);
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-2);
    expect(relativeGradError(a.grads, b.grads)).toBeLessThan(5e-2);
    const overflow = await f16.run({ ...t.feeds, ...lossScaleFeed(1e30) }, t.params);
    expect(overflow.allFinite).toBe(false);
    f32.dispose();
    f16.dispose();
  });
});
