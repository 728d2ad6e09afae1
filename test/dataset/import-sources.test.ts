import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSources, findSidecar } from '../../src-main/dataset/import-sources';
import { tempDir } from './make-images';

describe('collectSources', () => {
  it('walks folders, keeps the nearest repeat folder, pairs sidecars and skips hidden files', async () => {
    const root = await tempDir('sources');
    const r = (p: string): string => join(root.dir, p);
    await mkdir(r('drop/3_style/sub'), { recursive: true });
    await mkdir(r('drop/.git'), { recursive: true });
    for (const f of [
      'drop/a.png',
      'drop/a.caption',
      'drop/3_style/sub/b.jpg',
      'drop/3_style/sub/b.txt',
      'drop/3_style/sub/b.caption',
      'drop/.git/c.png',
      'loose.webp',
    ]) {
      await writeFile(r(f), '');
    }
    const { sources, missing } = await collectSources([r('drop'), r('loose.webp'), r('gone.png')]);
    expect(
      sources.map((s) => [
        s.file.slice(root.dir.length + 1),
        s.folder,
        s.sidecar && s.sidecar.slice(root.dir.length + 1),
      ]),
    ).toEqual([
      ['drop/3_style/sub/b.jpg', '3_style', 'drop/3_style/sub/b.txt'],
      ['drop/a.png', '', 'drop/a.caption'],
      ['loose.webp', '', null],
    ]);
    expect(missing.map((m) => m.file)).toEqual([r('gone.png')]);
    expect(await findSidecar(r('loose.webp'))).toBeNull();
    await root.cleanup();
  });
});
