// Classifier-free guidance: the combine formula, one batched call with [uncond, cond], and the scale-1 shortcut.
import { describe, expect, it } from 'vitest';
import { type BatchedDenoiser, combineGuidance, guided } from '../../src-main/sample/cfg';

describe('cfg', () => {
  it('combines uncond + scale·(cond − uncond)', () => {
    expect(Array.from(combineGuidance([1, 0], [3, 2], 7.5))).toEqual([16, 15]);
  });

  it('batches uncond and cond into one model call, in that order', async () => {
    const calls: string[][] = [];
    const model: BatchedDenoiser<string> = async (x, sigma, conds) => {
      calls.push([...conds]);
      // Row i returns x + (i + 1)·σ so the halves are distinguishable.
      const half = x.length / conds.length;
      return x.map((v, j) => v + (Math.floor(j / half) + 1) * sigma);
    };
    const out = await guided(model, { cond: 'cat', uncond: '', scale: 3 })(Float32Array.from([1, 2]), 0.5);
    expect(calls).toEqual([['', 'cat']]);
    // uncond = x + 0.5, cond = x + 1 ⇒ x + 0.5 + 3·0.5
    expect(Array.from(out)).toEqual([3, 4]);
  });

  it('skips the unconditional half at scale 1', async () => {
    const calls: number[] = [];
    const model: BatchedDenoiser<string> = async (x, _sigma, conds) => {
      calls.push(conds.length);
      return x;
    };
    await guided(model, { cond: 'a', uncond: '', scale: 1 })(Float32Array.from([1]), 1);
    expect(calls).toEqual([1]);
  });
});
