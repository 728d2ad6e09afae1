// Writer: exact layout, round trips for every dtype, metadata, validation before writing, atomic replace.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  readSafetensorsHeader,
  readTensorBytes,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
  type TensorToWrite,
} from '../../../src-main/formats/safetensors';
import { makeTempDir } from './craft';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('writeSafetensors', () => {
  it('writes the exact reference layout: u64 length, compact JSON padded to 8, data in order', async () => {
    const path = join(dir, 'exact.safetensors');
    await writeSafetensors(path, [{ name: 'b', dtype: 'U8', shape: [3], data: Uint8Array.of(1, 2, 3) }], {
      k: 'v',
    });
    const json = '{"__metadata__":{"k":"v"},"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    const want = new Uint8Array([...new Uint8Array(8), ...new TextEncoder().encode(padded), 1, 2, 3]);
    new DataView(want.buffer).setBigUint64(0, BigInt(padded.length), true);
    expect(new Uint8Array(await readFile(path))).toEqual(want);
  });

  it('round-trips every dtype, keeps the given order and leaves out empty metadata', async () => {
    const path = join(dir, 'all.safetensors');
    const tensors: TensorToWrite[] = [
      { name: 'f64', dtype: 'F64', shape: [2], data: bytesOf(Float64Array.of(1.25, -3)) },
      { name: 'f32', dtype: 'F32', shape: [2, 1], data: Float32Array.of(0.5, 7) },
      { name: 'f16', dtype: 'F16', shape: [1], data: Uint16Array.of(0x3c00) },
      { name: 'bf16', dtype: 'BF16', shape: [1], data: Uint16Array.of(0xc000) },
      { name: 'i64', dtype: 'I64', shape: [2], data: BigInt64Array.of(-5n, 9n) },
      { name: 'i32', dtype: 'I32', shape: [1], data: Int32Array.of(-7) },
      { name: 'i16', dtype: 'I16', shape: [1], data: bytesOf(Int16Array.of(-2)) },
      { name: 'i8', dtype: 'I8', shape: [2], data: Uint8Array.of(0xfe, 3) },
      { name: 'u8', dtype: 'U8', shape: [], data: Uint8Array.of(200) },
      { name: 'bool', dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
      { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    ];
    await writeSafetensors(path, tensors);
    const header = await readSafetensorsHeader(path);
    expect(header.metadata).toEqual({});
    expect((await readFile(path)).subarray(8, 12).toString()).toBe('{"f6');
    expect([...header.tensors.keys()]).toEqual(tensors.map((t) => t.name));
    const want: Record<string, number[]> = {
      f64: [1.25, -3],
      f32: [0.5, 7],
      f16: [1],
      bf16: [-2],
      i64: [-5, 9],
      i32: [-7],
      i16: [-2],
      i8: [-2, 3],
      u8: [200],
      bool: [1, 0, 1],
      empty: [],
    };
    for (const t of tensors) {
      expect(header.tensors.get(t.name)?.shape).toEqual(t.shape);
      expect([...(await readTensorF32(header, t.name))], t.name).toEqual(want[t.name]);
    }
  });

  it('stores metadata strings as given', async () => {
    const path = join(dir, 'meta.safetensors');
    const metadata = { ss_network_dim: '16', ss_tag_frequency: '{"10_x": {"a": 2}}', '0': 'zero', ünï: '\n' };
    await writeSafetensors(path, [tensorFromF32('w', 'F32', [1], Float32Array.of(1))], metadata);
    expect((await readSafetensorsHeader(path)).metadata).toEqual(metadata);
    expect((await readFile(path)).subarray(8, 24).toString()).toBe('{"__metadata__":');
  });

  it('tensorFromF32 converts to F16 and BF16', async () => {
    const path = join(dir, 'conv.safetensors');
    const values = Float32Array.of(1, 1 / 3, -65504);
    await writeSafetensors(path, [
      tensorFromF32('a', 'F32', [3], values),
      tensorFromF32('b', 'F16', [3], values),
      tensorFromF32('c', 'BF16', [3], values),
    ]);
    const header = await readSafetensorsHeader(path);
    expect([...(await readTensorF32(header, 'a'))]).toEqual([...values]);
    expect([...(await readTensorF32(header, 'b'))]).toEqual([1, 0.333251953125, -65504]);
    expect([...(await readTensorF32(header, 'c'))]).toEqual([1, 0.333984375, -65536]);
    expect(new Uint16Array((await readTensorBytes(header, 'b')).buffer)[0]).toBe(0x3c00);
  });

  it('calls data thunks lazily, one at a time, in order', async () => {
    const path = join(dir, 'lazy.safetensors');
    const calls: string[] = [];
    const thunk = (name: string, byte: number) => async () => {
      calls.push(name);
      return Uint8Array.of(byte, byte);
    };
    await writeSafetensors(path, [
      { name: 'x', dtype: 'U8', shape: [2], data: thunk('x', 1) },
      { name: 'y', dtype: 'I16', shape: [1], data: thunk('y', 2) },
    ]);
    expect(calls).toEqual(['x', 'y']);
    expect([...(await readTensorBytes(await readSafetensorsHeader(path), 'y'))]).toEqual([2, 2]);
  });
});

describe('writeSafetensors failures', () => {
  const good = (): TensorToWrite => ({ name: 'ok', dtype: 'F32', shape: [1], data: Float32Array.of(1) });

  async function expectUntouched(
    path: string,
    run: () => Promise<void>,
    error: RegExp | typeof SafetensorsError,
  ) {
    await writeFile(path, 'previous contents');
    await expect(run()).rejects.toThrow(error);
    expect(await readFile(path, 'utf8')).toBe('previous contents');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }

  it.each([
    [
      'size mismatch',
      { name: 'w', dtype: 'F32', shape: [3], data: Float32Array.of(1, 2) },
      /tensor "w": shape \[3\] F32 needs 12 bytes, data has 8/,
    ],
    [
      'typed array of the wrong dtype',
      { name: 'w', dtype: 'F16', shape: [2], data: Float32Array.of(1) },
      /Float32Array data cannot hold F16/,
    ],
    ['reserved name', { name: '__metadata__', dtype: 'U8', shape: [1], data: Uint8Array.of(1) }, /reserved/],
    ['bad shape', { name: 'w', dtype: 'U8', shape: [-1], data: Uint8Array.of(1) }, /shape must be/],
    ['unknown dtype', { name: 'w', dtype: 'U32', shape: [1], data: Uint8Array.of(1) }, /unknown dtype "U32"/],
  ])('rejects %s before writing', async (_label, bad, problem) => {
    const path = join(dir, 'v.safetensors');
    await expectUntouched(path, () => writeSafetensors(path, [good(), bad as TensorToWrite]), problem);
    await expect(writeSafetensors(path, [bad as TensorToWrite])).rejects.toBeInstanceOf(SafetensorsError);
  });

  it('rejects duplicate names and non-string metadata, naming the file', async () => {
    const path = join(dir, 'd.safetensors');
    await expectUntouched(
      path,
      () => writeSafetensors(path, [good(), good()]),
      /d\.safetensors: tensor name "ok" is used twice/,
    );
    const metadata = { n: 3 } as unknown as Record<string, string>;
    await expectUntouched(
      path,
      () => writeSafetensors(path, [good()], metadata),
      /metadata value for "n" is not a string/,
    );
  });

  it('keeps the old file and removes the temp when a data thunk throws mid-way', async () => {
    const path = join(dir, 'm.safetensors');
    const boom: TensorToWrite = {
      name: 'late',
      dtype: 'U8',
      shape: [1],
      data: () => Promise.reject(new Error('disk gone')),
    };
    await expectUntouched(path, () => writeSafetensors(path, [good(), boom]), /disk gone/);
  });

  it('keeps the old file when a thunk returns the wrong number of bytes', async () => {
    const path = join(dir, 'n.safetensors');
    const short: TensorToWrite = { name: 's', dtype: 'F32', shape: [2], data: async () => new Uint8Array(4) };
    await expectUntouched(
      path,
      () => writeSafetensors(path, [good(), short]),
      /tensor "s": shape \[2\] F32 needs 8 bytes, data has 4/,
    );
  });

  it('replaces an existing file when it succeeds', async () => {
    const path = join(dir, 'r.safetensors');
    await writeFile(path, 'old');
    await writeSafetensors(path, [good()]);
    expect((await readSafetensorsHeader(path)).tensors.has('ok')).toBe(true);
    expect(await readdir(dir)).toEqual(['r.safetensors']);
  });
});

describe('writeSafetensors file-system failures', () => {
  it('reports a missing folder as a SafetensorsError naming the target and the folder, in words', async () => {
    const folder = join(dir, 'no-such-folder');
    const path = join(folder, 'x.safetensors');
    await expect(writeSafetensors(path, [])).rejects.toThrow(
      `${path}: cannot create a file in the folder ${folder} (no such file or folder, ENOENT)`,
    );
  });
});
