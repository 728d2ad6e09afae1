import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine';
import { compileGraph } from '../../../src-main/engine/runtime/compile';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('compileGraph', () => {
  it('runs a graph on ORT and reuses the cached model for an identical graph', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'tessera-compile-'));
    dirs.push(cacheDir);
    const build = () => {
      const g = new Graph();
      const x = g.input('x', 'f32', ['N', 2]);
      return { y: g.add(g.mul(x, 3), 1) };
    };
    const s = await compileGraph(build(), { cacheDir });
    const { y } = await s.run({ x: { dtype: 'f32', shape: [2, 2], data: Float32Array.from([0, 1, 2, 3]) } });
    expect(Array.from((y as { data: Float32Array }).data)).toEqual([1, 4, 7, 10]);
    s.dispose();
    (await compileGraph(build(), { cacheDir })).dispose();
    expect(await readdir(cacheDir)).toHaveLength(1);
  });
});
