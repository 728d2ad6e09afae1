import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneShards, shardFile } from '../../src-main/dataset/cache-shards';

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sharded cache folders', () => {
  it('places entries by key prefix and prunes stale entries and temp leftovers only', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-shards-'));
    expect(shardFile('/c', 'ab12')).toBe(join('/c', 'ab', 'ab12.safetensors'));
    for (const key of ['ab12', 'ab34', 'cd56']) {
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      await writeFile(shardFile(dir, key), 'x');
    }
    await writeFile(join(dir, 'ab', '.ab99.safetensors.tmp-1'), 'torn');
    await mkdir(join(dir, 'notes'));
    expect(await pruneShards(dir, new Set(['ab12', 'cd56']))).toBe(2);
    expect((await readdir(join(dir, 'ab'))).sort()).toEqual(['ab12.safetensors']);
    expect(await readdir(join(dir, 'notes'))).toEqual([]);
    expect(await pruneShards(join(dir, 'missing'), new Set())).toBe(0);
  });
});
