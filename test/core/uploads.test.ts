// Upload staging on real disk: files land in cache/uploads/<batch>/, bad names and oversize bodies are
// refused without leaving partial files, and clearStaged removes only staging batches.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeOf } from '../../src-main/api/errors';
import { Services } from '../../src-main/core/services';
import {
  clearStaged,
  expireStaged,
  STAGED_TTL_MS,
  stagedName,
  stageUpload,
  uploadsDir,
} from '../../src-main/core/uploads';
import { tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('uploads')));
afterEach(() => cleanup());

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('upload staging', () => {
  it('writes a file into its batch and clears the batch afterwards', async () => {
    const path = await stageUpload(dir, 'drop-1', 'cat.png', chunks('ab', 'cd'));
    expect(path).toBe(join(uploadsDir(dir), 'drop-1', 'cat.png'));
    expect(await readFile(path, 'utf8')).toBe('abcd');
    expect(stagedName(dir, path)).toBe('cat.png');
    expect(stagedName(dir, '/elsewhere/cat.png')).toBe('/elsewhere/cat.png');
    await mkdir(join(dir, 'dataset'), { recursive: true });
    await clearStaged(dir, [path, join(dir, 'dataset'), '/elsewhere/x.png']);
    expect(existsSync(join(uploadsDir(dir), 'drop-1'))).toBe(false);
    expect(existsSync(join(dir, 'dataset'))).toBe(true);
  });

  it('refuses unsafe names and batch ids, duplicates, and bodies over the limit', async () => {
    for (const [batch, name] of [
      ['b', '../x.png'],
      ['b', '.hidden'],
      ['b', 'a/b.png'],
      ['../b', 'x.png'],
      ['', 'x.png'],
    ])
      await expect(stageUpload(dir, batch, name, chunks('x')).catch(codeOf)).resolves.toBe(
        'INVALID_ARGUMENT',
      );
    await stageUpload(dir, 'b', 'twice.png', chunks('1'));
    await expect(stageUpload(dir, 'b', 'twice.png', chunks('2'))).rejects.toThrow(/already uploaded/);
    await expect(stageUpload(dir, 'b', 'big.png', chunks('12345', '67890'), 8)).rejects.toThrow(
      /limited to 8 bytes/,
    );
    expect(await readdir(join(uploadsDir(dir), 'b'))).toEqual(['twice.png']);
  });

  it('expires batches never imported: before a new batch, and when the project opens in a new launch', async () => {
    /** A batch whose folder was last written `hoursAgo`. */
    const staged = async (project: string, batch: string, hoursAgo: number) => {
      await stageUpload(project, batch, 'x.png', chunks('x'));
      const at = new Date(Date.now() - hoursAgo * 3600_000);
      await utimes(join(uploadsDir(project), batch), at, at);
    };
    await staged(dir, 'recent', 1);
    await staged(dir, 'old', STAGED_TTL_MS / 3600_000 + 1);
    expect(await expireStaged(dir)).toBe(1);
    expect(await readdir(uploadsDir(dir))).toEqual(['recent']);
    await staged(dir, 'old-again', 100);
    await stageUpload(dir, 'new', 'cat.png', chunks('c')); // a new batch sweeps first
    expect((await readdir(uploadsDir(dir))).sort()).toEqual(['new', 'recent']);
    await stageUpload(dir, 'new', 'dog.png', chunks('d')); // files of a batch in use stay
    expect((await readdir(join(uploadsDir(dir), 'new'))).sort()).toEqual(['cat.png', 'dog.png']);

    const services = new Services({ mode: 'web', watch: false, cacheDir: join(dir, 'app-cache') });
    const project = join(dir, 'Proj');
    await services.createProject(project, 'Proj');
    await staged(project, 'left-over', 24);
    await writeFile(join(uploadsDir(project), 'left-over', 'y.png'), 'y');
    await utimes(join(uploadsDir(project), 'left-over'), new Date(0), new Date(0));
    await services.dispose();
    const next = new Services({ mode: 'web', watch: false, cacheDir: join(dir, 'app-cache') });
    await next.openProject(project);
    expect(existsSync(join(uploadsDir(project), 'left-over'))).toBe(false);
    await next.dispose();
  });
});
