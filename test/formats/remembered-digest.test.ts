// Remembered digests on a real file system: computed once per file state, recomputed when a file changes or
// the remembered value is torn.
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIGESTS_DIR, fileStateKey, rememberedDigest } from '../../src-main/formats/remembered-digest';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-digest-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileStateKey', () => {
  it('changes with the file state and the extra facts, not with the order files are named in', async () => {
    const [a, b] = [join(dir, 'a.bin'), join(dir, 'b.bin')];
    await writeFile(a, 'one');
    await writeFile(b, 'two');
    const key = await fileStateKey([a, b], { part: 'vae' });
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(await fileStateKey([b, a], { part: 'vae' })).toBe(key);
    expect(await fileStateKey([a, b], { part: 'text' })).not.toBe(key);
    await writeFile(a, 'one!');
    expect(await fileStateKey([a, b], { part: 'vae' })).not.toBe(key);
  });
});

describe('rememberedDigest', () => {
  it('computes once per key and keeps the value in <cache>/hashes', async () => {
    let calls = 0;
    const compute = async () => (calls++, 'c0ffee'.repeat(8));
    const first = await rememberedDigest(dir, 'k1', '.sha256', compute);
    const second = await rememberedDigest(dir, 'k1', '.sha256', compute);
    expect([first, second, calls]).toEqual(['c0ffee'.repeat(8), 'c0ffee'.repeat(8), 1]);
    expect(await readFile(join(dir, DIGESTS_DIR, 'k1.sha256'), 'utf8')).toBe(first);
    await rememberedDigest(dir, 'k2', '.sha256', compute);
    expect(calls).toBe(2);
  });

  it('recomputes a torn remembered value', async () => {
    await rememberedDigest(dir, 'k', '.x', async () => 'ab'.repeat(32));
    await writeFile(join(dir, DIGESTS_DIR, 'k.x'), 'ab'.repeat(3).slice(0, 5));
    expect(await rememberedDigest(dir, 'k', '.x', async () => 'cd'.repeat(32))).toBe('cd'.repeat(32));
  });

  it('misses after the file is touched, through fileStateKey', async () => {
    const f = join(dir, 'model.safetensors');
    await writeFile(f, 'weights');
    await rememberedDigest(dir, await fileStateKey([f]), '.sha256', async () => 'aa'.repeat(32));
    const later = new Date(Date.now() + 5000);
    await utimes(f, later, later);
    expect(await rememberedDigest(dir, await fileStateKey([f]), '.sha256', async () => 'bb'.repeat(32))).toBe(
      'bb'.repeat(32),
    );
  });
});
