// Hashes other tools cite, each recomputed here from the file bytes with node:crypto directly.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tensorFromF32, writeSafetensors } from '../../src-main/formats/safetensors';
import {
  a1111ShortHash,
  dataHash,
  fileSha256,
  legacyModelHash,
  loraShortHash,
  modelspecHash,
  safetensorsDataHash,
  tensorDataHash,
} from '../../src-main/lora/hashes';
import { makeTempDir, seededRandom } from './targets-fixture';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('data-region hashes (sshs_model_hash)', () => {
  it('tensorDataHash before writing equals safetensorsDataHash of the written file and sha256 of bytes after 8+N', async () => {
    const rand = seededRandom(3);
    const tensors = [
      tensorFromF32('a.lora_down.weight', 'F16', [2, 5], Float32Array.from({ length: 10 }, rand)),
      tensorFromF32('a.alpha', 'F32', [], Float32Array.of(2)),
    ];
    const before = tensorDataHash(tensors);
    const path = join(dir, 'x.safetensors');
    await writeSafetensors(path, tensors, { meta: 'data' });
    const bytes = new Uint8Array(await readFile(path));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(before).toBe(sha(bytes.subarray(8 + n)));
    expect(await safetensorsDataHash(path)).toBe(before);
    expect(dataHash([bytes.subarray(8 + n)])).toBe(before);
    expect(modelspecHash(before)).toBe(`0x${before}`);
    expect(loraShortHash(before)).toBe(before.slice(0, 12));
  });

  it('rejects a header length that runs past the file', async () => {
    const path = join(dir, 'bad.safetensors');
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 100n, true);
    await writeFile(path, bytes);
    await expect(safetensorsDataHash(path)).rejects.toThrow(/runs past/);
  });
});

describe('A1111 model hashes', () => {
  it('full sha256 / shorthash and the legacy 8-hex hash of 0x10000 bytes at 0x100000', async () => {
    const rand = seededRandom(9);
    const bytes = Uint8Array.from({ length: 0x120000 }, () => Math.floor(rand() * 256));
    const path = join(dir, 'model.bin');
    await writeFile(path, bytes);
    const full = await fileSha256(path);
    expect(full).toBe(sha(bytes));
    expect(a1111ShortHash(full)).toBe(full.slice(0, 10));
    expect(await legacyModelHash(path)).toBe(sha(bytes.subarray(0x100000, 0x110000)).slice(0, 8));
  });

  it('legacy hash of a short file hashes what is there, like Python read()', async () => {
    const path = join(dir, 'small.bin');
    await writeFile(path, Uint8Array.of(1, 2, 3));
    expect(await legacyModelHash(path)).toBe(sha(new Uint8Array()).slice(0, 8));
  });
});
