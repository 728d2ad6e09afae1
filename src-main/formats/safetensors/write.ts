// Streaming safetensors writer: header first, then each tensor's bytes in order, to a temp file that is
// fsynced and renamed over the target (atomic). Layout rules:
// docs/reference/checkpoint-formats.md#the-safetensors-container.

import { dirname } from 'node:path';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { replaceAtomically } from '../atomic-write';
import { f32ToBf16, f32ToF16, type FloatDType, type SafetensorsDType } from './dtype';
import { io, quoteName, SafetensorsError } from './error';
import { buildHeader, type TensorEntry } from './header';

type TensorData = Uint8Array | Float32Array | Uint16Array | Int32Array | BigInt64Array;

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Raw bytes, a typed array matching the dtype, or a thunk resolved only when its turn to be written comes. */
  data: TensorData | (() => Promise<Uint8Array>);
}

// Which typed arrays may carry which dtypes; a Uint8Array is raw bytes and fits any dtype.
const ARRAY_DTYPES: [new (n: number) => TensorData, readonly SafetensorsDType[]][] = [
  [Float32Array, ['F32']],
  [Uint16Array, ['F16', 'BF16', 'I16']],
  [Int32Array, ['I32']],
  [BigInt64Array, ['I64']],
];

const WRITE_CHUNK = 64 << 20;

/** The little-endian bytes of `data`, or a SafetensorsError when its array type or length is wrong for `entry`. */
function bytesFor(path: string, entry: TensorEntry, data: TensorData | Uint8Array): Uint8Array {
  const where = `tensor ${quoteName(entry.name)}`;
  const rule = ARRAY_DTYPES.find(([ctor]) => data instanceof ctor);
  if (rule && !rule[1].includes(entry.dtype)) {
    throw new SafetensorsError(path, `${where}: ${rule[0].name} data cannot hold ${entry.dtype}`);
  }
  if (!rule && !(data instanceof Uint8Array)) {
    throw new SafetensorsError(path, `${where}: data must be a typed array or a function returning bytes`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length !== entry.end - entry.begin) {
    const shape = `[${entry.shape.join(', ')}] ${entry.dtype}`;
    throw new SafetensorsError(
      path,
      `${where}: shape ${shape} needs ${entry.end - entry.begin} bytes, data has ${bytes.length}`,
    );
  }
  return bytes;
}

async function writeAll(path: string, fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(bytes.length - done, WRITE_CHUNK);
    const write = fh.write(bytes, done, length, position + done);
    const { bytesWritten } = await io(path, `write at byte ${position + done} failed`, write);
    done += bytesWritten;
  }
}

/**
 * Writes `tensors` (in the given order, contiguous) with optional string `metadata`. Everything that can be
 * checked up front is checked before a byte is written; on any failure the temp file is removed and an
 * existing file at `path` is left untouched.
 * @example await writeSafetensors('lora.safetensors', [tensorFromF32('w', 'F16', [2, 2], values)], { a: '1' })
 */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<TensorToWrite>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const list = [...tensors];
  const { json, entries } = buildHeader(path, list, metadata);
  const ready = list.map((t, i) =>
    typeof t.data === 'function' ? undefined : bytesFor(path, entries[i], t.data),
  );
  const renameInPlace = (temp: string, to: string) => io(path, 'rename into place failed', rename(temp, to));
  await replaceAtomically(
    path,
    async (temp) => {
      const fh = await io(path, `cannot create a file in the folder ${dirname(path)}`, open(temp, 'wx'));
      let closed = false;
      try {
        const prefix = new Uint8Array(8);
        new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
        await writeAll(path, fh, prefix, 0);
        await writeAll(path, fh, json, 8);
        const dataOffset = 8 + json.length;
        for (const [i, t] of list.entries()) {
          const bytes = ready[i] ?? bytesFor(path, entries[i], await resolve(path, t));
          await writeAll(path, fh, bytes, dataOffset + entries[i].begin);
        }
        await io(path, 'fsync failed', fh.sync());
        closed = true;
        await io(path, 'close failed', fh.close());
      } finally {
        if (!closed) await fh.close();
      }
    },
    { rename: renameInPlace },
  );
}

async function resolve(path: string, t: TensorToWrite): Promise<Uint8Array> {
  const data = typeof t.data === 'function' ? await t.data() : t.data;
  if (!(data instanceof Uint8Array)) {
    throw new SafetensorsError(
      path,
      `tensor ${quoteName(t.name)}: data function did not return a Uint8Array`,
    );
  }
  return data;
}

/**
 * A tensor to write from f32 values, converted to `dtype` (round half to even).
 * @example tensorFromF32('lora_up.weight', 'BF16', [4, 2], new Float32Array(8))
 */
export function tensorFromF32(
  name: string,
  dtype: FloatDType,
  shape: number[],
  values: Float32Array,
): TensorToWrite {
  const data = dtype === 'F32' ? values : dtype === 'F16' ? f32ToF16(values) : f32ToBf16(values);
  return { name, dtype, shape, data };
}
