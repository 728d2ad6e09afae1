// Captioning throughput for `npm run bench caption`: N generated 768×512 JPEGs through the WD tagger
// pipeline on the CPU provider at the published input size (448² NHWC, 10,861 tags as wd-swinv2-tagger-v3)
// with the test suite's tiny random trunk. So the figure is Tessera's own cost per image (decode, pad,
// resize, pack, run, select tags); a real SwinV2/ViT trunk adds its compute on top. Figures, not pass/fail.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { squareImage } from '../src-main/dataset/image-decode';
import { seededRng } from '../src-main/random';
import { openWdTagger } from '../src-main/caption/wd-tagger/tagger';
import { makeTinyWdTagger, type TinyTag } from '../test/fixtures/tiny-wd-tagger';

/** The tag count of wd-swinv2-tagger-v3: 4 ratings, 8,106 general, 2,751 character tags. */
const TAGS: TinyTag[] = [
  ...['general', 'sensitive', 'questionable', 'explicit'].map((name) => ({ name, category: 9 as const })),
  ...Array.from({ length: 8106 }, (_, i) => ({ name: `tag_${i}`, category: 0 as const })),
  ...Array.from({ length: 2751 }, (_, i) => ({ name: `character_${i}`, category: 4 as const })),
];

export async function benchCaption(count = 24): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-caption-'));
  try {
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const rng = seededRng(i);
      const small = Buffer.from(Array.from({ length: 24 * 16 * 3 }, () => Math.floor(rng() * 256)));
      const path = join(dir, `${i}.jpg`);
      await sharp(small, { raw: { width: 24, height: 16, channels: 3 } })
        .resize(768, 512)
        .jpeg()
        .toFile(path);
      paths.push(path);
    }
    const t0 = performance.now();
    for (const path of paths) await squareImage(path, 448);
    const prep = (performance.now() - t0) / 1000;
    // A bias of -5 keeps the random head's tag count near a real caption's tens of tags.
    const folder = await makeTinyWdTagger(join(dir, 'wd'), {
      size: 448,
      tags: TAGS,
      bias: TAGS.map(() => -5),
    });
    const tagger = await openWdTagger(folder, { batchSize: 4 });
    try {
      await tagger.caption(paths.slice(0, 4));
      const t1 = performance.now();
      const captions = await tagger.caption(paths);
      const run = (performance.now() - t1) / 1000;
      return [
        `caption: ${count} images 768×512 JPEG, WD tagger pipeline at 448² NHWC, ${TAGS.length} tags, tiny random trunk, CPU, batch 4`,
        `  decode + pad + resize   ${(count / prep).toFixed(1)} images/s`,
        `  whole pipeline          ${(count / run).toFixed(1)} images/s (${run.toFixed(2)} s; ${captions[0].split(', ').length} tags on the first)`,
      ];
    } finally {
      await tagger.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
