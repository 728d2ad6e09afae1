// The hashes other tools cite for a LoRA or model file: kohya's `sshs_model_hash` (= A1111's LoRA hash),
// modelspec `hash_sha256`, A1111's full-file sha256 / shorthash and its legacy 8-hex model hash.
// Facts: docs/reference/lora-formats.md#hashes, #modelspec; kohya train_util / A1111 modules/hashes.py.

import { createHash, type Hash } from 'node:crypto';
import { open, realpath } from 'node:fs/promises';
import { fileStateKey, rememberedDigest } from '../formats/remembered-digest';
import type { TensorToWrite } from '../formats/safetensors';

const CHUNK = 1 << 20;
/** A1111's legacy `model_hash`: 0x10000 bytes read from offset 0x100000. */
const LEGACY_OFFSET = 0x100000;
const LEGACY_LENGTH = 0x10000;

/**
 * sha256 (lowercase hex) of tensor byte buffers in file order: the data region of a safetensors file, i.e.
 * kohya's `sshs_model_hash`, computable before the header exists.
 * @example dataHash([downBytes, upBytes, alphaBytes])
 */
export function dataHash(buffers: Iterable<Uint8Array>): string {
  const hash = createHash('sha256');
  for (const b of buffers) hash.update(b);
  return hash.digest('hex');
}

/**
 * `dataHash` of tensors about to be written, in the order given (data already in memory, not thunks).
 * @example const sha = tensorDataHash(tensors); await writeSafetensors(p, tensors, { sshs_model_hash: sha })
 */
export function tensorDataHash(tensors: readonly TensorToWrite[]): string {
  return dataHash(
    tensors.map((t) => {
      if (typeof t.data === 'function')
        throw new Error(`${t.name}: lazy data cannot be hashed before writing`);
      return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    }),
  );
}

/** modelspec's spelling of the same data hash. @example modelspecHash(dataHash(bufs)) // '0x…' */
export function modelspecHash(sha256Hex: string): string {
  return `0x${sha256Hex}`;
}

async function hashRange(path: string, start: number, length: number, hash: Hash): Promise<Hash> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(CHUNK);
    let pos = start;
    const end = start + length;
    while (pos < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - pos), pos);
      if (bytesRead === 0) break; // like Python's read(): a short file hashes what is there
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return hash;
  } finally {
    await fh.close();
  }
}

/**
 * sha256 of everything after `8 + N` (N = the u64 header length): kohya `addnet_hash_safetensors`, which
 * A1111/Forge use as the LoRA hash when `sshs_model_hash` is absent.
 * @example await safetensorsDataHash('my-lora.safetensors') === metadata.sshs_model_hash
 */
export async function safetensorsDataHash(path: string): Promise<string> {
  const fh = await open(path, 'r');
  let start: number;
  let size: number;
  try {
    const prefix = new Uint8Array(8);
    await fh.read(prefix, 0, 8, 0);
    start = 8 + Number(new DataView(prefix.buffer).getBigUint64(0, true));
    size = (await fh.stat()).size;
  } finally {
    await fh.close();
  }
  if (start > size) throw new Error(`${path}: header length runs past the end of the file`);
  return (await hashRange(path, start, size - start, createHash('sha256'))).digest('hex');
}

/** sha256 of the whole file (A1111 "new" model hash). @example (await fileSha256(p)).slice(0, 10) */
export async function fileSha256(path: string): Promise<string> {
  return (await hashRange(path, 0, Number.MAX_SAFE_INTEGER, createHash('sha256'))).digest('hex');
}

/**
 * `fileSha256`, remembered under `cacheDir` by the file's real path, size and modification time: a
 * multi-GB checkpoint is hashed once, not by every process that names it (`tessera sample`, previews).
 * @example const full = await cachedFileSha256('/models/sd15.safetensors', '/cache')
 */
export async function cachedFileSha256(path: string, cacheDir: string): Promise<string> {
  const real = await realpath(path);
  return rememberedDigest(cacheDir, await fileStateKey([real]), '.sha256', () => fileSha256(real));
}

/** A1111 checkpoint shorthash: the first 10 hex of the full-file sha256. @example a1111ShortHash(full) */
export function a1111ShortHash(sha256Hex: string): string {
  return sha256Hex.slice(0, 10);
}

/** A1111 infotext `Lora hashes:` entry: the first 12 hex of the data hash. @example loraShortHash(sshs) */
export function loraShortHash(sha256Hex: string): string {
  return sha256Hex.slice(0, 12);
}

/**
 * A1111's legacy 8-hex model hash (also kohya `ss_sd_model_hash`): sha256 of 0x10000 bytes at 0x100000.
 * @example await legacyModelHash('v1-5-pruned.safetensors') // e.g. 'e1441589'
 */
export async function legacyModelHash(path: string): Promise<string> {
  const hash = await hashRange(path, LEGACY_OFFSET, LEGACY_LENGTH, createHash('sha256'));
  return hash.digest('hex').slice(0, 8);
}
