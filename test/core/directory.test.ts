// Folder listings for the web-mode model picker, on a real temporary tree.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModelDirectory } from '../../src-main/core/directory';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-dir-'));
  await mkdir(join(dir, 'zeta'));
  await mkdir(join(dir, 'pipeline'));
  await writeFile(join(dir, 'pipeline', 'model_index.json'), '{}');
  await mkdir(join(dir, '.hidden'));
  await writeFile(join(dir, 'a.safetensors'), Buffer.alloc(10));
  await writeFile(join(dir, 'B.CKPT'), Buffer.alloc(3));
  await writeFile(join(dir, 'notes.txt'), 'not a model');
  await writeFile(join(dir, 'cat.PNG'), Buffer.alloc(4));
  await writeFile(join(dir, 'dog.webp'), Buffer.alloc(5));
  await symlink(join(dir, 'zeta'), join(dir, 'link-to-zeta'));
  await symlink(join(dir, 'gone'), join(dir, 'broken.safetensors'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('listModelDirectory', () => {
  it('lists folders first, then model files, without hidden entries or other files', async () => {
    const listing = await listModelDirectory(dir);
    expect(listing.path).toBe(dir);
    expect(listing.entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['link-to-zeta', 'directory', null],
      ['pipeline', 'diffusers', null],
      ['zeta', 'directory', null],
      ['a.safetensors', 'file', 10],
      ['B.CKPT', 'file', 3],
    ]);
    expect(listing.entries[3].path).toBe(join(dir, 'a.safetensors'));
  });

  it('lists folders and image files (not models) when importing', async () => {
    const listing = await listModelDirectory(dir, 'images');
    expect(listing.entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['link-to-zeta', 'directory', null],
      ['pipeline', 'diffusers', null],
      ['zeta', 'directory', null],
      ['cat.PNG', 'image', 4],
      ['dog.webp', 'image', 5],
    ]);
  });

  it('knows the parent, and that a root has none', async () => {
    expect((await listModelDirectory(join(dir, 'zeta'))).parent).toBe(dir);
    expect((await listModelDirectory('/')).parent).toBeNull();
  });

  it('defaults to the home folder', async () => {
    expect((await listModelDirectory()).path).toBe(homedir());
  });

  it('rejects relative paths, files and missing folders with API codes', async () => {
    await expect(listModelDirectory('relative/path')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(listModelDirectory(join(dir, 'a.safetensors'))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(listModelDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
