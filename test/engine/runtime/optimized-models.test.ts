import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, nn } from '../../../src-main/engine';
import type { ParamRef } from '../../../src-main/engine/graph/node';
import { compileRemembered, weightRequests, weightStore } from '../../../src-main/engine/runtime/compile';
import { emitModel } from '../../../src-main/engine/onnx/emit';
import { decodeModel } from '../../../src-main/engine/onnx/proto';
import {
  OPTIMIZED_DIR,
  optimizedSession,
  pruneOptimized,
  recipeKey,
  remembersOptimized,
} from '../../../src-main/engine/runtime/optimized-models';
import type { Session } from '../../../src-main/engine/runtime/session';
import type { TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import {
  readSafetensorsHeader,
  tensorFromF32,
  writeSafetensors,
} from '../../../src-main/formats/safetensors';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tessera-optimized-'));
  dirs.push(d);
  return d;
}

/** A checkpoint with one linear layer; `scale` changes its values. */
async function checkpoint(dir: string, scale = 1): Promise<string> {
  const file = join(dir, 'model.safetensors');
  const w = Float32Array.from({ length: 12 }, (_, i) => ((i - 5) / 4) * scale);
  const b = Float32Array.of(0.5, -1, 2, 0.25);
  await writeSafetensors(file, [tensorFromF32('w', 'F32', [4, 3], w), tensorFromF32('b', 'F32', [4], b)]);
  return file;
}

/** y = gelu(x Wᵀ + b) · 2 and its gradient wrt x: enough for ORT's optimizer to rewrite something. */
async function graphOver(file: string) {
  const h = await readSafetensorsHeader(file);
  const ref = (key: string): ParamRef => {
    const e = h.tensors.get(key)!;
    return { file, key, storedAs: e.dtype, byteStart: h.dataOffset + e.begin, byteEnd: h.dataOffset + e.end };
  };
  const g = new Graph();
  const x = g.input('x', 'f32', ['N', 3]);
  const w = g.param('w', ref('w'), 'f32', [4, 3]);
  const b = g.param('b', ref('b'), 'f32', [4]);
  const y = g.mul(nn.gelu(g, nn.linear(g, x, w, b)), 2);
  return { y };
}

async function emitted(file: string, cacheDir: string) {
  const outputs = await graphOver(file);
  const store = weightStore(cacheDir);
  await store.prepare(weightRequests(outputs));
  return emitModel(outputs, { place: store.place });
}

const x: TensorValue = { dtype: 'f32', shape: [2, 3], data: Float32Array.of(1, 2, 3, -1, 0.5, 0) };

async function outputOf(s: Session): Promise<number[]> {
  const { y } = await s.run({ x });
  s.dispose();
  return Array.from((y as TensorValue).data as Float32Array);
}

async function graphFiles(cacheDir: string): Promise<string[]> {
  return (await readdir(join(cacheDir, OPTIMIZED_DIR)).catch(() => [] as string[])).sort();
}

describe('optimizedSession', () => {
  it("remembers ORT's optimized graph: the second session loads it, with bit-identical outputs", async () => {
    const dir = await tempDir();
    const file = await checkpoint(dir);
    const cacheDir = join(dir, 'cache');
    const first = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    expect(first.hit).toBe(false);
    const a = await outputOf(first.session);
    const second = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    expect(second.hit).toBe(true);
    expect(second.file).toBe(first.file);
    expect(await outputOf(second.session)).toEqual(a);
    // Graph bytes only: the weights are still read from the checkpoint itself.
    const saved = decodeModel(await readFile(join(cacheDir, OPTIMIZED_DIR, first.file!)));
    const w = saved.graph.initializer.find((t) => t.name === 'w')!;
    expect(w.externalData).toContainEqual({ key: 'location', value: 'model.safetensors' });
    expect(await graphFiles(cacheDir)).toEqual([first.file]);
  });

  it('optimizes again when the checkpoint was rewritten, and reads the new values', async () => {
    const dir = await tempDir();
    const file = await checkpoint(dir);
    const cacheDir = join(dir, 'cache');
    const before = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    const old = await outputOf(before.session);
    await checkpoint(dir, 3);
    await utimes(file, new Date(), new Date(Date.now() + 5000)); // a new mtime even on coarse clocks
    const after = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    expect(after.hit).toBe(false);
    expect(after.file).not.toBe(before.file);
    const now = await outputOf(after.session);
    expect(now).not.toEqual(old);
    const fresh = await optimizedSession(await emitted(file, join(dir, 'fresh')), join(dir, 'fresh'));
    expect(now).toEqual(await outputOf(fresh.session));
  });

  it('replaces a remembered graph that cannot load', async () => {
    const dir = await tempDir();
    const file = await checkpoint(dir);
    const cacheDir = join(dir, 'cache');
    const first = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    const good = await outputOf(first.session);
    await writeFile(join(cacheDir, OPTIMIZED_DIR, first.file!), 'torn');
    const again = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    expect(again.hit).toBe(false);
    expect(await outputOf(again.session)).toEqual(good);
    expect((await readFile(join(cacheDir, OPTIMIZED_DIR, first.file!))).length).toBeGreaterThan(100);
  });

  it('remembers CPU sessions at the basic and extended levels only', async () => {
    expect(remembersOptimized({})).toBe(true);
    expect(remembersOptimized({ providers: ['cpu'], optimization: 'basic' })).toBe(true);
    expect(remembersOptimized({ providers: ['webgpu'] })).toBe(false);
    expect(remembersOptimized({ providers: ['cpu'], optimization: 'all' })).toBe(false);
    expect(remembersOptimized({ optimization: 'disabled' })).toBe(false);
    const dir = await tempDir();
    const cacheDir = join(dir, 'cache');
    const m = await emitted(await checkpoint(dir), cacheDir);
    const plain = await optimizedSession(m, cacheDir, { optimization: 'disabled' });
    plain.session.dispose();
    expect(plain.file).toBeUndefined();
    expect(await graphFiles(cacheDir)).toEqual([]);
  });
});

describe('compileRemembered', () => {
  it('loads a recipe compiled before without building it, with its meta and the same outputs', async () => {
    const dir = await tempDir();
    const file = await checkpoint(dir);
    const cacheDir = join(dir, 'cache');
    const outputs = await graphOver(file);
    let builds = 0;
    const build = () => {
      builds++;
      return { outputs, meta: { params: ['w', 'b'] } };
    };
    const first = await compileRemembered({ layer: 'linear', width: 4 }, build, { cacheDir });
    expect([first.hit, builds]).toEqual([false, 1]);
    const a = await outputOf(first.session);
    const second = await compileRemembered({ layer: 'linear', width: 4 }, build, { cacheDir });
    expect([second.hit, builds]).toEqual(['recipe', 1]);
    expect(second.meta).toEqual({ params: ['w', 'b'] });
    expect(await outputOf(second.session)).toEqual(a);
    // Another recipe builds, and finds the same model's optimized graph already there.
    const other = await compileRemembered({ layer: 'linear', width: 5 }, build, { cacheDir });
    expect([other.hit, builds]).toEqual(['optimized', 2]);
    other.session.dispose();
  });

  it('builds again when a weight file the recipe read has changed', async () => {
    const dir = await tempDir();
    const file = await checkpoint(dir);
    const cacheDir = join(dir, 'cache');
    let builds = 0;
    const build = () => {
      builds++;
      return { outputs: outputsNow, meta: null };
    };
    let outputsNow = await graphOver(file);
    (await compileRemembered('linear', build, { cacheDir })).session.dispose();
    await checkpoint(dir, 3);
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    outputsNow = await graphOver(file);
    const again = await compileRemembered('linear', build, { cacheDir });
    expect([again.hit, builds]).toEqual([false, 2]);
    const fresh = await compileRemembered('linear', build, { cacheDir: join(dir, 'fresh') });
    expect(await outputOf(again.session)).toEqual(await outputOf(fresh.session));
  });

  it('keys recipes by their JSON, the code and the optimization level', () => {
    expect(recipeKey({ a: 1 }, {})).toBe(recipeKey({ a: 1 }, { optimization: 'extended' }));
    expect(recipeKey({ a: 1 }, {})).not.toBe(recipeKey({ a: 2 }, {}));
    expect(recipeKey({ a: 1 }, {})).not.toBe(recipeKey({ a: 1 }, { optimization: 'basic' }));
  });
});

describe('pruneOptimized', () => {
  it('keeps the most recently used graphs within the limit, and leaves compiles in progress alone', async () => {
    const dir = join(await tempDir(), OPTIMIZED_DIR);
    await mkdir(dir);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    for (const [name, age] of [
      ['old.onnx', 1],
      ['old.recipe.json', 2],
      ['mid.onnx', 3],
      ['new.onnx', 4],
      ['new.onnx.tmp-1-2', 0],
    ] as const) {
      await writeFile(join(dir, name), Buffer.alloc(100));
      await utimes(join(dir, name), at(age), at(age));
    }
    expect(await pruneOptimized(dir, 250)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['mid.onnx', 'new.onnx', 'new.onnx.tmp-1-2']);
    expect(await pruneOptimized(dir, 250)).toBe(0);
  });

  it('counts a load as a use', async () => {
    const dir = await tempDir();
    const file = await checkpoint(dir);
    const cacheDir = join(dir, 'cache');
    const first = await optimizedSession(await emitted(file, cacheDir), cacheDir);
    first.session.dispose();
    const path = join(cacheDir, OPTIMIZED_DIR, first.file!);
    await utimes(path, new Date(2000, 0, 1), new Date(2000, 0, 1));
    (await optimizedSession(await emitted(file, cacheDir), cacheDir)).session.dispose();
    expect((await stat(path)).mtime.getFullYear()).toBeGreaterThan(2000);
  });
});
