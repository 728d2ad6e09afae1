import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, nn } from '../../../src-main/engine';
import type { ParamRef } from '../../../src-main/engine/graph/node';
import { compileGraph } from '../../../src-main/engine/runtime/compile';
import { OPTIMIZED_DIR } from '../../../src-main/engine/runtime/optimized-models';
import { emitModel } from '../../../src-main/engine/onnx/emit';
import { ensureCached } from '../../../src-main/engine/onnx/cache';
import { decodeModel } from '../../../src-main/engine/onnx/proto';
import { Session } from '../../../src-main/engine/runtime/session';
import type { TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import {
  readSafetensorsHeader,
  tensorFromF32,
  writeSafetensors,
  type SafetensorsHeader,
} from '../../../src-main/formats/safetensors';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tessera-compile-'));
  dirs.push(d);
  return d;
}

/**
 * Everything below `dir` but the optimized graphs (graph bytes only: optimized-models.test.ts), so what the
 * cache holds besides them must be no weight copies.
 */
async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile() && !e.parentPath.endsWith(OPTIMIZED_DIR)) out.push(join(e.parentPath, e.name));
  return out;
}

const W = Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 4); // [4, 3]
const B = Float32Array.of(0.5, -1, 2, 0.25);
const QKV = Float32Array.from({ length: 18 }, (_, i) => i / 8); // [6, 3]; rows 2..4 are "k"

async function checkpoint(dir: string, dtype: 'F32' | 'F16'): Promise<SafetensorsHeader> {
  const file = join(dir, `model-${dtype}.safetensors`);
  await writeSafetensors(file, [
    tensorFromF32('w', dtype, [4, 3], W),
    tensorFromF32('b', dtype, [4], B),
    tensorFromF32('qkv', dtype, [6, 3], QKV),
    tensorFromF32('proj', dtype, [3, 4], W), // stored [in, out]: read as its transpose
  ]);
  return readSafetensorsHeader(file);
}

function ref(h: SafetensorsHeader, key: string, transform?: ParamRef['transform']): ParamRef {
  const e = h.tensors.get(key)!;
  return {
    file: h.path,
    key,
    storedAs: e.dtype,
    byteStart: h.dataOffset + e.begin,
    byteEnd: h.dataOffset + e.end,
    ...(transform ? { transform } : {}),
  };
}

/** A linear layer (x Wᵀ + b), a row slice and a stored transpose, with a backward pass through the weight. */
function graphOver(h: SafetensorsHeader, dtype: 'f32' | 'f16' = 'f32') {
  const g = new Graph();
  const x = g.input('x', 'f32', ['N', 3]);
  const w = g.param('w', ref(h, 'w'), dtype, [4, 3]);
  const b = g.param('b', ref(h, 'b'), dtype, [4]);
  const k = g.param('k', ref(h, 'qkv', { kind: 'rows', start: 2, end: 4 }), dtype, [2, 3]);
  const p = g.param('p', ref(h, 'proj', { kind: 'transpose2d' }), dtype, [4, 3]);
  const f = (n: ReturnType<typeof g.input>) => (dtype === 'f32' ? n : g.cast(n, 'f32'));
  const y = nn.linear(g, x, f(w), f(b));
  return { y, z: g.matmul(x, g.transpose(f(k), [1, 0])), q: nn.linear(g, x, f(p)) };
}

const x: TensorValue = { dtype: 'f32', shape: [2, 3], data: Float32Array.of(1, 2, 3, -1, 0.5, 0) };

async function run(s: Session): Promise<Record<string, number[]>> {
  const out = await s.run({ x });
  s.dispose();
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, Array.from((v as TensorValue).data as Float32Array)]),
  );
}

describe('compileGraph', () => {
  let dir: string;
  let f32: SafetensorsHeader;
  let f16: SafetensorsHeader;
  beforeAll(async () => {
    dir = await tempDir();
    f32 = await checkpoint(dir, 'F32');
    f16 = await checkpoint(dir, 'F16');
  });

  it('runs a graph without weights', async () => {
    const g = new Graph();
    const xi = g.input('x', 'f32', ['N', 2]);
    const s = await compileGraph({ y: g.add(g.mul(xi, 3), 1) }, { cacheDir: await tempDir() });
    const { y } = await s.run({ x: { dtype: 'f32', shape: [2, 2], data: Float32Array.from([0, 1, 2, 3]) } });
    expect(Array.from((y as TensorValue).data as Float32Array)).toEqual([1, 4, 7, 10]);
    s.dispose();
  });

  it('reads an f32 checkpoint in place: equal outputs to a written weights file, nothing on disk', async () => {
    const cacheDir = await tempDir();
    const inPlace = await run(await compileGraph(graphOver(f32), { cacheDir }));
    const copied = ensureCached(emitModel(graphOver(f32)), await tempDir());
    expect(inPlace).toEqual(await run(await Session.create(copied.modelPath)));
    // y = x Wᵀ + b, by hand for the first row
    const y0 = [0, 1, 2, 3].map((o) => W[o * 3] * 1 + W[o * 3 + 1] * 2 + W[o * 3 + 2] * 3 + B[o]);
    expect(inPlace.y.slice(0, 4)).toEqual(y0);
    // a second graph over the same checkpoint writes nothing either
    await run(await compileGraph({ y: graphOver(f32).y }, { cacheDir }));
    expect(await filesIn(cacheDir)).toEqual([]);
  });

  it('references the checkpoint file itself, and reads linear weights through Gemm without a Transpose', () => {
    const m = emitModel(graphOver(f32), {
      place: (w) => ({
        path: f32.path,
        offset: w.param.byteStart,
        length: w.param.byteEnd - w.param.byteStart,
      }),
    });
    expect(m.baseDir).toBe(dir);
    const graph = decodeModel(m.bytes).graph;
    const w = graph.initializer.find((t) => t.name === 'w')!;
    expect(w.externalData).toContainEqual({ key: 'location', value: 'model-F32.safetensors' });
    const readsW = graph.node.filter((n) => n.input.includes('w')).map((n) => n.opType);
    expect(readsW).toEqual(['Gemm']);
  });

  it('converts an f16 checkpoint for an f32 graph once, shared by every later graph', async () => {
    const cacheDir = await tempDir();
    const first = await run(await compileGraph(graphOver(f16), { cacheDir }));
    const files = await filesIn(cacheDir);
    expect(files).toHaveLength(1);
    const { size, mtimeMs } = await stat(files[0]);
    await run(await compileGraph({ y: graphOver(f16).y }, { cacheDir }));
    expect(await filesIn(cacheDir)).toEqual(files);
    expect((await stat(files[0])).mtimeMs).toBe(mtimeMs);
    // the values are those of the f16 file widened (these inputs are exact in f16)
    expect(first).toEqual(await run(await compileGraph(graphOver(f32), { cacheDir })));
    expect(size).toBeGreaterThan(0);
  });

  it('reads an f16 checkpoint in place for an f16 graph', async () => {
    const cacheDir = await tempDir();
    const out = await run(await compileGraph(graphOver(f16, 'f16'), { cacheDir }));
    expect(await filesIn(cacheDir)).toEqual([]);
    expect(out).toEqual(await run(await compileGraph(graphOver(f32), { cacheDir })));
  });
});
