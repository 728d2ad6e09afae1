// Project folders on real disk: create, read back with defaults, patch, refuse a second create.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeOf } from '../../src-main/api/errors';
import {
  createProjectFiles,
  DEFAULT_PROJECT_SETTINGS,
  PROJECT_FILE,
  readProjectFiles,
  updateProjectFiles,
} from '../../src-main/core/projects';
import { tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('projects')));
afterEach(() => cleanup());

describe('project files', () => {
  it('creates project.json and dataset/, then reads them back', async () => {
    const root = join(dir, 'MyStyle');
    const made = await createProjectFiles(root, '  My style ');
    expect(made).toEqual({
      dir: root,
      name: 'My style',
      baseModelPath: null,
      settings: DEFAULT_PROJECT_SETTINGS,
      training: null,
      datasetDir: join(root, 'dataset'),
    });
    expect(JSON.parse(await readFile(join(root, PROJECT_FILE), 'utf8'))).toMatchObject({ version: 1 });
    expect(await readProjectFiles(root)).toEqual(made);
  });

  it('refuses to create over an existing project and relative paths', async () => {
    await createProjectFiles(dir, 'a');
    await expect(createProjectFiles(dir, 'b')).rejects.toThrow(/already holds a project/);
    await expect(createProjectFiles('rel/path', 'b')).rejects.toThrow(/full path/);
  });

  it('says a plain folder is not a project, and a damaged file is damaged', async () => {
    await expect(readProjectFiles(dir).catch(codeOf)).resolves.toBe('NOT_FOUND');
    await writeFile(join(dir, PROJECT_FILE), '{nope');
    await expect(readProjectFiles(dir).catch(codeOf)).resolves.toBe('MALFORMED_FILE');
  });

  it('fills missing fields with defaults (older files keep opening)', async () => {
    await writeFile(join(dir, PROJECT_FILE), JSON.stringify({ settings: { resolution: 768 } }));
    const project = await readProjectFiles(dir);
    expect(project.settings).toEqual({ ...DEFAULT_PROJECT_SETTINGS, resolution: 768 });
    expect(project.name).toBe(dir.split('/').pop());
  });

  it('patches name, model and settings, keeping the rest', async () => {
    await createProjectFiles(dir, 'a');
    const patched = await updateProjectFiles(dir, {
      baseModelPath: '/m/sd15.safetensors',
      settings: { resolution: 1024 },
    });
    expect(patched.name).toBe('a');
    expect(patched.baseModelPath).toBe('/m/sd15.safetensors');
    expect(patched.settings).toEqual({ ...DEFAULT_PROJECT_SETTINGS, resolution: 1024 });
    expect(await readProjectFiles(dir)).toEqual(patched);
  });

  it('saves the Train screen settings in project.json and gives them back when the project opens', async () => {
    await createProjectFiles(dir, 'a');
    const training = {
      presetId: 'quick-test',
      config: { rank: 4, flip: true },
      name: 'ink',
      prompts: 'a cat',
    };
    await updateProjectFiles(dir, { training });
    expect((await updateProjectFiles(dir, { name: 'b' })).training).toEqual(training);
    expect((await readProjectFiles(dir)).training).toEqual(training);
    expect(JSON.parse(await readFile(join(dir, PROJECT_FILE), 'utf8')).training).toEqual(training);
    expect((await updateProjectFiles(dir, { training: null })).training).toBeNull();
    // A hand-edited file with a wrong shape opens without its training settings, or with what is usable.
    await writeFile(join(dir, PROJECT_FILE), JSON.stringify({ training: 'x' }));
    expect((await readProjectFiles(dir)).training).toBeNull();
    await writeFile(join(dir, PROJECT_FILE), JSON.stringify({ training: { name: 'ink', config: 3 } }));
    expect((await readProjectFiles(dir)).training).toEqual({
      presetId: null,
      config: {},
      name: 'ink',
      prompts: '',
    });
  });
});
