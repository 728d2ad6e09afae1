// Reader: hand-built files (independent of the writer), malformed files, lazy ranged reads on a 2 GiB sparse file.
import { open, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  iterateTensors,
  readSafetensorsHeader,
  readTensorBytes,
  readTensorF32,
} from '../../../src-main/formats/safetensors';
import { makeTempDir, rawFile } from './craft';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const HEADER = {
  __metadata__: { format: 'pt' },
  'model.w': { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
  'model.b': { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
};
const DATA = new Uint8Array([
  ...new Uint8Array(Uint16Array.of(0x3c00, 0xc000).buffer),
  ...new Uint8Array(Float32Array.of(0.25).buffer),
]);

async function put(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function problem(path: string): Promise<string> {
  const err = await readSafetensorsHeader(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as SafetensorsError).message.startsWith(`${path}: `)).toBe(true);
  return (err as SafetensorsError).problem;
}

describe('readSafetensorsHeader', () => {
  it('reads a hand-built file like the Python library writes', async () => {
    const path = await put('ok.safetensors', rawFile(HEADER, DATA));
    const header = await readSafetensorsHeader(path);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.fileBytes).toBe(8 + JSON.stringify(HEADER).length + 8);
    expect(header.dataOffset).toBe(8 + JSON.stringify(HEADER).length);
    expect(header.tensors.get('model.b')).toEqual({
      name: 'model.b',
      dtype: 'F32',
      shape: [1],
      begin: 4,
      end: 8,
    });
  });

  it.each([
    ['a 5-byte file', () => new Uint8Array(5), /5 bytes, too short/],
    [
      'a header length past EOF',
      () => rawFile(HEADER, DATA, 4000n),
      /header length 4000 runs past the end of the file/,
    ],
    [
      'a header length over 100 MB',
      () => rawFile(HEADER, DATA, 2n ** 63n),
      /header length 9223372036854775808 exceeds/,
    ],
    [
      'a truncated data section',
      () => rawFile(HEADER, DATA).subarray(0, -3),
      /tensor "model.b": data_offsets \[4, 8\] past the 5-byte/,
    ],
    ['bad JSON', () => rawFile('{"a": nope}'), /not valid JSON/],
    ['an empty header', () => rawFile(''), /does not start with/],
  ])('rejects %s', async (_label, bytes, want) => {
    expect(await problem(await put('bad.safetensors', bytes()))).toMatch(want);
  });

  it('reports a missing file as a SafetensorsError', async () => {
    expect(await problem(join(dir, 'missing.safetensors'))).toBe(
      'cannot open (no such file or folder, ENOENT)',
    );
  });
});

describe('tensor reads', () => {
  it('readTensorBytes and readTensorF32 read one tensor by its offsets', async () => {
    const header = await readSafetensorsHeader(await put('t.safetensors', rawFile(HEADER, DATA)));
    expect([...(await readTensorBytes(header, 'model.b'))]).toEqual([...DATA.subarray(4)]);
    expect([...(await readTensorF32(header, 'model.w'))]).toEqual([1, -2]);
    await expect(readTensorBytes(header, 'nope')).rejects.toThrow(/no tensor named "nope"/);
  });

  it('iterateTensors yields every tensor in data order', async () => {
    const header = await readSafetensorsHeader(await put('i.safetensors', rawFile(HEADER, DATA)));
    const seen: [string, number][] = [];
    for await (const { entry, bytes } of iterateTensors(header)) seen.push([entry.name, bytes.length]);
    expect(seen).toEqual([
      ['model.w', 4],
      ['model.b', 4],
    ]);
  });

  it('reports a file that shrank after its header was read', async () => {
    const path = await put('s.safetensors', rawFile(HEADER, DATA));
    const header = await readSafetensorsHeader(path);
    await truncate(path, header.dataOffset + 5);
    await expect(readTensorBytes(header, 'model.b')).rejects.toThrow(/file ends at byte/);
  });
});

describe('lazy reads', () => {
  it('lists a 2 GiB (sparse) file by reading only its header, and reads a tensor past 2^31', async () => {
    const big = 2 * 1024 ** 3;
    const header = {
      'big.weight': { dtype: 'F32', shape: [512, 1024, 1024], data_offsets: [0, big] },
      tail: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] },
    };
    const path = join(dir, 'sparse.safetensors');
    const prefix = rawFile(header);
    const fh = await open(path, 'w');
    await fh.write(prefix, 0, prefix.length, 0);
    await fh.truncate(prefix.length + big);
    await fh.write(new Uint8Array(Float32Array.of(3, 4).buffer), 0, 8, prefix.length + big);
    await fh.close();

    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const parsed = await readSafetensorsHeader(path);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(parsed.tensors.get('big.weight')?.shape).toEqual([512, 1024, 1024]);
    expect([...(await readTensorF32(parsed, 'tail'))]).toEqual([3, 4]);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 ** 2);
  });
});
