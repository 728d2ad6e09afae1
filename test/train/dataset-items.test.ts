import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { scanDataset } from '../../src-main/train/dataset-items';

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const png = (w: number, h: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#884422' } })
    .png()
    .toBuffer();

describe('scanDataset', () => {
  it('reads captions, repeats and buckets, and reports what cannot be used', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-scan-'));
    await writeFile(join(dir, 'wide.png'), await png(768, 512));
    await writeFile(join(dir, 'wide.txt'), 'ink, wide\n');
    await mkdir(join(dir, '3_style'));
    await writeFile(join(dir, '3_style', 'tall.png'), await png(512, 768));
    await writeFile(join(dir, 'broken.png'), Buffer.from('not a png'));
    const { items, skipped, captioned } = await scanDataset(dir, 512);
    expect(items.map((i) => [i.id, i.caption, i.repeats, i.bucket])).toEqual([
      ['3_style/tall.png', '', 3, { width: 384, height: 640 }],
      ['wide.png', 'ink, wide', 1, { width: 640, height: 384 }],
    ]);
    expect(captioned).toBe(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].path).toBe(join(dir, 'broken.png'));
  });
});
