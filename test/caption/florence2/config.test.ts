import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadFlorence2Config,
  parseGeneration,
  parsePreprocess,
} from '../../../src-main/caption/florence2/config';
import { FLORENCE2_TASKS, taskPrompt } from '../../../src-main/caption/florence2/tasks';
import { makeTinyFlorence2 } from '../../fixtures/tiny-florence2';

describe('parseGeneration', () => {
  it('reads text_config, lets generation_config win, and falls back to the published values', () => {
    const g = parseGeneration(
      { text_config: { decoder_start_token_id: 5, no_repeat_ngram_size: 4, forced_bos_token_id: null } },
      { no_repeat_ngram_size: 2, num_beams: 4 },
    );
    expect(g).toEqual({
      decoderStartId: 5,
      eosId: 2,
      forcedBosId: null,
      forcedEosId: 2,
      noRepeatNgram: 2,
      beams: 4,
      lengthPenalty: 1,
      earlyStopping: false,
      maxNewTokens: 256,
      maxPositions: null,
    });
    // The decoder's position table bounds every caption (BART's is 1024 in the published models).
    expect(parseGeneration({ text_config: { max_position_embeddings: 1024 } }, {}).maxPositions).toBe(1024);
  });
});

describe('parsePreprocess', () => {
  it('reads size, rescale and the per-channel mean and std', () => {
    expect(
      parsePreprocess({
        size: { height: 768, width: 768 },
        rescale_factor: 1 / 255,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.25, 0.5, 1],
      }),
    ).toEqual({ width: 768, height: 768, rescale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] });
  });

  it('names the file and the field that is wrong', () => {
    expect(() =>
      parsePreprocess({ size: { height: 768, width: 768 }, image_mean: [1, 2] }, '/m/pre.json'),
    ).toThrow('/m/pre.json: image_mean must be three numbers');
    expect(() => parsePreprocess({}, '/m/pre.json')).toThrow(
      '/m/pre.json: size.width and size.height are required',
    );
  });
});

describe('loadFlorence2Config', () => {
  it('reads the tiny export and names a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-f2-config-'));
    try {
      await makeTinyFlorence2(dir);
      const config = await loadFlorence2Config(dir);
      expect(config.generation).toMatchObject({
        decoderStartId: 2,
        forcedBosId: 0,
        noRepeatNgram: 3,
        beams: 3,
      });
      expect(config.preprocess).toMatchObject({ width: 768, height: 768, mean: [0.485, 0.456, 0.406] });
      await writeFile(join(dir, 'config.json'), '{not json');
      await expect(loadFlorence2Config(dir)).rejects.toThrow(`${join(dir, 'config.json')} is not valid JSON`);
      await unlink(join(dir, 'onnx/embed_tokens.onnx'));
      await expect(loadFlorence2Config(dir)).rejects.toThrow(
        `${join(dir, 'onnx/embed_tokens.onnx')} is missing`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('taskPrompt', () => {
  it("rewrites each task as Florence-2's processor does", () => {
    expect(FLORENCE2_TASKS.map(taskPrompt)).toEqual([
      'What does the image describe?',
      'Describe in detail what is shown in the image.',
      'Describe with a paragraph what is shown in the image.',
    ]);
    expect(taskPrompt('<MORE_DETAILED_CAPTION>')).toBe(taskPrompt('more-detailed'));
    expect(() => taskPrompt('<OD>')).toThrow(
      "unknown Florence-2 task '<OD>': use one of caption, detailed, more-detailed",
    );
  });
});
