// Seeded fuzz: mutated and truncated valid files either parse (and then read back fully) or raise
// SafetensorsError — never another exception, a hang, or a huge allocation.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  iterateTensors,
  parseSafetensorsHeader,
  readSafetensorsHeader,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
  type SafetensorsHeader,
} from '../../../src-main/formats/safetensors';
import { makeTempDir, rawFile, seededRandom } from './craft';

const ITERATIONS = 2000;
let dir = '';
let cleanup = async () => {};
const seeds: Uint8Array[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  const path = join(dir, 'seed.safetensors');
  await writeSafetensors(
    path,
    [
      tensorFromF32('a.weight', 'F16', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)),
      tensorFromF32('a.bias', 'BF16', [3], Float32Array.of(-1, 0, 1)),
      { name: 'steps', dtype: 'I64', shape: [], data: BigInt64Array.of(42n) },
      { name: 'mask', dtype: 'BOOL', shape: [0, 2], data: new Uint8Array(0) },
      { name: 'scale', dtype: 'F64', shape: [1], data: new Uint8Array(Float64Array.of(0.5).buffer) },
    ],
    { ss_network_dim: '4', note: '{"x": 1}' },
  );
  seeds.push(new Uint8Array(await readFile(path)));
  seeds.push(rawFile({ w: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)));
  seeds.push(rawFile({}));
});
afterAll(() => cleanup());

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, xs: readonly T[]): T => xs[int(r, xs.length)];
const JSON_BYTES = [...'{}[]",:-0123456789 eE.nultrfa\\'].map((c) => c.charCodeAt(0));
const LENGTHS = [0n, 1n, 7n, 8n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 100_000_001n, 99_999_999n];

/** One byte-level mutation. */
function mutateBytes(r: Random, src: Uint8Array): Uint8Array {
  const out = src.slice();
  const at = int(r, Math.max(out.length, 1));
  switch (int(r, 7)) {
    case 0:
      out[at] ^= 1 << int(r, 8);
      return out;
    case 1:
      out[at] = pick(r, JSON_BYTES);
      return out;
    case 2:
      return out.subarray(0, int(r, out.length + 1));
    case 3:
      return new Uint8Array([...out, ...Array.from({ length: 1 + int(r, 16) }, () => int(r, 256))]);
    case 4: {
      const length = int(r, 2) === 0 ? pick(r, LENGTHS) : BigInt(Math.max(0, out.length - 8 + int(r, 9) - 4));
      if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, length % 2n ** 64n, true);
      return out;
    }
    case 5:
      return new Uint8Array([...out.subarray(0, at), ...out.subarray(at + 1 + int(r, 8))]);
    default:
      out[at] = int(r, 256);
      return out;
  }
}

const WEIRD: unknown[] = [
  -1,
  0,
  1,
  2.5,
  2 ** 53,
  1e300,
  'F32',
  'U32',
  null,
  [],
  {},
  [1, 2],
  [0, 99999999999],
];

/** One structural mutation of the header JSON, re-encoded with the original data (may no longer fit). */
function mutateJson(r: Random, src: Uint8Array): Uint8Array {
  const length = Number(new DataView(src.buffer, src.byteOffset).getBigUint64(0, true));
  const root = JSON.parse(new TextDecoder().decode(src.subarray(8, 8 + length))) as Record<string, unknown>;
  const keys = Object.keys(root);
  const key = keys.length > 0 ? pick(r, keys) : 'fresh';
  const entry = root[key];
  const roll = int(r, 20);
  if (roll < 10 && entry && typeof entry === 'object' && !Array.isArray(entry)) {
    mutateField(r, entry as Record<string, unknown>);
  } else if (roll < 14) {
    root[key] = pick(r, WEIRD);
  } else if (roll < 17) {
    delete root[key];
  } else {
    const metadata = root.__metadata__;
    if (int(r, 2) === 0 && metadata && typeof metadata === 'object')
      mutateField(r, metadata as Record<string, unknown>);
    else root.__metadata__ = pick(r, WEIRD);
  }
  return rawFile(root, src.subarray(8 + length));
}

function mutateField(r: Random, target: Record<string, unknown>): void {
  const keys = Object.keys(target);
  const field = int(r, 4) === 0 || keys.length === 0 ? 'extra' : pick(r, keys);
  const current = target[field];
  if (Array.isArray(current) && current.length > 0 && int(r, 2) === 0)
    current[int(r, current.length)] = pick(r, WEIRD);
  else target[field] = pick(r, WEIRD);
}

/** Reading a file that parsed must also work all the way through. */
async function readEverything(header: SafetensorsHeader, fileBytes: number): Promise<void> {
  expect(header.fileBytes).toBe(fileBytes);
  let covered = 0;
  for await (const { entry, bytes } of iterateTensors(header)) {
    expect(entry.begin).toBe(covered);
    expect(bytes.length).toBe(entry.end - entry.begin);
    covered = entry.end;
    await readTensorF32(header, entry.name);
  }
  expect(header.dataOffset + covered).toBe(fileBytes);
}

/** The pure parser on the header bytes, when the framing (8-byte length within the file) lets it run. */
function parseInMemory(path: string, bytes: Uint8Array): 'parsed' | 'not framed' {
  if (bytes.length < 8) return 'not framed';
  const n = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) return 'not framed';
  parseSafetensorsHeader(path, bytes.length, bytes.subarray(8, 8 + Number(n)));
  return 'parsed';
}

async function outcome(path: string, bytes: Uint8Array): Promise<'ok' | 'rejected'> {
  const results = await Promise.allSettled([
    (async () => parseInMemory(path, bytes))(),
    (async () => {
      await writeFile(path, bytes);
      await readEverything(await readSafetensorsHeader(path), bytes.length);
    })(),
  ]);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const foreign = errors.find((e) => !(e instanceof SafetensorsError));
  if (foreign !== undefined) {
    throw new Error(`non-SafetensorsError on input ${Buffer.from(bytes).toString('base64')}`, {
      cause: foreign,
    });
  }
  const [memory, file] = results;
  if (memory.status === 'rejected' || memory.value === 'parsed') {
    expect(memory.status, 'the in-memory parser and the file reader disagree').toBe(file.status);
  }
  return errors.length === 0 ? 'ok' : 'rejected';
}

describe('safetensors fuzz', () => {
  it(`survives ${ITERATIONS} seeded mutations with only success or SafetensorsError`, async () => {
    const r = seededRandom(20240611);
    const path = join(dir, 'fuzz.safetensors');
    const counts = { ok: 0, rejected: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      let bytes = pick(r, seeds);
      const structural = int(r, 5) < 2; // structural edits reach the deeper checks; byte edits the framing
      const rounds = 1 + int(r, 3);
      for (let k = 0; k < rounds; k++) bytes = structural ? mutateJson(r, bytes) : mutateBytes(r, bytes);
      counts[await outcome(path, bytes)]++;
    }
    // Both outcomes must actually happen, or the mutations are not exercising the validator.
    expect(counts.rejected).toBeGreaterThan(ITERATIONS / 2);
    expect(counts.ok).toBeGreaterThan(20);
  });
});
