import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f16ToF32, f32ToBf16, f32ToF16 } from '../../../src-main/formats/safetensors';
import { Graph } from '../../../src-main/engine/graph/builder';
import { emitModel } from '../../../src-main/engine/onnx/emit';
import { compileGraph } from '../../../src-main/engine/runtime/compile';
import { decodeModel } from '../../../src-main/engine/onnx/proto';
import { Session } from '../../../src-main/engine/runtime/session';
import { tensor, type TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { Nodes } from './nodes';

const dir = mkdtempSync(join(tmpdir(), 'tessera-emit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function session(bytes: Uint8Array, name: string): Promise<Session> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return Session.create(path);
}

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('emitModel', () => {
  it('names nodes from scopes and keeps symbolic dims on inputs and outputs', () => {
    const g = new Nodes();
    const x = g.input('x', ['N', 3]);
    g.scope = 'input_blocks.1.1/attn1';
    const y = g.op('Relu', 'f32', ['N', 3], [x]);
    const m = emitModel({ y });
    const proto = decodeModel(m.bytes);
    expect(proto.irVersion).toBe(10);
    expect(proto.opsetImport).toEqual([{ version: 21 }]);
    expect(proto.graph.node.map((n) => n.name)).toEqual(['input_blocks.1.1/attn1/Relu_0']);
    expect(proto.graph.node[0].output).toEqual(['y']);
    expect(proto.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: 3 }]);
    expect(m.inputs).toEqual([{ name: 'x', dtype: 'f32', shape: ['N', 3] }]);
  });

  it('emits only what the outputs reach, with identical bytes whatever dead nodes were built', () => {
    const a = new Nodes();
    const x = a.input('x', [2]);
    const y = a.op('Neg', 'f32', [2], [x]);
    const b = new Nodes();
    const x2 = b.input('x', [2]);
    b.op('Exp', 'f32', [2], [x2]); // dead
    b.input('unused', [4]); // dead input
    const y2 = b.op('Neg', 'f32', [2], [x2]);
    const m = emitModel({ y }).bytes;
    expect(Buffer.from(emitModel({ y: y2 }).bytes).equals(Buffer.from(m))).toBe(true);
    expect(decodeModel(m).graph.input.map((i) => i.name)).toEqual(['x']);
  });

  it('adds an Identity when an output is an input or is requested twice', async () => {
    const g = new Nodes();
    const x = g.input('x', [2]);
    const y = g.op('Neg', 'f32', [2], [x]);
    const m = emitModel({ same: x, y, again: y });
    expect(m.outputs.map((o) => o.name)).toEqual(['same', 'y', 'again']);
    const s = await session(m.bytes, 'identity.onnx');
    const out = await s.run({ x: tensor('f32', [2], new Float32Array([1, -2])) });
    expect(Array.from((out.again as TensorValue).data as Float32Array)).toEqual([-1, 2]);
    expect(Array.from((out.same as TensorValue).data as Float32Array)).toEqual([1, -2]);
    s.dispose();
  });

  it('moves attribute-form inputs (Reduce axes, Unsqueeze axes, Slice) into int64 initializers', async () => {
    const g = new Nodes();
    const x = g.input('x', [2, 3]);
    const r = g.op('ReduceSum', 'f32', [2, 1], [x], { axes: [1], keepdims: 1 });
    const u = g.op('Unsqueeze', 'f32', [1, 2, 1], [r], { axes: [0] });
    const s1 = g.op('Slice', 'f32', [2, 2], [x], { starts: [1], ends: [Infinity], axes: [1] });
    const s = await session(emitModel({ u, s1 }).bytes, 'attrs.onnx');
    const out = await s.run({ x: tensor('f32', [2, 3], iota(6)) });
    expect(out.u).toEqual({ dtype: 'f32', shape: [1, 2, 1], data: new Float32Array([3, 12]) });
    expect(Array.from((out.s1 as TensorValue).data as Float32Array)).toEqual([1, 2, 4, 5]);
    s.dispose();
  });

  it('computes symbolic Reshape and Expand targets at run time; one session serves two sizes', async () => {
    const g = new Nodes();
    const x = g.input('x', ['N', 'H', 'W', 2]);
    const row = g.input('row', [1, 3]);
    const r = g.op('Reshape', 'f32', ['H*N', 'W', 2], [x]); // two unknown dims: -1 plus Shape(x)[2]
    const e = g.op('Expand', 'f32', ['N', 3], [row]); // N from Shape(x)[0]
    const s = await session(emitModel({ r, e }).bytes, 'symbolic.onnx');
    for (const [n, h, w] of [
      [1, 2, 3],
      [2, 4, 1],
    ]) {
      const out = await s.run({
        x: tensor('f32', [n, h, w, 2], iota(n * h * w * 2)),
        row: tensor('f32', [1, 3], iota(3)),
      });
      expect(out.r.shape).toEqual([h * n, w, 2]);
      expect(Array.from((out.r as TensorValue).data as Float32Array)).toEqual(
        Array.from(iota(n * h * w * 2)),
      );
      expect(out.e.shape).toEqual([n, 3]);
    }
    s.dispose();
  });

  it('writes Cast `to` from the node dtype and Clip bounds as inputs', async () => {
    const g = new Nodes();
    const x = g.input('x', [3]);
    const c = g.op('Clip', 'f32', [3], [x], { min: 0, max: 1 });
    const i = g.op('Cast', 'i64', [3], [c], { to: 'i64' });
    const s = await session(emitModel({ i }).bytes, 'cast.onnx');
    const out = await s.run({ x: tensor('f32', [3], new Float32Array([-3, 0.5, 7])) });
    expect(out.i).toEqual({ dtype: 'i64', shape: [3], data: new BigInt64Array([0n, 0n, 1n]) });
    s.dispose();
  });
});

describe('emitModel f16/bf16 constants', () => {
  it('writes f16 Constants (Float32Array values by builder contract) as 16-bit patterns', async () => {
    const g = new Graph();
    const y = g.mul(g.input('x', 'f16', [2]), 0.5);
    const init = decodeModel(emitModel({ y }).bytes).graph.initializer;
    expect(init.map((t) => [t.dataType, t.rawData?.length])).toEqual([[10, 2]]);
    const s = await compileGraph({ y }, { cacheDir: dir });
    const out = await s.run({ x: tensor('f16', [2], f32ToF16(new Float32Array([3, -1]))) });
    expect(Array.from(f16ToF32((out.y as TensorValue).data as Uint16Array))).toEqual([1.5, -0.5]);
    s.dispose();
  });

  it('writes bf16 Constants as bfloat16 patterns and passes raw Uint16Array bits through', () => {
    const g = new Nodes();
    const b = g.constant(new Float32Array([1, -2]), [2], 'bf16');
    const h = g.constant(f32ToF16(new Float32Array([0.25])), [1], 'f16');
    const y = g.op('Mul', 'bf16', [2], [b, g.op('Cast', 'bf16', [1], [h], { to: 16 })]);
    const init = decodeModel(emitModel({ y }).bytes).graph.initializer;
    const bits = (t: (typeof init)[number]) =>
      Array.from(new Uint16Array(Uint8Array.from(t.rawData!).buffer));
    expect(init.map(bits)).toEqual([Array.from(f32ToBf16(new Float32Array([1, -2]))), [0x3400]]);
  });
});

describe('emitModel errors', () => {
  it('name the scope, op and shapes when a symbolic dim has no source', () => {
    const g = new Nodes();
    const x = g.input('x', ['N', 4]);
    g.scope = 'mid_block/attn';
    const r = g.op('Reshape', 'f32', ['N*H', 'W'], [x]);
    expect(() => emitModel({ r })).toThrow(
      "mid_block/attn: Reshape [N,4] → [N*H,W]: Error: symbolic dim 'W' is not exactly the dim of any graph input",
    );
  });

  it('refuse an output named like an input', () => {
    const g = new Nodes();
    const x = g.input('x', [1]);
    expect(() => emitModel({ x: g.op('Neg', 'f32', [1], [x]) })).toThrow(
      "output name 'x' is already an input",
    );
  });
});
