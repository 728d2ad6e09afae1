// Atomic writes on a real file system: the target holds the old or the new bytes, and no temp file survives.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  replaceAtomically,
  replaceAtomicallySync,
  tempPathFor,
  writeFileAtomic,
} from '../../src-main/formats/atomic-write';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('atomic writes', () => {
  it('names a hidden temp sibling', () => {
    expect(tempPathFor('/d/a.txt')).toMatch(/^\/d\/\.a\.txt\.[0-9a-f]{8}\.tmp$/);
    expect(tempPathFor('/d/a.txt')).not.toBe(tempPathFor('/d/a.txt'));
  });

  it('writeFileAtomic replaces a file and leaves no temp', async () => {
    const file = join(dir, 'a.txt');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new');
    await writeFileAtomic(join(dir, 'b.bin'), Uint8Array.of(1, 2, 3));
    expect(await readFile(file, 'utf8')).toBe('new');
    expect([...(await readFile(join(dir, 'b.bin')))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'b.bin']);
    await expect(writeFileAtomic(join(dir, 'missing', 'x.txt'), 'x')).rejects.toThrow(/ENOENT/);
  });

  it('replaceAtomically keeps the old file and removes the temp when the writer fails', async () => {
    const file = join(dir, 'a.txt');
    await writeFile(file, 'old');
    const failing = replaceAtomically(file, async (temp) => {
      await writeFile(temp, 'half');
      throw new Error('writer failed');
    });
    await expect(failing).rejects.toThrow('writer failed');
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('replaceAtomically returns the writer result and lets the caller word a failed rename', async () => {
    const file = join(dir, 'a.txt');
    const result = await replaceAtomically(file, async (temp) => {
      await writeFile(temp, 'x');
      return 7;
    });
    expect(result).toBe(7);
    const renameFails = replaceAtomically(file, (temp) => writeFile(temp, 'y'), {
      rename: () => Promise.reject(new Error('rename into place failed')),
    });
    await expect(renameFails).rejects.toThrow('rename into place failed');
    expect(await readFile(file, 'utf8')).toBe('x');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('replaceAtomicallySync does the same for synchronous writers', async () => {
    const file = join(dir, 'w.bin');
    replaceAtomicallySync(file, (temp) => writeFileSync(temp, 'weights'));
    expect(await readFile(file, 'utf8')).toBe('weights');
    expect(() =>
      replaceAtomicallySync(file, (temp) => {
        writeFileSync(temp, 'half');
        throw new Error('convert failed');
      }),
    ).toThrow('convert failed');
    expect(await readFile(file, 'utf8')).toBe('weights');
    expect(await readdir(dir)).toEqual(['w.bin']);
  });
});
