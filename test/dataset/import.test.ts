import { lstat, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src-main/dataset/hash';
import { importImages, type ImportReport } from '../../src-main/dataset/import';
import { thumbPathFor } from '../../src-main/dataset/thumbs';
import { canvas, makeZoo, tempDir, TEST_PIXEL_LIMIT } from './make-images';

const EXPECTED_SKIPS: Record<string, RegExp> = {
  'truncated.jpg': /cannot decode: VipsJpeg: premature end of JPEG image/,
  'text.png': /not an image/,
  'empty.png': /empty file \(0 bytes\)/,
  'old.bmp': /BMP is not supported by sharp\/libvips/,
  'tiny.png': /too small: 100×80/,
  'bomb.png': /too many pixels: 3000×3000 exceeds the limit/,
  'plain.jpg': /duplicate of copy-of-plain\.jpg/,
};

describe('importImages on a zoo of real files', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let report: ImportReport;
  const progress: [number, number, string][] = [];

  beforeAll(async () => {
    root = await tempDir('import');
    const drop = join(root.dir, 'drop');
    await mkdir(drop);
    await makeZoo(drop);
    await writeFile(join(drop, 'lossless.png.txt'), 'not a sidecar of anything');
    await writeFile(join(drop, 'lossless.txt'), '\uFEFFred, square');
    await writeFile(join(drop, 'cmyk.caption'), 'ink');
    report = await importImages([drop], {
      datasetDir: join(root.dir, 'project', 'dataset'),
      thumbsDir: join(root.dir, 'project', 'cache', 'thumbs'),
      pixelLimit: TEST_PIXEL_LIMIT,
      minSide: 256,
      onProgress: (done, total, file) => progress.push([done, total, basename(file)]),
    });
  });
  afterAll(() => root.cleanup());

  it('imports every good kind, normalising only derived data', () => {
    const names = report.imported.map((i) => i.rel).sort();
    expect(names).toEqual([
      'animated.gif',
      'av1.avif',
      'cmyk.jpg',
      'copy-of-plain.jpg',
      'gray.jpg',
      'lossless.png',
      'palette-alpha.png',
      'rotated.jpg',
      'scan.tiff',
      'sixteen.png',
      'web.webp',
    ]);
    const rotated = report.imported.find((i) => i.rel === 'rotated.jpg');
    expect([rotated?.width, rotated?.height]).toEqual([300, 400]);
    expect(report.imported.find((i) => i.rel === 'av1.avif')?.format).toBe('avif');
  });

  it('skips each bad file with its own reason', () => {
    const skipped = Object.fromEntries(report.skipped.map((s) => [basename(s.file), s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(Object.keys(EXPECTED_SKIPS).sort());
    for (const [name, pattern] of Object.entries(EXPECTED_SKIPS)) expect(skipped[name]).toMatch(pattern);
  });

  it('copies originals byte for byte and brings captions (.caption → .txt, BOM dropped)', async () => {
    const dataset = join(root.dir, 'project', 'dataset');
    for (const image of report.imported) expect(await hashFile(image.path)).toBe(image.hash);
    expect(await readFile(join(dataset, 'cmyk.txt'), 'utf8')).toBe('ink');
    expect(await readFile(join(dataset, 'lossless.txt'), 'utf8')).toBe('red, square');
    expect(await readdir(dataset)).not.toContain('lossless.png.txt');
    expect(report.imported.find((i) => i.rel === 'cmyk.jpg')?.captionImported).toBe(true);
    const files = await readdir(dataset);
    expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('writes 8-bit sRGB thumbnails with rotation applied and alpha flattened', async () => {
    const thumbs = join(root.dir, 'project', 'cache', 'thumbs');
    for (const image of report.imported) {
      const meta = await sharp(thumbPathFor(thumbs, image.hash)).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(256);
      expect([meta.hasAlpha, meta.space, meta.depth]).toEqual([false, 'srgb', 'uchar']);
    }
    const rotated = report.imported.find((i) => i.rel === 'rotated.jpg');
    const meta = await sharp(thumbPathFor(thumbs, rotated?.hash ?? '')).metadata();
    expect(meta.height).toBeGreaterThan(meta.width ?? 0);
  });

  it('reports progress for every file', () => {
    expect(progress).toHaveLength(report.imported.length + report.skipped.length);
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
  });
});

describe('importImages layout rules', () => {
  it('keeps kohya repeat folders, renames collisions and skips what is already in the dataset', async () => {
    const root = await tempDir('import-layout');
    const dataset = join(root.dir, 'dataset');
    await mkdir(join(root.dir, 'a', '10_cat', 'deep'), { recursive: true });
    await mkdir(join(root.dir, 'b'), { recursive: true });
    await canvas(300, 300, 1)
      .png()
      .toFile(join(root.dir, 'a', '10_cat', 'deep', 'x.png'));
    await canvas(300, 300, 2)
      .png()
      .toFile(join(root.dir, 'a', 'x.png'));
    await canvas(300, 300, 3)
      .jpeg()
      .toFile(join(root.dir, 'b', 'x.jpg'));
    await writeFile(join(root.dir, 'a', '10_cat', 'deep', 'x.txt'), 'cat');
    const first = await importImages([join(root.dir, 'a'), join(root.dir, 'b')], { datasetDir: dataset });
    expect(first.imported.map((i) => i.rel).sort()).toEqual(['10_cat/x.png', 'x-1.jpg', 'x.png']);
    expect(await readFile(join(dataset, '10_cat', 'x.txt'), 'utf8')).toBe('cat');
    const again = await importImages([join(root.dir, 'b', 'x.jpg')], { datasetDir: dataset });
    expect(again.imported).toEqual([]);
    expect(again.skipped[0].reason).toBe('duplicate of x-1.jpg');
    await root.cleanup();
  });

  it('links instead of copying when asked', async () => {
    const root = await tempDir('import-link');
    const source = join(root.dir, 'src.png');
    await canvas(300, 300).png().toFile(source);
    const hard = await importImages([source], { datasetDir: join(root.dir, 'd1'), mode: 'hardlink' });
    expect(hard.imported[0].placed).toBe('hardlink');
    expect((await stat(hard.imported[0].path)).ino).toBe((await stat(source)).ino);
    const soft = await importImages([source], { datasetDir: join(root.dir, 'd2'), mode: 'symlink' });
    expect((await lstat(soft.imported[0].path)).isSymbolicLink()).toBe(true);
    await root.cleanup();
  });

  it('reports a missing input instead of throwing', async () => {
    const root = await tempDir('import-missing');
    const report = await importImages([join(root.dir, 'nope.png')], { datasetDir: join(root.dir, 'd') });
    expect(report.skipped[0].reason).toMatch(/cannot read: ENOENT/);
    await root.cleanup();
  });
});
