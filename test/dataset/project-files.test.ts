import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  captionPathFor,
  isCaptionPath,
  isImagePath,
  listDataset,
  parseRepeatFolder,
  stem,
  uniqueName,
} from '../../src-main/dataset/project-files';
import { tempPathFor, writeFileAtomic } from '../../src-main/formats/atomic-write';
import { tempDir } from './make-images';

describe('project-files', () => {
  it('names captions, stems and kinds', () => {
    expect(captionPathFor('/p/dataset/10_cat/a.b.PNG')).toBe('/p/dataset/10_cat/a.b.txt');
    expect(stem('/x/cat.01.jpeg')).toBe('cat.01');
    expect([
      isImagePath('a.JPG'),
      isImagePath('a.txt'),
      isCaptionPath('a.caption'),
      isCaptionPath('a.png'),
    ]).toEqual([true, false, true, false]);
    expect(tempPathFor('/d/a.txt')).toMatch(/^\/d\/\.a\.txt\.[0-9a-f]{8}\.tmp$/);
  });

  it('parses kohya repeat folders', () => {
    expect(parseRepeatFolder('10_cat girl')).toEqual({ repeats: 10, name: 'cat girl' });
    expect(parseRepeatFolder('cat')).toBeNull();
    expect(parseRepeatFolder('0_cat')).toBeNull();
    expect(parseRepeatFolder('10_')).toBeNull();
  });

  it('finds collision-free names, case-insensitively, caption names included', () => {
    const taken = new Set(['/d/cat.png', '/d/cat-1.png', '/d/dog.txt']);
    expect(uniqueName('/d', 'cat.png', taken)).toBe('cat-2.png');
    expect(uniqueName('/d', 'CAT.png', taken)).toBe('CAT-2.png');
    expect(uniqueName('/d', 'dog.jpg', taken)).toBe('dog-1.jpg');
    expect(uniqueName('/d', 'eel.jpg', taken)).toBe('eel.jpg');
  });

  it('writes atomically and lists the dataset with repeats', async () => {
    const root = await tempDir('files');
    await mkdir(join(root.dir, '10_cat'));
    await mkdir(join(root.dir, 'not-repeats'));
    for (const f of ['b.png', '10_cat/a.jpg', '10_cat/.hidden.png', 'not-repeats/x.png', 'notes.md'])
      await writeFile(join(root.dir, f), '');
    await writeFileAtomic(join(root.dir, 'b.txt'), 'caption');
    expect(await readFile(join(root.dir, 'b.txt'), 'utf8')).toBe('caption');
    expect((await readdir(root.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const entries = await listDataset(root.dir);
    expect(entries.map((e) => [e.rel, e.repeats])).toEqual([
      ['10_cat/a.jpg', 10],
      ['b.png', 1],
    ]);
    expect(entries[1].captionPath).toBe(join(root.dir, 'b.txt'));
    await expect(writeFileAtomic(join(root.dir, 'missing', 'x.txt'), 'x')).rejects.toThrow(/ENOENT/);
    await root.cleanup();
  });
});
