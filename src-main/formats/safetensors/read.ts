// Lazy safetensors reader: ranged reads of the 8-byte length, the header, and one tensor at a time. Never
// reads the whole file (a 7 GB checkpoint is listed by reading only its header). Rules:
// docs/reference/checkpoint-formats.md#the-safetensors-container.

import { constants as bufferConstants } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { decodeToF32 } from './dtype';
import { io, quoteName, SafetensorsError } from './error';
import { MAX_HEADER_BYTES, parseSafetensorsHeader, type SafetensorsHeader, type TensorEntry } from './header';

// NOTE: Linux transfers at most ~2 GiB per read(2); chunking keeps each call well inside that.
const READ_CHUNK = 1 << 30;

function openFile(path: string): Promise<FileHandle> {
  return io(path, 'cannot open', open(path, 'r'));
}

/** Runs `body` with the file open and always closes it. */
async function withFile<T>(path: string, body: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await openFile(path);
  try {
    return await body(fh);
  } finally {
    await fh.close();
  }
}

/** Reads exactly `length` bytes at `position`; a short file is a `SafetensorsError`, not a partial buffer. */
async function readExact(
  fh: FileHandle,
  path: string,
  position: number,
  length: number,
): Promise<Uint8Array> {
  if (length > bufferConstants.MAX_LENGTH) {
    throw new SafetensorsError(path, `${length} bytes at ${position} are too many to hold in memory`);
  }
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const want = Math.min(length - done, READ_CHUNK);
    const read = fh.read(out, done, want, position + done);
    const { bytesRead } = await io(path, `read at byte ${position + done} failed`, read);
    if (bytesRead === 0) {
      throw new SafetensorsError(path, `file ends at byte ${position + done}, expected ${position + length}`);
    }
    done += bytesRead;
  }
  return out;
}

/**
 * Reads and validates only the 8-byte length and the header JSON.
 * @example const header = await readSafetensorsHeader('model.safetensors'); header.tensors.get('w')?.shape
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return withFile(path, async (fh) => {
    const fileBytes = (await io(path, 'stat failed', fh.stat())).size;
    if (fileBytes < 8)
      throw new SafetensorsError(path, `file is ${fileBytes} bytes, too short for a header length`);
    const prefix = await readExact(fh, path, 0, 8);
    const length = new DataView(prefix.buffer).getBigUint64(0, true);
    if (length > BigInt(MAX_HEADER_BYTES)) {
      throw new SafetensorsError(path, `header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    }
    if (length > BigInt(fileBytes - 8)) {
      throw new SafetensorsError(
        path,
        `header length ${length} runs past the end of the file (${fileBytes} bytes)`,
      );
    }
    return parseSafetensorsHeader(path, fileBytes, await readExact(fh, path, 8, Number(length)));
  });
}

function entryOf(header: SafetensorsHeader, name: string): TensorEntry {
  const entry = header.tensors.get(name);
  if (!entry) throw new SafetensorsError(header.path, `no tensor named ${quoteName(name)}`);
  return entry;
}

/** Raw little-endian bytes of one tensor (a ranged read). @example await readTensorBytes(header, 'w') */
export async function readTensorBytes(header: SafetensorsHeader, name: string): Promise<Uint8Array> {
  const entry = entryOf(header, name);
  return withFile(header.path, (fh) => readEntry(fh, header, entry));
}

function readEntry(fh: FileHandle, header: SafetensorsHeader, entry: TensorEntry): Promise<Uint8Array> {
  return readExact(fh, header.path, header.dataOffset + entry.begin, entry.end - entry.begin);
}

/** One tensor as f32 values, whatever its dtype. @example (await readTensorF32(header, 'w'))[0] */
export async function readTensorF32(header: SafetensorsHeader, name: string): Promise<Float32Array> {
  const entry = entryOf(header, name);
  return decodeToF32(entry.dtype, await readTensorBytes(header, name));
}

/**
 * Every tensor in data-section order with one open file; each buffer is read only when asked for.
 * @example for await (const { entry, bytes } of iterateTensors(header)) hash.update(bytes)
 */
export async function* iterateTensors(
  header: SafetensorsHeader,
): AsyncGenerator<{ entry: TensorEntry; bytes: Uint8Array }> {
  const fh = await openFile(header.path);
  try {
    for (const entry of header.tensors.values()) {
      yield { entry, bytes: await readEntry(fh, header, entry) };
    }
  } finally {
    await fh.close();
  }
}
