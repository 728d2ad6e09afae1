import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseA1111Parameters, readPngText } from '../../src-main/formats/png-text';
import { loadLoRA } from '../../src-main/lora/load';
import { CheckpointModel } from '../../src-main/sample/checkpoint-model';
import { SAMPLERS, type SamplerName } from '../../src-main/sample/samplers/index';
import { sampleLatents, txt2img } from '../../src-main/sample/txt2img';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { testTokenizer } from '../fixtures/tokenizer';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-ckmodel-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = {
  prompt: 'an ink cat',
  negative: 'blurry',
  seed: 3,
  steps: 4,
  cfg: 6,
  sampler: 'euler' as const,
  width: 32,
  height: 32,
};

describe('CheckpointModel + txt2img on real (tiny) checkpoints', () => {
  it('every sampler is deterministic for a seed on a real tiny model, and the seed matters', async () => {
    const model = await CheckpointModel.open(paths['tiny-sd1'], {
      tokenizer: testTokenizer(),
      cacheDir: join(dir, 'onnx'),
      hash: false,
    });
    for (const sampler of Object.keys(SAMPLERS) as SamplerName[]) {
      const req = { ...request, sampler, steps: 3 };
      const [a, b, c] = [
        await sampleLatents(model, req),
        await sampleLatents(model, req),
        await sampleLatents(model, { ...req, seed: 4 }),
      ];
      expect(Array.from(a), sampler).toEqual(Array.from(b));
      expect(Array.from(a), sampler).not.toEqual(Array.from(c));
      expect(a.every(Number.isFinite), sampler).toBe(true);
    }
    model.dispose();
  });

  for (const id of ['tiny-sd1', 'tiny-sdxl'] as const) {
    it(`${id}: renders a deterministic PNG; the LoRA at strength 0 equals the base model and at 1 differs`, async () => {
      const model = await CheckpointModel.open(paths[id], {
        tokenizer: testTokenizer(),
        cacheDir: join(dir, 'onnx'),
      });
      const base = await txt2img(model, request);
      const again = await txt2img(model, request);
      expect(Buffer.from(base.png).equals(Buffer.from(again.png))).toBe(true);
      const meta = await sharp(Buffer.from(base.png)).metadata();
      expect([meta.width, meta.height]).toEqual([32, 32]);
      const params = parseA1111Parameters(
        readPngText(base.png).find((e) => e.keyword === 'parameters')!.text,
      );
      expect(params.fields['Model hash']).toBe(model.hash);
      expect(model.hash).toMatch(/^[0-9a-f]{10}$/);
      const { adapter } = await loadLoRA(paths[`${id}-lora`]);
      model.setLoRA(adapter, 0);
      const zero = await txt2img(model, request);
      expect(Array.from(zero.latents)).toEqual(Array.from(base.latents));
      model.setLoRA(adapter, 1);
      const full = await txt2img(model, { ...request, lora: { name: 'tiny', strength: 1 } });
      expect(Array.from(full.latents)).not.toEqual(Array.from(base.latents));
      model.dispose();
    });
  }
});
