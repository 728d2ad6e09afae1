import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readSafetensorsHeader,
  tensorFromF32,
  writeSafetensors,
  type SafetensorsHeader,
} from '../../../src-main/formats/safetensors';
import type { ParamRef } from '../../../src-main/engine/graph/node';
import { cacheKey, ensureCached } from '../../../src-main/engine/onnx/cache';
import { emitModel } from '../../../src-main/engine/onnx/emit';
import { EXTERNAL_ALIGNMENT, layoutExternal, materialize } from '../../../src-main/engine/onnx/external-data';
import { decodeModel } from '../../../src-main/engine/onnx/proto';
import { Session } from '../../../src-main/engine/runtime/session';
import { f16ToF32 } from '../../../src-main/formats/safetensors';
import { tensor, type TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { Nodes } from './nodes';

const dir = mkdtempSync(join(tmpdir(), 'tessera-extdata-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// W: [3, 2] stored F16, b: [2] stored BF16, qkv: [6, 2] F32 whose rows 2..4 are "k".
const W = new Float32Array([0.5, -1, 2, 0.25, -0.125, 3]);
const file = join(dir, 'model.safetensors');
let header: SafetensorsHeader;
beforeAll(async () => {
  await writeSafetensors(file, [
    tensorFromF32('W', 'F16', [3, 2], W),
    tensorFromF32('b', 'BF16', [2], new Float32Array([1, -2])),
    tensorFromF32(
      'qkv',
      'F32',
      [6, 2],
      Float32Array.from({ length: 12 }, (_, i) => i),
    ),
  ]);
  header = await readSafetensorsHeader(file);
});

/** A lazy reference into the file, as the builder's param() makes it. */
function ref(key: string, transform?: ParamRef['transform']): ParamRef {
  const e = header.tensors.get(key)!;
  const byteStart = header.dataOffset + e.begin;
  return {
    file,
    key,
    storedAs: e.dtype,
    byteStart,
    byteEnd: header.dataOffset + e.end,
    ...(transform ? { transform } : {}),
  };
}

function linearGraph() {
  const g = new Nodes();
  const x = g.input('x', ['N', 3]);
  const w = g.param('W', [3, 2], ref('W'));
  const b = g.param('b', [2], ref('b'));
  const k = g.param('k', [2, 2], ref('qkv', { kind: 'rows', start: 2, end: 4 }));
  const kt = g.param('kt', [2, 2], ref('qkv', { kind: 'rows', start: 2, end: 4 }));
  const y = g.op('Add', 'f32', ['N', 2], [g.op('MatMul', 'f32', ['N', 2], [x, w]), b]);
  const z = g.op('MatMul', 'f32', ['N', 2], [y, k]);
  return { y, z, k_rows: kt };
}

describe('external data', () => {
  it('lays tensors out at 64 KiB-aligned offsets', () => {
    const p = ref('W');
    const l = layoutExternal([
      { name: 'a', param: p, dtype: 'f32', shape: [3] },
      { name: 'b', param: p, dtype: 'f16', shape: [40000] },
      { name: 'c', param: p, dtype: 'f32', shape: [1] },
    ]);
    expect(l.map((t) => [t.offset, t.length])).toEqual([
      [0, 12],
      [EXTERNAL_ALIGNMENT, 80000],
      [3 * EXTERNAL_ALIGNMENT, 4],
    ]);
  });

  it('materialize converts F16/BF16 to f32 and applies row slices and transposes', () => {
    const w = new Float32Array(
      materialize({ name: 'W', param: ref('W'), dtype: 'f32', shape: [3, 2] }).buffer,
    );
    expect(Array.from(w)).toEqual(Array.from(W));
    const t = materialize({
      name: 'Wt',
      param: ref('W', { kind: 'transpose2d' }),
      dtype: 'f16',
      shape: [2, 3],
    });
    expect(Array.from(f16ToF32(new Uint16Array(t.buffer)))).toEqual([0.5, 2, -0.125, -1, 0.25, 3]);
    const k = materialize({
      name: 'k',
      param: ref('qkv', { kind: 'rows', start: 2, end: 4 }),
      dtype: 'f32',
      shape: [2, 2],
    });
    expect(Array.from(new Float32Array(k.buffer))).toEqual([4, 5, 6, 7]);
    expect(() => materialize({ name: 'bad', param: ref('W'), dtype: 'f32', shape: [4, 2] })).toThrow(
      'bad: ' + file + '#W holds 6 elements, the graph declares [4,2]',
    );
  });

  it('a graph with F16-stored Params runs from the cache and matches', async () => {
    const { y, z } = linearGraph();
    const m = emitModel({ y, z });
    const init = decodeModel(m.bytes).graph.initializer.find((t) => t.name === 'W')!;
    expect(init.dataLocation).toBe(1);
    expect(init.externalData).toEqual([
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: '0' },
      { key: 'length', value: '24' },
    ]);
    const cached = ensureCached(m, join(dir, 'cache'));
    expect(cached.hit).toBe(false);
    expect(statSync(cached.weightsPath!).size).toBe(2 * EXTERNAL_ALIGNMENT + 16);
    const s = await Session.create(cached.modelPath, { disablePrepacking: true });
    const out = await s.run({ x: tensor('f32', [1, 3], new Float32Array([1, 2, 3])) });
    // y = x·W + b = [0.5+4-0.375+1, -1+0.5+9-2]; z = y·[[4,5],[6,7]]
    expect(Array.from((out.y as TensorValue).data as Float32Array)).toEqual([5.125, 6.5]);
    expect(Array.from((out.z as TensorValue).data as Float32Array)).toEqual([
      5.125 * 4 + 6.5 * 6,
      5.125 * 5 + 6.5 * 7,
    ]);
    s.dispose();
  });

  it('same graph → same bytes and cache key; touching a weights file changes the key', () => {
    const a = emitModel(linearGraph());
    const b = emitModel(linearGraph());
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(cacheKey(a)).toBe(cacheKey(b));
    const root = join(dir, 'cache2');
    expect(ensureCached(a, root).hit).toBe(false);
    expect(ensureCached(b, root).hit).toBe(true);
    const before = cacheKey(a);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(cacheKey(a)).not.toBe(before);
  });
});
