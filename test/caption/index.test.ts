// openCaptioner dispatches on the catalogue entry's kind and hands the tagger its options.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntry, openCaptioner } from '../../src-main/caption/index';
import { makeTinyWdTagger } from '../fixtures/tiny-wd-tagger';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-open-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openCaptioner', () => {
  it('opens a WD tagger entry over its folder, with the tagger options given', async () => {
    // Only a bias: every image scores σ(2) on 1girl and σ(-2) elsewhere, so the options decide the caption.
    const bias = [3, -3, -3, -3, 2, -2, -2, -2, -2, -2];
    const folder = await makeTinyWdTagger(join(dir, 'wd'), {
      head: [0, 1, 2].map(() => bias.map(() => 0)),
      bias,
    });
    const image = join(dir, 'a.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toFile(image);
    const entry = catalogueEntry('wd-vit-v3');
    const plain = await openCaptioner(entry, folder, { session: { threads: 1 } });
    const rated = await openCaptioner(entry, folder, {
      tagger: { rating: true, generalThreshold: 0.1 },
      session: { threads: 1 },
    });
    try {
      expect(plain.kind).toBe('wd-tagger');
      expect(await plain.caption([image])).toEqual(['1girl']);
      expect(await rated.caption([image])).toEqual(['1girl, long hair, red theme, blue theme, ^_^, general']);
    } finally {
      await plain.dispose();
      await rated.dispose();
    }
  });
});
