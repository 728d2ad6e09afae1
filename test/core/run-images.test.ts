// The run-image guard on real folders: PNGs under an open project's runs/ pass, anything else is refused or
// left to the dataset guard (null).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectInfo } from '../../src-main/api/projects';
import { projectOfRunPath, runImageFile, runsDirOf, RUNS_FOLDER } from '../../src-main/core/run-images';
import { tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let project: ProjectInfo;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('run-images'));
  const root = join(dir, 'Ink');
  project = {
    dir: root,
    name: 'Ink',
    baseModelPath: null,
    settings: {} as ProjectInfo['settings'],
    training: null,
    datasetDir: join(root, 'dataset'),
  };
  await mkdir(join(root, RUNS_FOLDER, 'r1'), { recursive: true });
  await writeFile(join(root, RUNS_FOLDER, 'r1', 'a.png'), 'png bytes');
  await writeFile(join(root, RUNS_FOLDER, 'r1', 'notes.txt'), 'text');
});
afterAll(() => cleanup());

describe('run images', () => {
  it('knows where runs live and which project a path belongs to', () => {
    expect(runsDirOf(project)).toBe(join(dir, 'Ink', 'runs'));
    expect(projectOfRunPath([project], join(dir, 'Ink', 'runs', 'r1', 'a.png'))).toBe(project);
    expect(projectOfRunPath([project], join(dir, 'Ink', 'dataset', 'a.png'))).toBeUndefined();
    expect(projectOfRunPath([project], join(dir, 'Ink', 'runs', '..', 'x.png'))).toBeUndefined();
  });

  it('returns the real file for PNGs in runs/, null outside, and refuses other files', async () => {
    const png = join(dir, 'Ink', 'runs', 'r1', 'a.png');
    expect(await runImageFile([project], png)).toBe(png);
    expect(await runImageFile([project], join(dir, 'Ink', 'dataset', 'a.png'))).toBeNull();
    expect(await runImageFile([], png)).toBeNull();
    await expect(runImageFile([project], join(dir, 'Ink', 'runs', 'r1', 'notes.txt'))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(runImageFile([project], join(dir, 'Ink', 'runs', 'r1', 'b.png'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
