import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseA1111Parameters, readPngText } from '../../src-main/formats/png-text';
import { parsePromptLine } from '../../src-main/sample/prompt-file';
import {
  requestFromPrompt,
  txt2img,
  type DiffusionModel,
  type UNetRequest,
} from '../../src-main/sample/txt2img';

/** An analytic model: ε = 0.1·x for the uncond row and 0.1·x + c for the cond row, a linear "decoder". */
function analyticModel(calls: UNetRequest[]): DiffusionModel {
  return {
    prediction: 'epsilon',
    latentChannels: 4,
    downscale: 8,
    hash: 'abcdef0123',
    name: 'analytic',
    async encodePrompt(text) {
      return { context: Float32Array.of(text.length), tokens: 77 };
    },
    async unet(req) {
      calls.push(req);
      const per = req.x.length / req.batch;
      return req.x.map((v, i) => 0.1 * v + 0.001 * req.conds[Math.floor(i / per)].context[0]);
    },
    async decode(latents, width, height) {
      const plane = width * height;
      const out = new Float32Array(3 * plane);
      const lw = width / 8;
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < plane; i++) {
          const [y, x] = [Math.floor(i / width / 8), Math.floor((i % width) / 8)];
          out[c * plane + i] = Math.tanh(latents[c * (plane / 64) + y * lw + x]);
        }
      return out;
    },
  };
}

describe('txt2img', () => {
  const req = {
    prompt: 'a red fox, ink',
    negative: 'blurry',
    seed: 7,
    steps: 6,
    cfg: 5,
    sampler: 'euler_a' as const,
    width: 32,
    height: 24,
  };

  it('is deterministic per seed, batches [uncond; cond] for CFG, and writes A1111 parameters', async () => {
    const calls: UNetRequest[] = [];
    const a = await txt2img(analyticModel(calls), { ...req, lora: { name: 'style', strength: 0.8 } });
    const b = await txt2img(analyticModel([]), { ...req, lora: { name: 'style', strength: 0.8 } });
    const c = await txt2img(analyticModel([]), { ...req, seed: 8 });
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
    expect(Array.from(a.latents)).not.toEqual(Array.from(c.latents));
    expect(calls).toHaveLength(6);
    expect(calls[0]).toMatchObject({ batch: 2, width: 32, height: 24 });
    expect(calls[0].x).toHaveLength(2 * 4 * 3 * 4);
    const meta = await sharp(Buffer.from(a.png)).metadata();
    expect([meta.width, meta.height]).toEqual([32, 24]);
    const text = readPngText(a.png).find((e) => e.keyword === 'parameters')!.text;
    const parsed = parseA1111Parameters(text);
    expect(parsed.prompt).toBe('a red fox, ink <lora:style:0.8>');
    expect(parsed.negative).toBe('blurry');
    expect(parsed.fields).toMatchObject({
      Steps: '6',
      Sampler: 'Euler a',
      'CFG scale': '5',
      Seed: '7',
      Size: '32x24',
      'Model hash': 'abcdef0123',
    });
  });

  it('skips the unconditional half at CFG 1 and refuses sizes that are not multiples of 8', async () => {
    const calls: UNetRequest[] = [];
    await txt2img(analyticModel(calls), { ...req, cfg: 1, sampler: 'ddim' });
    expect(calls.every((c) => c.batch === 1)).toBe(true);
    await expect(txt2img(analyticModel([]), { ...req, width: 30 })).rejects.toThrow(/multiple of 8/);
  });
});

describe('requestFromPrompt', () => {
  it('takes the prompt line options, the fallback seed, and Euler a for unknown samplers', () => {
    expect(
      requestFromPrompt(parsePromptLine('ink --n blurry --w 768 --h 512 --s 12 --l 5 --ss dpmpp_2m', 0), 42),
    ).toEqual({
      prompt: 'ink',
      negative: 'blurry',
      seed: 42,
      steps: 12,
      cfg: 5,
      sampler: 'dpmpp_2m',
      width: 768,
      height: 512,
    });
    expect(requestFromPrompt(parsePromptLine('ink --d 7 --ss k_lms', 0), 42)).toMatchObject({
      seed: 7,
      sampler: 'euler_a',
    });
  });
});
