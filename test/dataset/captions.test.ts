import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  editCaptions,
  readCaption,
  readCaptionFile,
  undoCaptions,
  writeCaption,
  writeCaptions,
} from '../../src-main/dataset/captions';
import { tempDir } from './make-images';

describe('caption sidecars', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    root = await tempDir('captions');
  });
  afterEach(() => root.cleanup());

  it('reads UTF-8 with or without BOM, and missing as empty', async () => {
    await writeFile(join(root.dir, 'a.txt'), '\uFEFFcafé, ネコ');
    expect(await readCaption(join(root.dir, 'a.png'))).toBe('café, ネコ');
    expect(await readCaption(join(root.dir, 'none.png'))).toBe('');
    expect(await readCaptionFile(join(root.dir, 'none.txt'))).toBeNull();
  });

  it('writes the .txt next to the image, no BOM, no temp left behind', async () => {
    await writeCaption(join(root.dir, 'b.jpeg'), 'ネコ');
    const bytes = await readFile(join(root.dir, 'b.txt'));
    expect(bytes[0]).not.toBe(0xef);
    expect(bytes.toString('utf8')).toBe('ネコ');
  });

  it('applies a bulk edit to a selection and undoes it exactly', async () => {
    const images = ['1.png', '2.png', '3.png'].map((n) => join(root.dir, n));
    await writeFile(join(root.dir, '1.txt'), 'cat, hat');
    await writeFile(join(root.dir, '2.txt'), 'sks, dog');
    const result = await editCaptions(images, { kind: 'prependTrigger', trigger: 'sks' });
    expect(result.changed).toEqual([images[0], images[2]]);
    expect(await readCaption(images[0])).toBe('sks, cat, hat');
    expect(await readCaption(images[2])).toBe('sks');
    await undoCaptions(result.undo);
    expect(await readFile(join(root.dir, '1.txt'), 'utf8')).toBe('cat, hat');
    expect(await readCaptionFile(join(root.dir, '3.txt'))).toBeNull();
    expect(await readCaption(images[1])).toBe('sks, dog');
  });

  it('writes generated captions, skipping unchanged ones, and undoes them as one record', async () => {
    const images = ['1.png', '2.png', '3.png'].map((n) => join(root.dir, n));
    await writeFile(join(root.dir, '1.txt'), 'old');
    await writeFile(join(root.dir, '2.txt'), 'same');
    const result = await writeCaptions(
      images.map((imagePath, i) => ({ imagePath, caption: ['new', 'same', 'fresh'][i] })),
    );
    expect(result.changed).toEqual([images[0], images[2]]);
    expect(result.undo.entries.map((e) => e.previous)).toEqual(['old', null]);
    expect(await readCaption(images[2])).toBe('fresh');
    await undoCaptions(result.undo);
    expect(await readCaption(images[0])).toBe('old');
    expect(await readCaption(images[1])).toBe('same');
    expect(await readCaptionFile(join(root.dir, '3.txt'))).toBeNull();
  });

  it('rejects a bad regex before touching any file', async () => {
    await writeFile(join(root.dir, '1.txt'), 'cat');
    const op = { kind: 'findReplace', find: '[', replace: '', regex: true } as const;
    await expect(editCaptions([join(root.dir, '1.png')], op)).rejects.toThrow(SyntaxError);
    expect(await readCaption(join(root.dir, '1.png'))).toBe('cat');
  });
});
