import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeIdentity, codeRoot, digestOfCode } from '../../../src-main/engine/runtime/code-identity';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('code identity', () => {
  it('finds the bundle folder (the one holding cli.js) or src-main above a module', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-code-'));
    dirs.push(dir);
    await mkdir(join(dir, 'out', 'main', 'chunks'), { recursive: true });
    await writeFile(join(dir, 'out', 'main', 'cli.js'), 'run()');
    expect(codeRoot(join(dir, 'out', 'main', 'chunks', 'train-x1.js'))).toBe(join(dir, 'out', 'main'));
    expect(codeRoot(join(dir, 'src-main', 'engine', 'runtime', 'compile.ts'))).toBe(join(dir, 'src-main'));
  });

  it('changes with any code file, and only with code files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-code-'));
    dirs.push(dir);
    await mkdir(join(dir, 'chunks'));
    await writeFile(join(dir, 'cli.js'), 'run()');
    await writeFile(join(dir, 'chunks', 'a.js'), 'export const a = 1;');
    const before = digestOfCode(dir);
    await writeFile(join(dir, 'notes.txt'), 'not code');
    expect(digestOfCode(dir)).toBe(before);
    await writeFile(join(dir, 'chunks', 'a.js'), 'export const a = 2;');
    expect(digestOfCode(dir)).not.toBe(before);
  });

  it('names the running sources once per process', () => {
    expect(codeIdentity()).toMatch(/^[0-9a-f]{32}$/);
    expect(codeIdentity()).toBe(digestOfCode(codeRoot()));
  });
});
