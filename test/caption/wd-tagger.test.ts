// The WD tagger end to end on ORT with a model the project emits itself (real input signature, exact
// arithmetic trunk: see test/fixtures/tiny-wd-tagger.ts), on real images decoded by sharp.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taggerInput, toTaggerTensor } from '../../src-main/caption/wd-tagger/preprocess';
import { openWdTagger } from '../../src-main/caption/wd-tagger/tagger';
import { makeTinyWdTagger, TINY_TAGS, tinyScore } from '../fixtures/tiny-wd-tagger';

// Columns follow TINY_TAGS: general sensitive questionable explicit 1girl long_hair red_theme blue_theme ^_^ hatsune_miku
//                 B    rows: B, G, R weights on channel means in 0–1
const HEAD = [
  [0, 0, 0, 0, 0, 0, -10, 10, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],
  [0, 0, 0, 0, 0, 0, 10, -10, 0, 0],
];
const BIAS = [2, -2, -2, -2, 0, -3, -1, -1, 1, -5];

let dir: string;
const solid = async (
  name: string,
  rgb: [number, number, number],
  width = 32,
  height = 32,
): Promise<string> => {
  const path = join(dir, name);
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(path);
  return path;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-wd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('preprocessing', () => {
  it('reads NHWC or NCHW and the size from the input signature, and packs BGR floats', () => {
    const nhwc = taggerInput({ name: 'input_1:0', dtype: 'f32', shape: ['unk__1', 448, 448, 3] }, 'm.onnx');
    expect(nhwc).toEqual({ name: 'input_1:0', layout: 'NHWC', size: 448, batch: null });
    const nchw = taggerInput({ name: 'pixels', dtype: 'f32', shape: [1, 3, 2, 2] }, 'm.onnx');
    expect(nchw).toEqual({ name: 'pixels', layout: 'NCHW', size: 2, batch: 1 });
    expect(() => taggerInput({ name: 'x', dtype: 'f32', shape: ['b', 77] }, '/m/model.onnx')).toThrow(
      /\/m\/model.onnx: input 'x'/,
    );
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(toTaggerTensor([rgb], { ...nchw, size: 2 }))).toEqual([
      3, 6, 9, 12, 2, 5, 8, 11, 1, 4, 7, 10,
    ]);
    expect(Array.from(toTaggerTensor([rgb], { ...nhwc, size: 2 }))).toEqual([
      3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10,
    ]);
  });
});

describe('openWdTagger', () => {
  it('scores as computed by hand and writes the tags by category and score', async () => {
    const folder = await makeTinyWdTagger(join(dir, 'v3'), { head: HEAD, bias: BIAS });
    const tagger = await openWdTagger(folder, {}, { threads: 1 });
    try {
      expect(tagger.input).toEqual({ name: 'input', layout: 'NHWC', size: 448, batch: null });
      const red = await solid('red.png', [255, 0, 0]);
      const green = await solid('green.png', [0, 255, 0]);
      const [redScores, greenScores] = await tagger.scores([red, green]);
      TINY_TAGS.forEach((_, j) => {
        expect(redScores[j]).toBeCloseTo(tinyScore([0, 0, 255], HEAD, BIAS, j), 5);
        expect(greenScores[j]).toBeCloseTo(tinyScore([0, 255, 0], HEAD, BIAS, j), 5);
      });
      // red: red_theme σ(9), ^_^ σ(1), 1girl σ(0) = 0.5; green: hatsune_miku σ(5) ≥ 0.85 first.
      expect(await tagger.caption([red, green])).toEqual([
        'red theme, ^_^, 1girl',
        'hatsune miku, ^_^, 1girl',
      ]);
    } finally {
      await tagger.dispose();
    }
  });

  it('takes its options: thresholds, rating, exclusions, and pads a wide image on white', async () => {
    const folder = join(dir, 'v3');
    const tagger = await openWdTagger(
      folder,
      { generalThreshold: 0.6, rating: true, exclude: ['^_^'] },
      { threads: 1 },
    );
    try {
      const wide = await solid('wide.png', [255, 0, 0], 64, 32);
      const [scores] = await tagger.scores([wide]);
      // Half the square is white padding: B and G means 0.5, R 1 → red_theme σ(10 − 5 − 1) = σ(4).
      expect(scores[6]).toBeCloseTo(1 / (1 + Math.exp(-4)), 2);
      expect(await tagger.caption([wide])).toEqual(['red theme, general']);
    } finally {
      await tagger.dispose();
    }
  });

  it('runs the v2 signature (input_1:0 → predictions_sigmoid), NCHW models and a fixed batch of 1', async () => {
    const v2 = await makeTinyWdTagger(join(dir, 'v2'), {
      head: HEAD,
      bias: BIAS,
      inputName: 'input_1:0',
      outputName: 'predictions_sigmoid',
      batch: 1,
    });
    const nchw = await makeTinyWdTagger(join(dir, 'nchw'), {
      head: HEAD,
      bias: BIAS,
      layout: 'NCHW',
      size: 64,
    });
    const images = [
      await solid('r.png', [255, 0, 0]),
      await solid('g.png', [0, 255, 0]),
      await solid('b.png', [0, 0, 255]),
    ];
    for (const folder of [v2, nchw]) {
      const tagger = await openWdTagger(folder, { batchSize: 2 }, { threads: 1 });
      try {
        expect(await tagger.caption(images)).toEqual([
          'red theme, ^_^, 1girl',
          'hatsune miku, ^_^, 1girl',
          'blue theme, ^_^, 1girl',
        ]);
      } finally {
        await tagger.dispose();
      }
    }
  });

  it('refuses a label file from another model, and names an unreadable image', async () => {
    const folder = await makeTinyWdTagger(join(dir, 'mismatch'));
    await writeFile(join(folder, 'selected_tags.csv'), 'tag_id,name,category,count\n1,1girl,0,1\n');
    await expect(openWdTagger(folder)).rejects.toThrow(
      /lists 1 tags: the two files are not from the same model/,
    );
    const tagger = await openWdTagger(join(dir, 'v3'), {}, { threads: 1 });
    const broken = join(dir, 'broken.png');
    await writeFile(broken, 'not a png');
    await expect(tagger.caption([broken])).rejects.toThrow(/broken\.png: cannot read the image/);
    await tagger.dispose();
  });
});
