import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashFile } from '../../src-main/dataset/hash';
import { tempDir } from './make-images';

describe('hash', () => {
  it('hashes bytes and files to the same sha256', async () => {
    const root = await tempDir('hash');
    await writeFile(join(root.dir, 'a'), 'abc');
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(hashBytes(Buffer.from('abc'))).toBe(expected);
    expect(await hashFile(join(root.dir, 'a'))).toBe(expected);
    await root.cleanup();
  });
});
