// The dataset side of captioning over real files: which images a scope names, generated captions written
// in several batches, and one undo step that restores them all (captions that existed, and files that did not).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeOf } from '../../src-main/api/errors';
import { DatasetService } from '../../src-main/core/dataset-service';
import { createProjectFiles } from '../../src-main/core/projects';
import { readCaptionFile } from '../../src-main/dataset/captions';
import { canvas, tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let datasets: DatasetService;
let project: string;
let data: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('dataset-caption'));
  const info = await createProjectFiles(join(dir, 'P'), 'P');
  ({ dir: project, datasetDir: data } = info);
  datasets = new DatasetService({ importProgress: () => {}, changed: () => {}, warning: () => {} });
  await datasets.open(info, false);
  for (const [i, name] of ['a', 'b', 'c'].entries())
    await canvas(64, 64, i)
      .png()
      .toFile(join(data, `${name}.png`));
  await writeFile(join(data, 'a.txt'), 'old a');
  await writeFile(join(data, 'b.txt'), '  ');
  await writeFile(join(data, 'broken.png'), 'not an image');
});
afterEach(async () => {
  datasets.close();
  await cleanup();
});

describe('captioning scopes', () => {
  it('names all usable images, the uncaptioned ones, or the selected ones', async () => {
    const rels = async (scope: Parameters<DatasetService['scopeImages']>[1]) =>
      (await datasets.scopeImages(project, scope)).map((i) => `${i.rel}=${i.caption}`);
    expect(await rels({ kind: 'all' })).toEqual(['a.png=old a', 'b.png=  ', 'c.png=']);
    expect(await rels({ kind: 'uncaptioned' })).toEqual(['b.png=  ', 'c.png=']);
    expect(await rels({ kind: 'selected', rels: ['c.png', 'a.png'] })).toEqual(['a.png=old a', 'c.png=']);
    await expect(
      datasets.scopeImages(project, { kind: 'selected', rels: ['../x.png'] }).catch(codeOf),
    ).resolves.toBe('INVALID_ARGUMENT');
  });
});

describe('generated captions', () => {
  it('writes batches without touching the undo stack, then undoes them as one step', async () => {
    await datasets.editTags(project, ['a.png'], { kind: 'add', tag: 'earlier' });
    const first = await datasets.writeCaptions(project, [
      { rel: 'a.png', caption: 'new a' },
      { rel: 'b.png', caption: '  ' },
    ]);
    const second = await datasets.writeCaptions(project, [{ rel: 'c.png', caption: 'new c' }]);
    expect([...first.changed, ...second.changed]).toEqual(['a.png', 'c.png']);
    expect(datasets.undoDepth(project)).toBe(1);
    expect(datasets.pushUndo(project, [first.undo, second.undo], ['a.png', 'c.png'])).toBe(2);
    expect(await readFile(join(data, 'c.txt'), 'utf8')).toBe('new c');

    expect(await datasets.undo(project)).toEqual({ restored: ['a.png', 'c.png'], undoDepth: 1 });
    expect(await readFile(join(data, 'a.txt'), 'utf8')).toBe('old a, earlier');
    expect(await readCaptionFile(join(data, 'c.txt'))).toBeNull();
    // The edit before the run is still one step further back.
    await datasets.undo(project);
    expect(await readFile(join(data, 'a.txt'), 'utf8')).toBe('old a');
  });

  it('puts nothing on the stack when a run changed nothing', async () => {
    const same = await datasets.writeCaptions(project, [{ rel: 'a.png', caption: 'old a' }]);
    expect(datasets.pushUndo(project, [same.undo], same.changed)).toBe(0);
  });
});
