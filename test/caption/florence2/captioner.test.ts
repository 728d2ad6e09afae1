// openFlorence2Captioner end to end at the real input size (768×768): image files in, captions out, each
// equal to the plain-TypeScript recomputation of the same random model, and each option shown by its effect.
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BartTokenizer } from '../../../src-main/caption/florence2/bart-tokenizer';
import { loadFlorence2Config } from '../../../src-main/caption/florence2/config';
import { beamDecode, type DecodeSettings } from '../../../src-main/caption/florence2/generate';
import {
  openFlorence2Captioner,
  taskPrompt,
  type Florence2Options,
} from '../../../src-main/caption/florence2';
import { florencePixels } from '../../../src-main/dataset/florence-pixels';
import { makeTinyFlorence2, type TinyFlorence2 } from '../../fixtures/tiny-florence2';
import { referenceEncode, referenceImageFeatures, referenceLogits } from './reference';

let tiny: TinyFlorence2;
let images: string[];

beforeAll(async () => {
  tiny = await makeTinyFlorence2(await mkdtemp(join(tmpdir(), 'tessera-f2-captioner-')));
  images = [];
  for (const [i, [w, h]] of [
    [640, 480],
    [300, 900],
  ].entries()) {
    const data = Buffer.alloc(w * h * 3);
    // Smooth gradients, different per image: the tiny vision stand-in only sees 192-pixel block means.
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const rgb = i === 0 ? [(x * 255) / w, 40, 200] : [200, (y * 255) / h, 30];
        data.set(rgb, (y * w + x) * 3);
      }
    const path = join(tiny.dir, `photo${i}.png`);
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(path);
    images.push(path);
  }
});
afterAll(() => rm(tiny.dir, { recursive: true, force: true }));

/** The caption the plain-TypeScript model gives for one image under `options`. */
async function referenceCaption(path: string, options: Florence2Options): Promise<string> {
  const config = await loadFlorence2Config(tiny.dir);
  const tokenizer = await BartTokenizer.fromFolder(tiny.dir);
  const { width, height } = config.preprocess;
  const pixels = await florencePixels(path, config.preprocess);
  const encoder = referenceEncode(
    tiny.weights,
    referenceImageFeatures(tiny.weights, pixels, height, width),
    tokenizer.encode(taskPrompt(options.task)),
  );
  const settings: DecodeSettings = { ...config.generation, maxNewTokens: options.maxNewTokens ?? 256 };
  const tokens = await beamDecode(
    async (rows) => rows.map((r) => referenceLogits(tiny.weights, encoder, r)),
    settings,
    options.beams ?? config.generation.beams,
  );
  return tokenizer.decode(tokens).trim();
}

async function captions(options: Florence2Options): Promise<string[]> {
  const captioner = await openFlorence2Captioner(tiny.dir, options, { threads: 1 });
  try {
    expect(captioner.kind).toBe('florence2');
    return await captioner.caption(images);
  } finally {
    await captioner.dispose();
  }
}

describe('openFlorence2Captioner', () => {
  it('captions each image as the reference model does (greedy, with and without the cache)', async () => {
    const options: Florence2Options = { task: 'caption', beams: 1, maxNewTokens: 8 };
    const want = await Promise.all(images.map((p) => referenceCaption(p, options)));
    expect(want[0]).not.toBe(want[1]);
    expect(await captions(options)).toEqual(want);
    expect(await captions({ ...options, useCache: false })).toEqual(want);
  });

  it('beams: the default (3, from generation_config) beam search matches the reference and differs from greedy', async () => {
    const options: Florence2Options = { task: 'caption', maxNewTokens: 12 };
    const want = await Promise.all(images.map((p) => referenceCaption(p, options)));
    const greedy = await Promise.all(images.map((p) => referenceCaption(p, { ...options, beams: 1 })));
    expect(want).not.toEqual(greedy);
    expect(await captions(options)).toEqual(want);
    expect(await captions({ ...options, beams: 3 })).toEqual(want);
  });

  it('task: each task reads its own prompt', async () => {
    const detailed = await captions({ task: 'more-detailed', beams: 1, maxNewTokens: 8 });
    expect(detailed[0]).toBe(
      await referenceCaption(images[0], { task: 'more-detailed', beams: 1, maxNewTokens: 8 }),
    );
    expect(detailed[0]).not.toBe((await captions({ task: 'caption', beams: 1, maxNewTokens: 8 }))[0]);
  });

  it('maxNewTokens: a shorter limit cuts the caption (the last token is the forced </s>)', async () => {
    const short = await captions({ task: 'caption', beams: 1, maxNewTokens: 4 });
    const long = await captions({ task: 'caption', beams: 1, maxNewTokens: 8 });
    expect(short[0]).toBe(await referenceCaption(images[0], { task: 'caption', beams: 1, maxNewTokens: 4 }));
    expect(short[0].length).toBeLessThan(long[0].length);
  });

  it('stops between images when aborted', async () => {
    const captioner = await openFlorence2Captioner(tiny.dir, { task: 'caption', beams: 1, maxNewTokens: 4 });
    const controller = new AbortController();
    controller.abort();
    await expect(captioner.caption(images, controller.signal)).rejects.toThrow(/abort/i);
    await captioner.dispose();
  });

  it('refuses bad options and incomplete folders with the fix in the message', async () => {
    await expect(openFlorence2Captioner(tiny.dir, { task: 'caption', beams: 0 })).rejects.toThrow(
      'Florence-2 beams must be a whole number ≥ 1, got 0',
    );
    await expect(openFlorence2Captioner(tiny.dir, { task: 'tags' as 'caption' })).rejects.toThrow(
      "unknown Florence-2 task 'tags'",
    );
    const other = await mkdtemp(join(tmpdir(), 'tessera-f2-incomplete-'));
    try {
      await makeTinyFlorence2(other);
      await unlink(join(other, 'onnx/vision_encoder.onnx'));
      await expect(openFlorence2Captioner(other, { task: 'caption' })).rejects.toThrow(
        `${join(other, 'onnx/vision_encoder.onnx')} is missing`,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
