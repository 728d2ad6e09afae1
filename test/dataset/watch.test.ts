import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchDataset, type DatasetChanges, type DatasetWatcher } from '../../src-main/dataset/watch';
import { canvas, tempDir } from './make-images';

describe('watchDataset', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let watcher: DatasetWatcher;
  const reports: DatasetChanges[] = [];
  let wake: (() => void) | null = null;
  /** Merges reports from now on until `done` holds for the merge (one burst may arrive as two reports). */
  const changesUntil = (done: (c: DatasetChanges) => boolean): Promise<DatasetChanges> =>
    new Promise((resolve) => {
      const from = reports.length;
      wake = () => {
        const merged: DatasetChanges = { added: [], removed: [], changed: [], captionChanged: [] };
        for (const r of reports.slice(from))
          for (const k of Object.keys(merged) as (keyof DatasetChanges)[]) merged[k].push(...r[k]);
        if (done(merged)) resolve(merged);
      };
    });

  beforeAll(async () => {
    root = await tempDir('watch');
    await mkdir(join(root.dir, '10_cat'));
    await canvas(64, 64)
      .png()
      .toFile(join(root.dir, '10_cat', 'a.png'));
    await writeFile(join(root.dir, '10_cat', 'a.txt'), 'cat');
    watcher = await watchDataset(
      root.dir,
      (changes) => {
        reports.push(changes);
        wake?.();
      },
      { debounceMs: 100 },
    );
  });
  afterAll(async () => {
    watcher.close();
    await root.cleanup();
  });

  it('sees a caption edited outside the app', async () => {
    const report = changesUntil((c) => c.captionChanged.length > 0);
    await writeFile(join(root.dir, '10_cat', 'a.txt'), 'cat, edited');
    expect(await report).toEqual({ added: [], removed: [], changed: [], captionChanged: ['10_cat/a.txt'] });
  }, 10_000);

  it('sees images added (in a new repeat folder) and removed, debounced into one report', async () => {
    const report = changesUntil((c) => c.added.length === 2 && c.removed.length === 1);
    await mkdir(join(root.dir, '5_dog'));
    await canvas(64, 64, 1)
      .png()
      .toFile(join(root.dir, '5_dog', 'b.png'));
    await canvas(64, 64, 2).png().toFile(join(root.dir, 'c.png'));
    await rm(join(root.dir, '10_cat', 'a.png'));
    await writeFile(join(root.dir, '.c.png.123.tmp'), 'temp file of an atomic write');
    const changes = await report;
    expect(changes.added.sort()).toEqual(['5_dog/b.png', 'c.png']);
    expect(changes.captionChanged).toEqual([]);
    expect(changes.removed).toEqual(['10_cat/a.png']);
  }, 10_000);
});
